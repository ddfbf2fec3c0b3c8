"""coverage.html: the pack over ATT&CK's IaaS matrix, one self-contained page.

No script, no stylesheet or image to fetch: CSS and the one SVG are inline, so the page opens the same
from a CI artifact, a mail attachment or an air-gapped laptop. Links go to the rule files (relative to
the page) and to MITRE's technique pages. Every element is built by `markup.el`, which escapes text and
attribute values: rule titles and paths never reach the markup unescaped.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from detection import attack
from detection.attack_gen import MITRE_NOTICE
from detection.coverage import MATRIX_PLATFORM, Cell, Column, Coverage, Entry, RuleRef
from detection.markup import Node, el, text

_CSS = """
body{font:13px/1.35 system-ui,-apple-system,"Segoe UI",sans-serif;margin:16px;color:#1b1f24;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:20px 0 8px}
.summary{margin:6px 0 12px}.legend span{display:inline-block;margin-right:14px}
.swatch{display:inline-block;width:14px;height:14px;vertical-align:-3px;margin-right:4px;border:1px solid #889}
.matrix{display:flex;gap:6px;align-items:flex-start;overflow-x:auto;padding-bottom:8px}
.tactic{flex:0 0 178px;min-width:178px}
.tactic h3{font-size:12px;margin:0 0 4px;padding:6px;background:#dde3ea;border-radius:3px}
.tactic h3 small{display:block;font-weight:normal;color:#445}
.cell{border:1px solid #b9c2cc;border-radius:3px;margin:0 0 4px;padding:4px 5px;background:#fff}
.cell a.technique{color:inherit;text-decoration:none;font-weight:600}
.uncovered{background:repeating-linear-gradient(135deg,#fff,#fff 5px,#f1f1f1 5px,#f1f1f1 10px);color:#6a737d}
.uncovered .gap{display:inline-block;font-size:10px;font-weight:700;color:#a33;border:1px solid #d9a0a0;
  border-radius:2px;padding:0 3px;margin-top:2px}
.covered{border-color:#1f5fa8}.score{float:right;font-size:11px;font-weight:700;color:#fff;background:#1f5fa8;
  border-radius:8px;padding:0 6px}
.level-1{background:#e3eefa}.level-2{background:#c4dbf3}.level-3{background:#a3c6ec}.level-4{background:#7faee2}
.rules{margin:3px 0 0;padding-left:16px}.rules li{margin:1px 0}.rules a{color:#0b3d91}
.sub{margin:3px 0 0 6px;padding:2px 4px;border-left:3px solid #c8ced6;font-size:12px}
.sub.covered{border-left-color:#1f5fa8}.sub .gap{font-size:10px;color:#a33}
table.list{border-collapse:collapse}table.list td,table.list th{border:1px solid #c8ced6;padding:3px 6px;
  text-align:left;vertical-align:top}
footer{margin-top:24px;font-size:11px;color:#556}
"""
# Cell shades by number of rules: 1, 2, 3-4, 5 or more.
_LEVELS = ((5, 4), (3, 3), (2, 2), (1, 1))


def _technique_url(ident: str) -> str:
    return f"https://attack.mitre.org/techniques/{ident.replace('.', '/')}/"


class Page:
    """Renders one Coverage; rule links are relative to the folder the page is written to."""

    def __init__(self, coverage: Coverage, out_dir: Path) -> None:
        self.coverage = coverage
        self.out_dir = out_dir.resolve()

    def _rule_link(self, rule: RuleRef) -> Node:
        href = quote(Path(os.path.relpath(rule.path.resolve(), self.out_dir)).as_posix())
        return el("li", None, el("a", {"href": href, "title": str(rule.path), "data-rule-id": rule.id},
                                   text(rule.title)))

    def _rules(self, rules: Iterable[RuleRef]) -> Node:
        return el("ul", {"class": "rules"}, *(self._rule_link(r) for r in rules))

    def _sub(self, entry: Entry) -> Node:
        count = len(entry.rules)
        attrs = {"class": f"sub {'covered' if count else 'uncovered'}", "data-technique": entry.technique.id,
                 "data-rules": str(count)}
        return el("div", attrs,
                   el("a", {"class": "technique", "href": _technique_url(entry.technique.id)},
                       text(f"{entry.technique.id} {entry.technique.name}")),
                   self._rules(entry.rules) if count else el("span", {"class": "gap"}, text(" no rule")))

    def _cell(self, cell: Cell) -> Node:
        tech, rules = cell.entry.technique, cell.rules
        count = len(rules)
        level = next((lvl for least, lvl in _LEVELS if count >= least), 0)
        state = f"covered level-{level}" if count else "uncovered"
        attrs = {"class": f"cell {state}", "id": f"{cell.entry.tactic.shortname}-{tech.id}",
                 "data-technique": tech.id, "data-tactic": cell.entry.tactic.shortname, "data-rules": str(count)}
        badge = el("span", {"class": "score", "title": f"{count} rule(s)"}, text(str(count))) if count else None
        return el("div", attrs, badge,
                   el("a", {"class": "technique", "href": _technique_url(tech.id)}, text(f"{tech.id} {tech.name}")),
                   self._rules(cell.entry.rules) if cell.entry.rules else None,
                   None if count else el("div", {"class": "gap"}, text("no rule")),
                   *(self._sub(sub) for sub in cell.subtechniques))

    def _column(self, column: Column) -> Node:
        heading = el("h3", None, text(column.tactic.name),
                      el("small", None, text(f"{column.tactic.id} · {column.covered}/{len(column.cells)} covered")))
        return el("section", {"class": "tactic", "data-tactic": column.tactic.shortname,
                               "data-covered": str(column.covered), "data-techniques": str(len(column.cells))},
                   heading, *(self._cell(c) for c in column.cells))

    def _bar(self) -> Node:
        """An inline SVG bar of the covered share of the matrix."""
        cov = self.coverage
        share = cov.covered / cov.techniques if cov.techniques else 0.0
        width = 320
        return el("svg", {"width": str(width), "height": "14", "viewBox": f"0 0 {width} 14", "role": "img",
                           "aria-label": f"{share:.0%} of the matrix covered", "class": "bar"},
                   el("rect", {"width": str(width), "height": "14", "fill": "#e6e9ed", "rx": "3"}),
                   el("rect", {"width": f"{width * share:.1f}", "height": "14", "fill": "#1f5fa8", "rx": "3"}))

    def _outside(self) -> Node | None:
        entries = self.coverage.outside
        if not entries:
            return None
        rows = [el("tr", {"data-technique": e.technique.id, "data-tactic": e.tactic.shortname,
                           "data-rules": str(len(e.rules))},
                    el("td", None, el("a", {"href": _technique_url(e.technique.id)},
                                        text(f"{e.technique.id} {e.technique.name}"))),
                    el("td", None, text(e.tactic.name)), el("td", None, self._rules(e.rules)))
                for e in entries]
        return el("section", {"id": "outside"},
                   el("h2", None, text(f"Covered outside the {MATRIX_PLATFORM} matrix ({len(entries)})")),
                   el("table", {"class": "list"},
                       el("tr", None, el("th", None, text("technique")), el("th", None, text("tactic")),
                           el("th", None, text("rules"))), *rows))

    def _untagged(self) -> Node | None:
        rules = self.coverage.untagged
        if not rules:
            return None
        return el("section", {"id": "untagged"},
                   el("h2", None, text(f"Rules with no ATT&CK technique ({len(rules)})")), self._rules(rules))

    def render(self) -> str:
        """The whole page."""
        cov = self.coverage
        title = f"cloudsift rule coverage: ATT&CK {MATRIX_PLATFORM} matrix"
        summary = (f"{len(cov.rules)} rules; {cov.covered} of {cov.techniques} {MATRIX_PLATFORM} techniques "
                   f"covered ({cov.covered / cov.techniques:.0%}), counting a technique once per tactic; "
                   f"{len(cov.outside)} covered technique(s) outside the matrix.") if cov.techniques else ""
        legend = el("div", {"class": "legend"},
                     el("span", None, el("i", {"class": "swatch level-3"}), text("covered (number of rules)")),
                     el("span", None, el("i", {"class": "swatch uncovered"}), text("no rule yet")))
        head = el("head", None, '<meta charset="utf-8">',
                   '<meta name="viewport" content="width=device-width, initial-scale=1">',
                   el("title", None, text(title)), el("style", None, _CSS))
        body = el("body", None,
                   el("h1", None, text(title)),
                   el("p", {"class": "summary", "id": "summary", "data-rules": str(len(cov.rules)),
                             "data-covered": str(cov.covered), "data-techniques": str(cov.techniques)},
                       text(summary), " ", self._bar()),
                   legend,
                   el("div", {"class": "matrix", "id": "matrix"}, *(self._column(c) for c in cov.matrix)),
                   self._outside(), self._untagged(),
                   el("footer", None, text(f"{attack.RELEASE}. {MITRE_NOTICE}")))
        return "<!DOCTYPE html>\n" + el("html", {"lang": "en"}, head, body) + "\n"


def render(coverage: Coverage, out_dir: Path) -> str:
    """coverage.html for `coverage`, to be written into `out_dir`."""
    return Page(coverage, out_dir).render()
