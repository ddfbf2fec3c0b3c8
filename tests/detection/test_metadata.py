"""What the pack requires of a rule beyond valid Sigma, and the TODO placeholders `rules new` leaves."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from detection.check import check
from detection.pack import load_pack

from .conftest import PACK

SOURCE = PACK / "cloudtrail" / "root_account_usage.yml"
REQUIRED = {
    "description": "no description",
    "level": "no level",
    "falsepositives": "no falsepositives",
    "tags": "no ATT&CK tags",
    "note": "no note",
}


def _pack_copy(tmp_path: Path, text: str) -> tuple[Path, Path]:
    """A pack folder holding one rule (with the source's samples): (pack, rule path)."""
    pack = tmp_path / "rules"
    (pack / "cloudtrail").mkdir(parents=True)
    path = pack / "cloudtrail" / SOURCE.name
    path.write_text(text)
    shutil.copy(SOURCE.with_name(SOURCE.stem + ".samples.yaml"), path.with_name(SOURCE.stem + ".samples.yaml"))
    return pack, path


def _problems(path: Path, pack: Path | None) -> list[str]:
    files, collection = load_pack([path])
    return [p.message for p in check(files, list(collection.rules), pack)]


def _without(text: str, key: str) -> str:
    """The rule text with one top-level key (and its indented block) removed."""
    lines, out, skipping = text.splitlines(keepends=True), [], False
    for line in lines:
        if line.startswith(f"{key}:"):
            skipping = True
            continue
        if skipping and line.startswith((" ", "-")):
            continue
        skipping = False
        out.append(line)
    return "".join(out)


@pytest.mark.parametrize("key", sorted(REQUIRED))
def test_pack_rule_without_a_required_key_is_a_problem(tmp_path: Path, key: str) -> None:
    """A rule under the pack folder must carry description, level, falsepositives, ATT&CK tags and a note."""
    text = _without(SOURCE.read_text(), key)
    assert text != SOURCE.read_text()
    pack, path = _pack_copy(tmp_path, text)
    problems = _problems(path, pack)
    assert [p for p in problems if p.startswith(REQUIRED[key])], problems


def test_rule_outside_the_pack_needs_only_be_valid(tmp_path: Path) -> None:
    """The same incomplete rule outside the pack folder (a test fixture, a scratch file) checks clean."""
    _, path = _pack_copy(tmp_path, _without(SOURCE.read_text(), "note"))
    assert _problems(path, tmp_path / "elsewhere") == []


def test_tags_without_a_technique_are_incomplete(tmp_path: Path) -> None:
    """A tactic alone does not place the rule in the matrix: the pack wants a technique too."""
    text = SOURCE.read_text().replace("  - attack.t1078.004\n", "")
    assert text != SOURCE.read_text()
    pack, path = _pack_copy(tmp_path, text)
    assert any(p.startswith("no ATT&CK tags") for p in _problems(path, pack))


def test_note_must_be_text(tmp_path: Path) -> None:
    """`note:` is markdown text, not a list or a mapping."""
    pack, path = _pack_copy(tmp_path, _without(SOURCE.read_text(), "note") + "note:\n  - a list\n")
    assert "note: must be text (markdown)" in _problems(path, pack)


def test_todo_placeholders_are_problems_anywhere(tmp_path: Path) -> None:
    """A line still saying TODO, in the rule or its samples, is named by its number, in or out of the pack."""
    _, path = _pack_copy(tmp_path, SOURCE.read_text().replace(
        "title: Root Account API Activity", "title: TODO a title an analyst understands"))
    samples = path.with_name(SOURCE.stem + ".samples.yaml")
    samples.write_text(samples.read_text().replace("  match: false", "  match: false  # TODO a near miss", 1))
    problems = _problems(path, None)
    assert "line 1: still a placeholder: title: TODO a title an analyst understands" in problems
    line = next(n for n, text in enumerate(samples.read_text().splitlines(), 1) if "TODO" in text)
    assert f"{samples.name} line {line}: still a placeholder: match: false  # TODO a near miss" in problems
