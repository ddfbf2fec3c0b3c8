"""The import direction of STYLE.md: normalizer is pure; shipper and the rule tooling never meet, nor import the
CLI or the report (which reads both)."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package → top-level modules it must never import
FORBIDDEN = {
    "normalizer": {"boto3", "botocore", "elasticsearch", "sigma", "yaml", "cloudsift", "shipper", "detection", "deploy",
                   "report"},
    # The CLI (the `cloudsift` package) wires the libraries together: they never import it.
    "shipper": {"detection", "deploy", "sigma", "cloudsift", "report"},
    "detection": {"shipper", "deploy", "boto3", "cloudsift", "report"},
    # The report reads what the shipper and the detector wrote (their stream names, the pack's coverage).
    "report": {"deploy", "boto3", "cloudsift"},
}
# The normalizer may use the standard library and one fast JSON parser, nothing else.
# orjson; maxminddb only for the optional IP enrichment (normalizer/geo/lookup.py imports it when databases are named).
NORMALIZER_THIRD_PARTY = {"orjson", "maxminddb"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_import_direction(package: str) -> None:
    """No module of the package imports what the layering forbids."""
    offenders = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in _imports(path) & FORBIDDEN[package]
    }
    assert not offenders, sorted(offenders)


def test_normalizer_uses_only_stdlib_orjson_and_maxminddb() -> None:
    """The normalizer's third-party imports are limited to the JSON parser (and the optional MaxMind reader)."""
    allowed = set(sys.stdlib_module_names) | NORMALIZER_THIRD_PARTY | {"normalizer", "__future__"}
    extra = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "normalizer").rglob("*.py")
        for name in _imports(path) - allowed
    }
    assert not extra, sorted(extra)
