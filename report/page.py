"""report.html: one self-contained page of what the cluster holds (docs/report.md).

No script at all, and nothing to fetch: CSS and charts are inline, and a Content-Security-Policy that
allows neither scripts nor any load backs that up should a future change slip. Alert and event values
(principal names, IPs, rule matches) are attacker-controlled; they reach the page only through
`markup.el` / `markup.text`, which escape them.
"""
from __future__ import annotations

from collections.abc import Sequence

from detection import attack
from detection.attack_gen import MITRE_NOTICE
from detection.markup import Node, el, text, void
from report import svg
from report.contents import Report
from report.query import Histogram, Ranked
from report.span import duration, label
from report.stories import MAX_STORIES, MIN_ALERTS, MIN_TACTICS, Story

# Nothing may load or run: styles are the page's own <style> and style attributes.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"
_CSS = """
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:18px;color:#1b1f24;background:#fff;max-width:1300px}
h1{font-size:21px;margin:0 0 4px}h2{font-size:16px;margin:26px 0 8px;border-bottom:1px solid #dde3ea;padding-bottom:3px}
h3{font-size:14px;margin:14px 0 4px}.muted{color:#57606a}
.figures{display:flex;gap:14px;flex-wrap:wrap;margin:10px 0}.figures div{background:#f3f5f8;border-radius:4px;padding:6px 12px}
.figures b{display:block;font-size:18px}
svg.chart{display:block;max-width:100%;height:auto;font-size:11px;fill:#1b1f24}svg text.empty{fill:#8a949e}
.legend{list-style:none;padding:0;margin:4px 0 0;display:flex;flex-wrap:wrap;gap:4px 16px}
.swatch{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-1px;border-radius:2px}
.story{border:1px solid #c8ced6;border-radius:4px;padding:8px 12px;margin:10px 0}
.story h3{margin:0 0 4px}.entity{font-family:ui-monospace,monospace;background:#f3f5f8;padding:0 4px;border-radius:3px}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #d5dbe1;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f5f8}.sev-critical{color:#7b0d1e;font-weight:700}.sev-high{color:#b34700;font-weight:700}
.meter{display:inline-block;width:160px;height:10px;background:#e6e9ed;border-radius:3px;vertical-align:middle}
.meter i{display:block;height:10px;background:#1f5fa8;border-radius:3px}
footer{margin-top:28px;font-size:11px;color:#57606a}
"""


def _section(ident: str, title: str, *children: Node | None) -> Node:
    return el("section", {"id": ident}, el("h2", None, text(title)), *children)


def _time_chart(ident: str, histogram: Histogram, colours: svg.Colours | None = None) -> Node:
    return el("div", {"class": "figure"}, svg.stacked(f"{ident}-chart", histogram, colours),
              svg.legend(histogram, colours))


def _severity_colour(_index: int, name: str) -> str:
    return svg.SEVERITY_COLOURS.get(name, "#666666")


def _entities(story: Story) -> Node:
    parts: list[Node] = []
    for i, (kind, value) in enumerate(story.entities):
        if i:
            parts.append(text(" · "))
        parts.extend([text(f"{kind} "), el("span", {"class": "entity", "data-kind": kind}, text(value))])
    return "".join(parts)


def _story(number: int, story: Story) -> Node:
    lanes = list(story.tactics) or ["(no tactic)"]
    points = [(a.time, tactic, a.rule, a.severity) for a in story.alerts for tactic in (a.tactics or ("(no tactic)",))]
    for _, lane, _, _ in points:
        if lane not in lanes:
            lanes.append(lane)
    rows = [el("tr", {"class": "alert", "data-alert-id": a.id, "data-time": label(a.time)},
               el("td", None, text(label(a.time))), el("td", None, text(a.rule)),
               el("td", {"class": f"sev-{a.severity}"}, text(a.severity)),
               el("td", None, text(", ".join(a.tactics))), el("td", None, text(a.action)))
            for a in story.alerts]
    more = story.count - len(story.alerts)
    summary = (f"{story.count} alert{'s' if story.count != 1 else ''} under {len(story.tactics)} "
               f"tactic{'s' if len(story.tactics) != 1 else ''}, {label(story.start)} to {label(story.end)} UTC")
    return el("article", {"class": "story", "id": f"story-{number}", "data-alerts": str(story.count),
                          "data-tactics": "|".join(story.tactics)},
              el("h3", None, _entities(story)), el("div", {"class": "muted"}, text(summary)),
              svg.timeline(f"story-{number}-timeline", points, lanes),
              el("table", None, el("tr", None, *(el("th", None, text(h)) for h in
                                                 ("time (UTC)", "rule", "severity", "tactics", "action"))), *rows),
              el("p", {"class": "muted"}, text(f"… and {more} more alerts, not shown")) if more > 0 else None)


def _ranked(ident: str, title: str, rows: Sequence[Ranked], empty: str, fill: str = svg.PALETTE[0]) -> Node:
    return _section(ident, title, svg.bars(f"{ident}-chart", rows, fill) if rows else
                    el("p", {"class": "muted"}, text(empty)))


def _deadletters(rows: Sequence[Ranked], explicit: bool) -> Node:
    scope = "in this range (by when they failed)" if explicit else "all of them (they carry no event time)"
    table = el("table", None, el("tr", None, *(el("th", None, text(h)) for h in ("stage · log type", "count",
                                                                              "example reason"))),
               *(el("tr", {"class": "reason", "data-label": r.label, "data-count": str(r.count)},
                    el("td", None, text(r.label)), el("td", None, text(str(r.count))), el("td", None, text(r.detail)))
                 for r in rows)) if rows else None
    return _section("deadletters", "Dead letters by reason",
                    el("p", {"class": "muted"}, text(f"Records the shipper could not route, normalize or index; "
                                                     f"{scope}.")),
                    svg.bars("deadletters-chart", rows, "#a33") if rows else None, table)


def _coverage(report: Report) -> Node:
    cov = report.coverage
    if cov is None:
        return _section("coverage", "ATT&CK coverage of the rule pack",
                        el("p", {"class": "muted"}, text("No rule pack given (--rules PATH).")))
    rows = []
    for column in cov.matrix:
        share = column.covered / len(column.cells) if column.cells else 0.0
        alerts = report.tactic_alerts.get(column.tactic.name, 0)
        rows.append(el("tr", {"class": "tactic", "data-tactic": column.tactic.shortname,
                              "data-covered": str(column.covered), "data-techniques": str(len(column.cells)),
                              "data-alerts": str(alerts)},
                       el("td", None, text(f"{column.tactic.name} ({column.tactic.id})")),
                       el("td", None, el("span", {"class": "meter"}, el("i", {"style": f"width:{share:.0%}"})),
                          text(f" {column.covered}/{len(column.cells)}")),
                       el("td", None, text(str(alerts)))))
    summary = (f"{len(cov.rules)} rules cover {cov.covered} of the {cov.techniques} techniques of ATT&CK's "
               f"IaaS matrix (a technique counted once per tactic); {len(cov.outside)} covered technique(s) lie "
               f"outside it, {len(cov.untagged)} rule(s) carry no technique. The full matrix: "
               "`cloudsift rules coverage --out DIR`.")
    return _section("coverage", "ATT&CK coverage of the rule pack",
                    el("p", {"id": "coverage-summary", "data-rules": str(len(cov.rules)),
                             "data-covered": str(cov.covered), "data-techniques": str(cov.techniques)},
                       text(summary)),
                    el("table", None, el("tr", None, *(el("th", None, text(h)) for h in
                                                       ("tactic", "techniques covered", "alerts in range"))), *rows))


def render(report: Report) -> str:
    """The whole page."""
    span = report.span
    where = f"namespace {report.namespace}" if report.namespace else "every namespace"
    title = "cloudsift report"
    figures = el("div", {"class": "figures", "id": "figures"}, *(
        el("div", {"data-figure": key, "data-value": str(value)}, el("b", None, text(str(value))), text(name))
        for key, name, value in (
            ("events", "events", report.events.total), ("alerts", "alerts", report.alerts_by_rule.total),
            ("stories", "attack stories", len(report.stories)),
            ("deadletters", "dead letters", sum(r.count for r in report.deadletters)))))
    story_rule = (f"A story is the alerts of one principal, host or source IP with at least {MIN_TACTICS} ATT&CK "
                  f"tactics or at least {MIN_ALERTS} alerts, in time order; entities with exactly the same alerts "
                  f"are told as one story; at most {MAX_STORIES} per kind of entity, those with the most tactics and alerts.")
    head = el("head", None, '<meta charset="utf-8">',
              void("meta", {"http-equiv": "Content-Security-Policy", "content": CSP}),
              '<meta name="viewport" content="width=device-width, initial-scale=1">',
              el("title", None, text(title)), el("style", None, _CSS))
    told = ([_story(i, s) for i, s in enumerate(report.stories, 1)] if report.stories else
            [el("p", {"class": "muted"}, text("No alerts make a story in this range."))])
    body = el("body", None,
              el("h1", None, text(title)),
              el("p", {"id": "scope", "data-start": label(span.start), "data-end": label(span.end)},
                 text(f"{where}; {label(span.start)} to {label(span.end)} UTC "
                      f"({'as chosen' if span.explicit else 'the range the data covers'}), buckets of "
                      f"{duration(span.width)}; generated {label(report.generated)} UTC.")),
              figures,
              _section("events", "Events per dataset", _time_chart("events", report.events)),
              _section("alerts-rule", "Alerts per rule", el("p", {"class": "muted"}, text(
                  "Alerts stand at the time of what they are about: the matched event, or a correlation's window.")),
                  _time_chart("alerts-rule", report.alerts_by_rule)),
              _section("alerts-severity", "Alerts per severity",
                       _time_chart("alerts-severity", report.alerts_by_severity, _severity_colour)),
              _section("stories", f"Attack stories ({len(report.stories)})",
                       el("p", {"class": "muted"}, text(story_rule)), *told),
              _ranked("principals", "Top principals behind alerts", report.principals, "No alert names a principal."),
              _ranked("source-ips", "Top source IPs behind alerts", report.source_ips, "No alert names a source IP.",
                      svg.PALETTE[2]),
              _deadletters(report.deadletters, span.explicit),
              _coverage(report),
              el("footer", None, text(f"ATT&CK: {attack.RELEASE}. {MITRE_NOTICE}")))
    return "<!DOCTYPE html>\n" + el("html", {"lang": "en"}, head, body) + "\n"
