"""docs/fields/reference/ is scripts/gen-field-docs' output: the field reference is the field map."""
from __future__ import annotations

from normalizer.field_tables import FIELD_TABLES

from .conftest import DOCS, load_script

REFERENCE = DOCS / "fields" / "reference"


def test_committed_pages_are_the_generators_output() -> None:
    """Every generated page is committed as the script writes it, and no other page is there."""
    wanted = load_script("gen-field-docs").pages()
    committed = {p.name: p.read_text() for p in REFERENCE.glob("*.md")}
    assert sorted(committed) == sorted(wanted), "run scripts/gen-field-docs"
    for name, text in wanted.items():
        assert committed[name] == text, f"docs/fields/reference/{name} is stale: run scripts/gen-field-docs"


def test_every_native_field_has_a_row() -> None:
    """Each source's page has one row per native name of its field table."""
    pages = load_script("gen-field-docs").pages()
    for name, table in FIELD_TABLES.items():
        for field in {f.native for f in table.fields if f.native is not None}:
            assert f"| `{field.replace('|', chr(92) + '|')}` |" in pages[f"{name}.md"], (name, field)


def test_every_source_has_its_explanations_page() -> None:
    """The hand-written page each generated one links to exists."""
    for name in FIELD_TABLES:
        assert (DOCS / "fields" / f"{name}.md").is_file(), name
