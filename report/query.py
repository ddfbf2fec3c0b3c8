"""What the report asks Elasticsearch: aggregations only (date_histogram, terms, min/max, top_hits), each bounded.

Events are placed at their own time (`@timestamp`), alerts at the time of what they are about
(`cloudsift.alert.original_time`: the matched event's time, or a correlation window's start), so the
charts of both line up; dead letters at the time the record failed, and when the user chose no range,
every dead letter counts (they carry no event time).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from elasticsearch import Elasticsearch

from detection.detect.timing import iso
from report.span import Span
from shipper import templates

EVENT_TIME = "@timestamp"
ALERT_TIME = "cloudsift.alert.original_time"
DEAD_TIME = "@timestamp"
# A chart draws this many series (datasets, rules); the rest are summed into one OTHER series.
MAX_SERIES = 12
OTHER = "(others)"
TOP = 10
# Dead letters: stages × log types shown; the example message each row quotes is cut to this length.
MAX_REASONS = 20
MAX_MESSAGE = 240
TACTIC = "threat.tactic.name"


@dataclass(frozen=True, slots=True)
class Indices:
    """The index patterns of one namespace (or of all: `*`)."""

    events: str
    alerts: str
    deadletters: str

    @classmethod
    def of(cls, namespace: str | None) -> Indices:
        """The data streams, alerts and dead letters of `namespace`, every namespace when None."""
        ns = "*" if namespace is None else templates.check_namespace(namespace)
        return cls(templates.data_stream("*", ns), templates.alerts_stream(ns), templates.deadletter_stream(ns))


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a chart: a name and a count per bucket."""

    name: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class Histogram:
    """Counts over time, split into series; every series has a count for every bucket."""

    buckets: tuple[datetime, ...]
    series: tuple[Series, ...]

    @property
    def total(self) -> int:
        return sum(s.total for s in self.series)


@dataclass(frozen=True, slots=True)
class Ranked:
    """One row of a ranking: what, how many, and a detail worth showing beside it."""

    label: str
    count: int
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Group:
    """The alerts of one value of a field (a principal, a host, an IP): how many, under which tactics."""

    key: str
    count: int
    tactics: tuple[str, ...]


def _range(field: str, span: Span) -> dict:
    return {"range": {field: {"gte": iso(span.start), "lte": iso(span.end), "format": "strict_date_optional_time"}}}


def _over_time(field: str, span: Span) -> dict:
    return {"date_histogram": {"field": field, "fixed_interval": f"{int(span.width.total_seconds())}s",
                               "min_doc_count": 0,
                               "extended_bounds": {"min": iso(span.start), "max": iso(span.end)}}}


def _counts(buckets: Iterable[dict], starts: Sequence[datetime]) -> tuple[int, ...]:
    by_key = {int(b["key"]): int(b["doc_count"]) for b in buckets}
    return tuple(by_key.get(int(s.timestamp() * 1000), 0) for s in starts)


class Queries:
    """The report's questions to one cluster, over one namespace's indices."""

    def __init__(self, client: Elasticsearch, indices: Indices) -> None:
        self._client = client
        self.indices = indices

    def _search(self, index: str, *, aggs: dict, query: dict | None = None) -> dict:
        found = self._client.search(index=index, size=0, query=query, aggs=aggs, ignore_unavailable=True,
                                    allow_no_indices=True)
        return dict(found.body)

    def present(self) -> Span | None:
        """The range the events and alerts cover, or None when there are none."""
        ends: list[datetime] = []
        for index, field in ((self.indices.events, EVENT_TIME), (self.indices.alerts, ALERT_TIME)):
            aggs = self._search(index, aggs={"first": {"min": {"field": field}},
                                             "last": {"max": {"field": field}}}).get("aggregations", {})
            for name in ("first", "last"):
                value = aggs.get(name, {}).get("value")
                if value is not None:
                    ends.append(datetime.fromtimestamp(value / 1000, UTC))
        return Span(min(ends), max(ends)) if ends else None

    def histogram(self, index: str, time_field: str, split: str, span: Span, *, filters: Sequence[dict] = (),
                  order: Callable[[str], int] | None = None) -> Histogram:
        """Documents of `index` in the span per bucket, one series per value of `split` (the biggest
        MAX_SERIES; the rest as OTHER, so the series always add up to every document)."""
        starts = span.buckets()
        found = self._search(index, query={"bool": {"filter": [_range(time_field, span), *filters]}}, aggs={
            "all": _over_time(time_field, span),
            "split": {"terms": {"field": split, "size": MAX_SERIES}, "aggs": {"over": _over_time(time_field, span)}},
        }).get("aggregations")
        if not found:
            return Histogram(starts, ())
        series = [Series(str(b["key"]), _counts(b["over"]["buckets"], starts)) for b in found["split"]["buckets"]]
        if order is not None:
            series.sort(key=lambda s: order(s.name))
        everything = _counts(found["all"]["buckets"], starts)
        rest = tuple(t - sum(s.counts[i] for s in series) for i, t in enumerate(everything))
        if any(rest):
            series.append(Series(OTHER, rest))
        return Histogram(starts, tuple(series))

    def top(self, index: str, field: str, time_field: str, span: Span, detail: tuple[str, str] | None = None
            ) -> tuple[Ranked, ...]:
        """The TOP values of `field` by number of documents; `detail` = (unit, field) adds how many
        distinct values of that field each has ("3 rule(s)")."""
        aggs: dict = {"top": {"terms": {"field": field, "size": TOP}}}
        if detail:
            aggs["top"]["aggs"] = {"distinct": {"cardinality": {"field": detail[1]}}}
        found = self._search(index, query=_range(time_field, span), aggs=aggs).get("aggregations")
        if not found:
            return ()
        return tuple(Ranked(str(b.get("key_as_string", b["key"])), int(b["doc_count"]),
                            f"{b['distinct']['value']} {detail[0]}" if detail else "")
                     for b in found["top"]["buckets"])

    def deadletters(self, span: Span) -> tuple[Ranked, ...]:
        """Dead letters by stage and log type, each with one of its messages (of the span when the user
        chose one, else all)."""
        query = _range(DEAD_TIME, span) if span.explicit else {"match_all": {}}
        found = self._search(self.indices.deadletters, query=query, aggs={"stage": {
            "terms": {"field": "error.type", "size": MAX_REASONS},
            "aggs": {"log_type": {"terms": {"field": "cloudsift.log_type", "size": MAX_REASONS, "missing": "-"},
                                  "aggs": {"example": {"top_hits": {"size": 1, "_source": ["error.message"]}}}}},
        }}).get("aggregations")
        if not found:
            return ()
        rows = []
        for stage in found["stage"]["buckets"]:
            for kind in stage["log_type"]["buckets"]:
                hits = kind["example"]["hits"]["hits"]
                message = str(hits[0]["_source"].get("error", {}).get("message", "")) if hits else ""
                rows.append(Ranked(f"{stage['key']} · {kind['key']}", int(kind["doc_count"]), message[:MAX_MESSAGE]))
        return tuple(sorted(rows, key=lambda r: -r.count))

    def tactics(self, span: Span) -> dict[str, int]:
        """Alerts per ATT&CK tactic name (an alert under two tactics counts under both)."""
        found = self._search(self.indices.alerts, query=_range(ALERT_TIME, span),
                             aggs={"tactic": {"terms": {"field": TACTIC, "size": 50}}}).get("aggregations")
        return {str(b["key"]): int(b["doc_count"]) for b in found["tactic"]["buckets"]} if found else {}

    def groups(self, field: str, span: Span, size: int) -> tuple[Group, ...]:
        """The `size` values of `field` with the most alerts, each with its count and tactics."""
        found = self._search(self.indices.alerts, query=_range(ALERT_TIME, span), aggs={"group": {
            "terms": {"field": field, "size": size}, "aggs": {"tactic": {"terms": {"field": TACTIC, "size": 50}}},
        }}).get("aggregations")
        if not found:
            return ()
        return tuple(Group(str(b.get("key_as_string", b["key"])), int(b["doc_count"]),
                           tuple(str(t["key"]) for t in b["tactic"]["buckets"])) for b in found["group"]["buckets"])

    def alerts_of(self, field: str, keys: Sequence[str], span: Span, size: int, source: Sequence[str]
                  ) -> dict[str, list[dict]]:
        """The first `size` alerts (in time order) of each value in `keys` of `field`: value → _source list."""
        if not keys:
            return {}
        query = {"bool": {"filter": [_range(ALERT_TIME, span), {"terms": {field: list(keys)}}]}}
        found = self._search(self.indices.alerts, query=query, aggs={"group": {
            "terms": {"field": field, "size": len(keys)},
            "aggs": {"alerts": {"top_hits": {"size": size, "sort": [{ALERT_TIME: "asc"}, {"cloudsift.alert.id": "asc"}],
                                             "_source": list(source)}}},
        }}).get("aggregations")
        if not found:
            return {}
        return {str(b.get("key_as_string", b["key"])): [{"_id": h["_id"], **h["_source"]}
                                                         for h in b["alerts"]["hits"]["hits"]]
                for b in found["group"]["buckets"]}
