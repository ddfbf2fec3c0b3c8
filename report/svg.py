"""The report's charts as inline SVG: stacked bars over time, ranked bars, a story's timeline.

Built with `markup.el` like the rest of the page, so a series name or a label an attacker chose is
text, never markup. Every series, bar and point carries its name and count in data-* attributes:
what a reader hovers (`<title>`) and what the page's tests read back.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from detection.markup import Node, el, text
from report.query import Histogram, Ranked
from report.span import label

# Distinct colours for series (Okabe-Ito, readable by colour-blind readers), then greys.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
           "#999999", "#6a3d9a", "#b15928", "#1b9e77", "#666666")
SEVERITY_COLOURS = {"critical": "#7b0d1e", "high": "#d55e00", "medium": "#e69f00", "low": "#56b4e9"}
WIDTH, HEIGHT = 920, 240
# A chart's colour for (series index, series name).
Colours = Callable[[int, str], str]
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 12, 10, 36


def colour(index: int) -> str:
    """The colour of the index-th series."""
    return PALETTE[index % len(PALETTE)]


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def stacked(chart_id: str, histogram: Histogram, colours: Colours | None = None) -> Node:
    """Stacked columns, one per bucket, one colour per series; an empty chart says so."""
    pick = colours or (lambda i, _name: colour(i))
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    buckets = histogram.buckets
    totals = [sum(s.counts[i] for s in histogram.series) for i in range(len(buckets))]
    top = max(totals, default=0) or 1
    step = plot_w / max(len(buckets), 1)
    bar_w = max(step * 0.8, 1.0)
    base = [0] * len(buckets)
    groups = []
    for index, series in enumerate(histogram.series):
        rects = []
        for i, count in enumerate(series.counts):
            if not count:
                continue
            y0 = _TOP + plot_h * (1 - (base[i] + count) / top)
            rects.append(el("rect", {"x": _num(_LEFT + i * step + (step - bar_w) / 2), "y": _num(y0),
                                     "width": _num(bar_w), "height": _num(plot_h * count / top),
                                     "data-bucket": label(buckets[i]), "data-count": str(count)},
                            el("title", None, text(f"{series.name}: {count} at {label(buckets[i])}"))))
            base[i] += count
        groups.append(el("g", {"class": "series", "data-series": series.name, "data-total": str(series.total),
                               "fill": pick(index, series.name)}, *rects))
    axis = [el("line", {"x1": str(_LEFT), "y1": _num(_TOP + plot_h), "x2": str(WIDTH - _RIGHT),
                        "y2": _num(_TOP + plot_h), "stroke": "#889"}),
            el("text", {"x": str(_LEFT - 6), "y": str(_TOP + 10), "text-anchor": "end"}, text(str(max(totals, default=0)))),
            el("text", {"x": str(_LEFT - 6), "y": _num(_TOP + plot_h), "text-anchor": "end"}, text("0"))]
    # Five time labels at most, so they never overlap.
    every = max(1, -(-len(buckets) // 5))
    for i in range(0, len(buckets), every):
        axis.append(el("text", {"x": _num(_LEFT + i * step), "y": str(HEIGHT - 14)}, text(label(buckets[i]))))
    if not histogram.total:
        axis.append(el("text", {"x": str(WIDTH // 2), "y": str(HEIGHT // 2), "text-anchor": "middle",
                                "class": "empty"}, text("nothing in this range")))
    return el("svg", {"id": chart_id, "class": "chart", "width": str(WIDTH), "height": str(HEIGHT),
                      "viewBox": f"0 0 {WIDTH} {HEIGHT}", "role": "img", "data-total": str(histogram.total)},
              *axis, *groups)


def legend(histogram: Histogram, colours: Colours | None = None) -> Node:
    """The series' colours, names and totals, as a list beside a chart."""
    pick = colours or (lambda i, _name: colour(i))
    return el("ul", {"class": "legend"}, *(
        el("li", {"data-series": s.name}, el("i", {"class": "swatch", "style": f"background:{pick(i, s.name)}"}),
           text(f"{s.name} ({s.total})")) for i, s in enumerate(histogram.series)))


def bars(chart_id: str, rows: Sequence[Ranked], fill: str = PALETTE[0]) -> Node:
    """Horizontal bars, longest first as given, each labelled with its text, count and detail."""
    row_h, label_w, bar_max = 22, 300, 420
    top = max((r.count for r in rows), default=0) or 1
    height = max(row_h * len(rows), row_h)
    items = []
    for i, row in enumerate(rows):
        y = i * row_h
        width = bar_max * row.count / top
        items.append(el("g", {"class": "bar", "data-label": row.label, "data-count": str(row.count)},
                        el("title", None, text(f"{row.label}: {row.count}" + (f" ({row.detail})" if row.detail else ""))),
                        el("text", {"x": str(label_w - 6), "y": str(y + 15), "text-anchor": "end"},
                           text(_clip(row.label, 44))),
                        el("rect", {"x": str(label_w), "y": str(y + 3), "width": _num(max(width, 1.0)),
                                    "height": str(row_h - 6), "fill": fill}),
                        el("text", {"x": _num(label_w + width + 6), "y": str(y + 15)},
                           text(f"{row.count}" + (f" · {row.detail}" if row.detail else "")))))
    if not rows:
        items.append(el("text", {"x": "6", "y": "15", "class": "empty"}, text("none")))
    total_w = label_w + bar_max + 260
    return el("svg", {"id": chart_id, "class": "chart bars", "width": str(total_w), "height": str(height),
                      "viewBox": f"0 0 {total_w} {height}", "role": "img"}, *items)


def _clip(value: str, most: int) -> str:
    return value if len(value) <= most else value[: most - 1] + "…"


def timeline(chart_id: str, points: Sequence[tuple[datetime, str, str, str]], lanes: Sequence[str]) -> Node:
    """A story's alerts on a time axis, one lane per tactic: points are (time, lane, rule, severity)."""
    lane_h, left, width = 24, 190, WIDTH
    height = lane_h * max(len(lanes), 1) + 30
    times = [p[0] for p in points]
    first, last = min(times), max(times)
    length = (last - first).total_seconds() or 1.0
    plot_w = width - left - 30
    items = []
    for i, lane in enumerate(lanes):
        y = i * lane_h + lane_h / 2
        items.append(el("text", {"x": str(left - 8), "y": _num(y + 4), "text-anchor": "end"}, text(lane)))
        items.append(el("line", {"x1": str(left), "y1": _num(y), "x2": str(left + plot_w), "y2": _num(y),
                                 "stroke": "#dde3ea"}))
    for when, lane, rule, severity in points:
        x = left + plot_w * ((when - first).total_seconds() / length if len(set(times)) > 1 else 0.5)
        y = lanes.index(lane) * lane_h + lane_h / 2
        items.append(el("circle", {"class": "point", "cx": _num(x), "cy": _num(y), "r": "6",
                                   "fill": SEVERITY_COLOURS.get(severity, "#666666"), "data-lane": lane,
                                   "data-rule": rule, "data-time": label(when)},
                        el("title", None, text(f"{label(when)} {rule} ({severity}, {lane})"))))
    axis_y = lane_h * max(len(lanes), 1) + 16
    items.append(el("text", {"x": str(left), "y": str(axis_y)}, text(label(first))))
    items.append(el("text", {"x": str(left + plot_w), "y": str(axis_y), "text-anchor": "end"}, text(label(last))))
    return el("svg", {"id": chart_id, "class": "chart timeline", "width": str(width), "height": str(height),
                      "viewBox": f"0 0 {width} {height}", "role": "img"}, *items)
