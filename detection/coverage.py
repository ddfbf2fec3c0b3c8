"""`rules coverage`: which ATT&CK techniques the pack's rules cover, as a Navigator layer and a matrix.

A rule covers a technique under a tactic when it tags both and the technique belongs to that tactic
(attack.resolve). The matrix is ATT&CK's IaaS matrix: the techniques whose platforms include IaaS,
AWS's platform, by tactic in matrix order, each with its IaaS sub-techniques. A parent technique
that is not IaaS itself but has IaaS sub-techniques is shown for them. Covered techniques outside
the matrix (DNS, web application attacks) are listed apart, so no rule is hidden.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from detection import attack
from detection.attack_model import Tactic, Technique
from detection.pack import RuleFile

MATRIX_PLATFORM = "IaaS"
NAVIGATOR_VERSIONS = {"layer": "4.5", "navigator": "5.2.0", "attack": attack.RELEASE.rpartition("v")[2].split(".")[0]}
# White (no rule) to dark blue (the best-covered technique).
GRADIENT = ("#ffffff", "#1f5fa8")


@dataclass(frozen=True, slots=True)
class RuleRef:
    """A rule as the coverage shows it: its id, title and file."""

    id: str
    title: str
    path: Path


@dataclass(frozen=True, slots=True)
class Entry:
    """One technique under one tactic, with the rules that cover it there."""

    technique: Technique
    tactic: Tactic
    rules: tuple[RuleRef, ...]


@dataclass(frozen=True, slots=True)
class Cell:
    """A technique of the matrix under one tactic: its own rules and its sub-techniques'."""

    entry: Entry
    subtechniques: tuple[Entry, ...]

    @property
    def rules(self) -> tuple[RuleRef, ...]:
        """Every rule of the cell, the technique's and its sub-techniques', each once."""
        found = [*self.entry.rules, *(r for sub in self.subtechniques for r in sub.rules)]
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class Column:
    """One tactic of the matrix and its techniques."""

    tactic: Tactic
    cells: tuple[Cell, ...]

    @property
    def covered(self) -> int:
        """How many of the column's techniques some rule covers."""
        return sum(bool(c.rules) for c in self.cells)


@dataclass(frozen=True, slots=True)
class Coverage:
    """The pack over ATT&CK: every (technique, tactic) a rule covers, the matrix, what lies outside it."""

    rules: tuple[RuleRef, ...]
    entries: tuple[Entry, ...]  # covered (technique, tactic) pairs, in technique then tactic order
    matrix: tuple[Column, ...]
    outside: tuple[Entry, ...]  # covered pairs the matrix does not show
    untagged: tuple[RuleRef, ...]  # rules that cover no technique

    @property
    def techniques(self) -> int:
        """How many techniques the matrix shows (a technique under two tactics counts twice)."""
        return sum(len(c.cells) for c in self.matrix)

    @property
    def covered(self) -> int:
        """How many of them some rule covers."""
        return sum(c.covered for c in self.matrix)


def build(files: Iterable[RuleFile]) -> Coverage:
    """The coverage of the rule files (their main rules; tags that do not resolve count for nothing)."""
    by_pair: dict[tuple[str, str], list[RuleRef]] = {}
    rules, untagged = [], []
    for file in files:
        rule = file.rule
        ref = RuleRef(str(rule.id), rule.title, file.path)
        rules.append(ref)
        tags = attack.resolve(t.name for t in rule.tags if t.namespace == "attack")
        pairs = [(tech.id, tactic.shortname) for tactic in dict.fromkeys(tags.tactics)
                 for tech in dict.fromkeys(tags.techniques_of(tactic))]
        for pair in pairs:
            by_pair.setdefault(pair, []).append(ref)
        if not pairs:
            untagged.append(ref)
    entries = tuple(_entry(ident, tactic, refs) for (ident, tactic), refs in sorted(by_pair.items(), key=_order))
    matrix = _matrix(by_pair)
    shown = {(e.technique.id, e.tactic.shortname) for col in matrix for c in col.cells for e in (c.entry, *c.subtechniques)}
    outside = tuple(e for e in entries if (e.technique.id, e.tactic.shortname) not in shown)
    return Coverage(tuple(rules), entries, matrix, outside, tuple(untagged))


def _order(item: tuple[tuple[str, str], list[RuleRef]]) -> tuple[str, int]:
    (ident, tactic), _ = item
    return ident, list(attack.TACTICS).index(tactic)


def _entry(ident: str, tactic: str, refs: Iterable[RuleRef]) -> Entry:
    return Entry(attack.TECHNIQUES[ident], attack.TACTICS[tactic], tuple(dict.fromkeys(refs)))


def _matrix(by_pair: dict[tuple[str, str], list[RuleRef]]) -> tuple[Column, ...]:
    in_matrix = [t for t in attack.TECHNIQUES.values() if MATRIX_PLATFORM in t.platforms]
    columns = []
    for short in attack.TACTICS:
        mine = [t for t in in_matrix if short in t.tactics]
        parents = sorted({t.parent for t in mine}, key=lambda ident: attack.TECHNIQUES[ident].name.lower())
        cells = tuple(
            Cell(_entry(parent, short, by_pair.get((parent, short), ())),
                 tuple(_entry(t.id, short, by_pair.get((t.id, short), ()))
                       for t in sorted(mine, key=lambda t: t.id) if t.parent == parent and t.id != parent))
            for parent in parents
        )
        if cells:
            columns.append(Column(attack.TACTICS[short], cells))
    return tuple(columns)


def layer(coverage: Coverage, name: str = "cloudsift rule pack") -> dict:
    """The ATT&CK Navigator layer (format 4.5): score = number of rules, comment = their titles."""
    techniques: list[dict] = []
    for entry in coverage.entries:
        techniques.append({
            "techniqueID": entry.technique.id,
            "tactic": entry.tactic.shortname,
            "score": len(entry.rules),
            "comment": "; ".join(r.title for r in entry.rules),
            "enabled": True,
            "metadata": [{"name": "rule", "value": str(r.path)} for r in entry.rules],
        })
    # Parents of covered sub-techniques open by default, so the covered ones show.
    opened = sorted({(e.technique.parent, e.tactic.shortname) for e in coverage.entries
                     if e.technique.parent != e.technique.id})
    for parent, tactic in opened:
        own = next((t for t in techniques if (t["techniqueID"], t["tactic"]) == (parent, tactic)), None)
        if own is None:
            techniques.append({"techniqueID": parent, "tactic": tactic, "showSubtechniques": True})
        else:
            own["showSubtechniques"] = True
    top = max((len(e.rules) for e in coverage.entries), default=1)
    return {
        "name": name,
        "versions": dict(NAVIGATOR_VERSIONS),
        "domain": "enterprise-attack",
        "description": (f"{len(coverage.rules)} cloudsift rules over {attack.RELEASE}: score = number of rules "
                        "covering the technique under the tactic, comment = their titles."),
        "sorting": 3,  # by score, descending
        "layout": {"layout": "side", "showID": True, "showName": True, "showAggregateScores": False,
                   "countUnscored": False, "aggregateFunction": "max", "expandedSubtechniques": "annotated"},
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": {"colors": list(GRADIENT), "minValue": 0, "maxValue": top},  # maxValue > minValue
        "legendItems": [{"label": "no rule", "color": GRADIENT[0]},
                        {"label": f"{top} rule{'s' if top > 1 else ''} (the most of any technique)",
                         "color": GRADIENT[1]}],
        "showTacticRowBackground": True,
        "tacticRowBackground": "#dddddd",
        "selectTechniquesAcrossTactics": False,
        "selectSubtechniquesWithParent": False,
        "selectVisibleTechniques": False,
        "metadata": [{"name": "generator", "value": "cloudsift rules coverage"},
                     {"name": "ATT&CK release", "value": attack.RELEASE}],
    }
