"""`rules coverage`: the Navigator layer's structure, and the HTML matrix as headless Chromium renders it.

Chromium (tests/support/browser.py) loads the written page from disk, dumps the DOM it built, records
the requests it made (none) and takes a screenshot, kept in tests/artifacts/ for a look after the run.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import browser
import pytest
import yaml
from browser import Element

from cloudsift.cli import main
from detection import attack, coverage

from .conftest import PACK, ROOT

ARTIFACTS = ROOT / "tests" / "artifacts"
WINDOW = (2200, 3000)


def _tag_pairs(folder: Path) -> dict[tuple[str, str], list[str]]:
    """(technique, tactic) → titles, read from the rule files as plain YAML: an independent count."""
    pairs: dict[tuple[str, str], list[str]] = {}
    for path in sorted(folder.rglob("*.yml")):
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        rule = next((d for d in docs if "correlation" in d), docs[0])
        tags = [t.removeprefix("attack.") for t in rule.get("tags", []) if t.startswith("attack.")]
        tactics = [t.replace("_", "-") for t in tags if t.replace("_", "-") in attack.TACTICS]
        for tag in tags:
            tech = attack.TECHNIQUES.get(tag.upper())
            for tactic in tactics:
                if tech is not None and tactic in tech.tactics:
                    pairs.setdefault((tech.id, tactic), []).append(rule["title"])
    return pairs


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`cloudsift rules coverage --out DIR rules/`, run once."""
    out = tmp_path_factory.mktemp("coverage")
    assert main(["rules", "coverage", "--out", str(out), str(PACK)]) == 0
    return out


def test_layer_is_a_navigator_layer_of_the_pack(written: Path) -> None:
    """Navigator 4.5 layer: versions, domain, one technique entry per covered (technique, tactic), scores and titles."""
    layer = json.loads((written / "navigator-layer.json").read_text())
    assert layer["versions"] == {"layer": "4.5", "navigator": "5.2.0", "attack": "18"}
    assert layer["domain"] == "enterprise-attack" and layer["name"]
    scored = {(t["techniqueID"], t["tactic"]): t for t in layer["techniques"] if "score" in t}
    expected = _tag_pairs(PACK)
    assert set(scored) == set(expected)
    for pair, entry in scored.items():
        assert entry["score"] == len(expected[pair]) and entry["comment"] == "; ".join(expected[pair])
        assert entry["tactic"] in attack.TECHNIQUES[entry["techniqueID"]].tactics
        assert all((ROOT / m["value"]).is_file() or Path(m["value"]).is_file() for m in entry["metadata"])
    # Every parent of a covered sub-technique opens, so Navigator shows the sub-technique.
    opened = {(t["techniqueID"], t["tactic"]) for t in layer["techniques"] if t.get("showSubtechniques")}
    assert opened == {(ident.split(".")[0], tactic) for ident, tactic in expected if "." in ident}
    gradient = layer["gradient"]
    assert len(gradient["colors"]) >= 2 and gradient["maxValue"] > gradient["minValue"]
    assert gradient["maxValue"] == max(len(v) for v in expected.values())
    assert layer["legendItems"] and all(set(i) == {"label", "color"} for i in layer["legendItems"])


@pytest.fixture(scope="module")
def dom(written: Path, tmp_path_factory: pytest.TempPathFactory) -> Element:
    """The page's DOM as headless Chromium built it."""
    loaded = browser.load(written / "coverage.html", tmp_path_factory.mktemp("chromium-dom"))
    assert not loaded.requests, loaded.requests
    return loaded.dom


def _iaas_matrix() -> dict[str, set[str]]:
    """Tactic → the parent techniques the IaaS matrix shows under it, from the ATT&CK table."""
    out: dict[str, set[str]] = {}
    for tech in attack.TECHNIQUES.values():
        if "IaaS" in tech.platforms:
            for tactic in tech.tactics:
                out.setdefault(tactic, set()).add(tech.parent)
    return out


def test_page_renders_every_iaas_tactic_and_technique(dom: Element) -> None:
    """One column per tactic of the IaaS matrix, in matrix order, one cell per technique under it."""
    columns = [e for e in dom.walk() if e.tag == "section" and "tactic" in e.classes]
    matrix = _iaas_matrix()
    assert [c.attrs["data-tactic"] for c in columns] == [t for t in attack.TACTICS if t in matrix]
    for column in columns:
        cells = {e.attrs["data-technique"] for e in column.walk() if "cell" in e.classes}
        assert cells == matrix[column.attrs["data-tactic"]]
        assert column.attrs["data-techniques"] == str(len(cells))


def test_cells_show_the_rules_that_cover_them_with_links(dom: Element, written: Path) -> None:
    """A covered cell counts its rules (its own and its sub-techniques') and links each rule file."""
    expected = _tag_pairs(PACK)
    by_cell: dict[tuple[str, str], set[str]] = {}
    for (ident, tactic), titles in expected.items():
        # A cell lists its own rules and those of its IaaS sub-techniques (the others are listed below the matrix).
        if "." not in ident or coverage.MATRIX_PLATFORM in attack.TECHNIQUES[ident].platforms:
            by_cell.setdefault((ident.split(".")[0], tactic), set()).update(titles)
    cells = {(e.attrs["data-tactic"], e.attrs["data-technique"]): e for e in dom.walk() if "cell" in e.classes}
    covered = {key for key, e in cells.items() if "covered" in e.classes}
    in_matrix = {(tactic, parent) for parent, tactic in by_cell if (tactic, parent) in cells}
    assert covered == in_matrix and covered
    for key in covered:
        cell = cells[key]
        links = [a for a in cell.walk() if a.tag == "a" and "data-rule-id" in a.attrs]
        titles = {a.all_text() for a in links}
        assert titles == by_cell[(key[1], key[0])]
        assert cell.attrs["data-rules"] == str(len(titles))
        for link in links:
            assert (written / link.attrs["href"]).resolve().is_file(), link.attrs["href"]


def test_uncovered_techniques_are_marked(dom: Element) -> None:
    """Every technique without a rule is an `uncovered` cell saying "no rule"; the summary counts agree."""
    cells = [e for e in dom.walk() if "cell" in e.classes]
    uncovered = [c for c in cells if "uncovered" in c.classes]
    assert uncovered and all(c.attrs["data-rules"] == "0" for c in uncovered)
    assert all(any("gap" in e.classes and e.all_text() == "no rule" for e in c.children) for c in uncovered)
    [summary] = [e for e in dom.walk() if e.attrs.get("id") == "summary"]
    assert summary.attrs["data-techniques"] == str(len(cells))
    assert summary.attrs["data-covered"] == str(len(cells) - len(uncovered))
    assert summary.attrs["data-rules"] == str(len(list(PACK.rglob("*.yml"))))


def test_covered_techniques_outside_the_matrix_are_listed(dom: Element) -> None:
    """A rule on a technique the IaaS matrix lacks (DNS, remote services) still shows, in its own table."""
    matrix = _iaas_matrix()
    outside = {(ident, tactic) for ident, tactic in _tag_pairs(PACK)
               if ident.split(".")[0] not in matrix.get(tactic, set())
               or ("." in ident and coverage.MATRIX_PLATFORM not in attack.TECHNIQUES[ident].platforms)}
    rows = {(e.attrs["data-technique"], e.attrs["data-tactic"]) for e in dom.walk()
            if e.tag == "tr" and "data-technique" in e.attrs}
    assert rows == outside


def test_page_is_self_contained(written: Path, dom: Element) -> None:
    """No script and nothing fetched: no external stylesheet, image, frame or script source."""
    text = (written / "coverage.html").read_text()
    assert "<script" not in text and "@import" not in text and "url(" not in text
    loads = Counter(e.tag for e in dom.walk() if e.tag in ("script", "link", "img", "iframe", "object", "embed"))
    assert not loads, loads
    assert any(e.tag == "svg" for e in dom.walk()) and any(e.tag == "style" for e in dom.walk())


def test_screenshot_is_taken_and_kept(written: Path, tmp_path: Path) -> None:
    """Chromium paints the page to a PNG of the window's size, kept as tests/artifacts/coverage.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "coverage.png"
    assert browser.screenshot(written / "coverage.html", shot, WINDOW, tmp_path) == WINDOW
    assert shot.stat().st_size > 50_000  # a painted matrix, not a blank page
