"""Correlations (event_count, value_count, temporal) with Sigma's meaning, over a run's window.

1. The window (on the time field) says which events are new; their event times bound the search.
2. For `gt`/`gte`, one light aggregation drops the groups whose measure over the whole range falls
   short (most of them, in real traffic). One aggregation per page of the other groups (composite,
   paged by `after_key`) buckets the correlation's events per second, from a timespan before the first new event to a timespan after the last,
   counting only events already searchable at the window's end (what a rerun would see too).
3. Per group, the timespan slides over those buckets (Sigma: "not restricted to boundaries"); a
   window that satisfies the condition is one alert, and the scan goes on after it, so a long
   burst alerts once per timespan. Where the last alert of a group ended is kept in the rule's
   state, so the next run (which re-reads the overlap) does not alert on the same burst again.
   `lt`, `lte`, `eq` and `neq` only judge a window once it lies wholly before the run's end.
4. Each alert window's events are fetched (msearch) for the alert's matched ids and key fields.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from elasticsearch import ApiError, Elasticsearch

from detection.correlation import OPERATORS_BY_NAME, Correlation
from detection.detect.alerts import MAX_MATCHED_IDS, Hit
from detection.detect.search import fields_request, to_hit
from detection.detect.timing import Window, iso
from detection.errors import DetectorError, reason

GROUP_PAGE = 200
CANDIDATE_PAGE = 5000
CANDIDATE_BATCH = 1000
CARDINALITY_EXACT = 10_000  # cardinality's precision_threshold: counts below it are practically exact
CARDINALITY_SLACK = 0.01
MONOTONE = frozenset({"gt", "gte"})  # a window that satisfies these stays satisfied as events arrive
MSEARCH_BATCH = 100


@dataclass(frozen=True, slots=True)
class Found:
    """One group's alert window: the group-by values, [start, end), the measure and its events."""

    group: dict[str, object]
    start: datetime
    end: datetime
    value: int
    hits: tuple[Hit, ...]
    total: int

    @property
    def group_key(self) -> str:
        """The group as the rule's state keys it (sorted JSON)."""
        return orjson.dumps(self.group, option=orjson.OPT_SORT_KEYS).decode()


def _events_filter(corr: Correlation) -> dict:
    return {"query_string": {"query": corr.query(), "analyze_wildcard": True}}


def _new_events_span(client: Elasticsearch, index: str, corr: Correlation, window: Window,
                     time_field: str) -> tuple[datetime, datetime] | None:
    """Event times of the first and last correlation event that the window holds; None: none."""
    response = client.search(index=index, size=0, ignore_unavailable=True, allow_no_indices=True,
                             query={"bool": {"filter": [_events_filter(corr), window.range_filter(time_field)]}},
                             aggs={"first": {"min": {"field": "@timestamp"}}, "last": {"max": {"field": "@timestamp"}}})
    aggs = response.get("aggregations") or {}
    first, last = (aggs.get(k, {}).get("value") for k in ("first", "last"))
    if first is None or last is None:
        return None
    return datetime.fromtimestamp(first / 1000, UTC), datetime.fromtimestamp(last / 1000, UTC)


def _groups(client: Elasticsearch, index: str, corr: Correlation, query: dict) -> Iterator[dict]:
    """Every group's per-second buckets (a group with no group-by: all events), paged."""
    page, after = GROUP_PAGE, None
    while True:
        aggs = corr.aggregation()
        if "groups" in aggs:
            aggs["groups"]["composite"]["size"] = page
            if after is not None:
                aggs["groups"]["composite"]["after"] = after
        try:
            response = client.search(index=index, size=0, query=query, aggs=aggs, ignore_unavailable=True,
                                     allow_no_indices=True)
        except ApiError as exc:
            if _too_many_buckets(exc) and page > 1:
                page //= 2  # a page of busy groups needs more buckets than the cluster allows at once
                continue
            raise
        result = response.get("aggregations") or {}
        if "groups" not in result:
            if "seconds" in result:
                yield {"key": {}, "seconds": result["seconds"]}
            return
        yield from result["groups"]["buckets"]
        after = result["groups"].get("after_key")
        if after is None or len(result["groups"]["buckets"]) < page:
            return


def _too_many_buckets(exc: ApiError) -> bool:
    return "too_many_buckets" in orjson.dumps(exc.body).decode() if exc.body else False


def scan(corr: Correlation, seconds: list[tuple[datetime, dict]], not_before: datetime | None,
         run_end: datetime) -> Iterator[tuple[datetime, datetime, int]]:
    """Alert windows [start, end) with their measure, earliest first, none overlapping another or
    starting before `not_before` (the end of the group's last alert)."""
    span = timedelta(seconds=corr.timespan)
    compare = OPERATORS_BY_NAME[corr.op]
    i = 0
    while i < len(seconds):
        start = seconds[i][0]
        if not_before is not None and start < not_before:
            i += 1
            continue
        end = start + span
        inside = [b for t, b in seconds[i:] if t < end]
        value = corr.measure(inside)
        if compare(value, corr.count) and (corr.op in MONOTONE or end <= run_end):
            yield start, end, value
            while i < len(seconds) and seconds[i][0] < end:
                i += 1
            continue
        i += 1


def find(client: Elasticsearch, index: str, corr: Correlation, window: Window, time_field: str,
         chains: dict[str, datetime]) -> list[Found]:
    """The correlation's alert windows for events new in `window`; `chains`: group key → end of its last alert."""
    span = _new_events_span(client, index, corr, window, time_field)
    if span is None:
        return []
    reach = timedelta(seconds=corr.timespan)
    query = {"bool": {"filter": [
        _events_filter(corr),
        {"range": {"@timestamp": {"gte": iso(span[0] - reach), "lte": iso(span[1] + reach),
                                  "format": "strict_date_optional_time"}}},
        {"range": {time_field: {"lt": iso(window.end), "format": "strict_date_optional_time"}}},
    ]}}
    windows: list[tuple[dict, datetime, datetime, int]] = []
    for narrowed in _narrowed(client, index, corr, query):
        for group in _groups(client, index, corr, narrowed):
            key = dict(group["key"])
            seconds = [(datetime.fromtimestamp(b["key"] / 1000, UTC), b) for b in group["seconds"]["buckets"]]
            chain = chains.get(orjson.dumps(key, option=orjson.OPT_SORT_KEYS).decode())
            windows.extend((key, start, end, value) for start, end, value in scan(corr, seconds, chain, window.end))
    return _with_events(client, index, corr, query, windows)


def _narrowed(client: Elasticsearch, index: str, corr: Correlation, query: dict) -> Iterator[dict]:
    """`query`, narrowed in batches to the groups that can satisfy a monotone condition at all.

    For `gt`/`gte` a group whose measure over the whole range falls short has no window that does:
    one cheap aggregation (a measure per group, no per-second buckets) leaves it out. Distinct
    counts come from `cardinality`, exact well below its precision threshold; a small slack keeps an
    estimate a little low from dropping a group.
    """
    if corr.op not in MONOTONE or not corr.group_by:
        yield query
        return
    candidates: list[dict] = []
    measure: dict = {}
    if corr.kind == "value_count":
        measure = {"measure": {"cardinality": {"field": corr.field, "precision_threshold": CARDINALITY_EXACT}}}
    elif corr.kind == "temporal":
        measure = {"measure": {"filters": {"filters": {
            name: {"query_string": {"query": q, "analyze_wildcard": True}} for name, q in corr.rules}}}}
    compare = OPERATORS_BY_NAME[corr.op]
    after = None
    while True:
        composite: dict = {"size": CANDIDATE_PAGE, "sources": [{n: {"terms": {"field": n}}} for n in corr.group_by]}
        if after is not None:
            composite["after"] = after
        response = client.search(index=index, size=0, query=query, ignore_unavailable=True, allow_no_indices=True,
                                 aggs={"groups": {"composite": composite, **({"aggs": measure} if measure else {})}})
        groups = (response.get("aggregations") or {}).get("groups", {})
        for bucket in groups.get("buckets", []):
            if corr.kind == "event_count":
                value = bucket["doc_count"]
            elif corr.kind == "value_count":
                value = int(bucket["measure"]["value"] * (1 + CARDINALITY_SLACK)) + 1
            else:
                value = sum(1 for r in bucket["measure"]["buckets"].values() if r["doc_count"])
            if compare(value, corr.count):
                candidates.append(bucket["key"])
        after = groups.get("after_key")
        if after is None or len(groups.get("buckets", [])) < CANDIDATE_PAGE:
            break
    for begin in range(0, len(candidates), CANDIDATE_BATCH):
        batch = candidates[begin:begin + CANDIDATE_BATCH]
        if len(corr.group_by) == 1:
            only = corr.group_by[0]
            groups_filter: dict = {"terms": {only: [key[only] for key in batch]}}
        else:
            groups_filter = {"bool": {"minimum_should_match": 1, "should": [
                {"bool": {"filter": [{"term": {n: v}} for n, v in key.items()]}} for key in batch]}}
        yield {"bool": {"filter": [*query["bool"]["filter"], groups_filter]}}


def _with_events(client: Elasticsearch, index: str, corr: Correlation, query: dict,
                 windows: list[tuple[dict, datetime, datetime, int]]) -> list[Found]:
    """Each alert window with its events (ids and key fields), fetched in msearch batches."""
    found: list[Found] = []
    for begin in range(0, len(windows), MSEARCH_BATCH):
        batch = windows[begin:begin + MSEARCH_BATCH]
        searches: list[dict] = []
        for group, start, end, _ in batch:
            terms = [{"term": {name: value}} for name, value in group.items()]
            searches.append({"index": index, "ignore_unavailable": True, "allow_no_indices": True})
            searches.append({
                "query": {"bool": {"filter": [*query["bool"]["filter"], *terms, {"range": {"@timestamp": {
                    "gte": iso(start), "lt": iso(end), "format": "strict_date_optional_time"}}}]}},
                "sort": [{"@timestamp": "asc"}], "size": MAX_MATCHED_IDS, "_source": False,
                "fields": fields_request(corr.group_by), "track_total_hits": True,
            })
        responses = client.msearch(searches=searches)["responses"]
        for (group, start, end, value), response in zip(batch, responses, strict=True):
            if "error" in response:
                raise DetectorError(f"Elasticsearch refused a search for the events of an alert window: "
                                    f"{reason(response['error'])}")
            hits = tuple(to_hit(h) for h in response["hits"]["hits"])
            found.append(Found(group, start, end, value, hits, int(response["hits"]["total"]["value"])))
    return found


def prune(chains: dict[str, datetime], oldest: datetime) -> dict[str, datetime]:
    """The chains that can still matter: alert windows ending after `oldest`."""
    return {k: v for k, v in chains.items() if v > oldest}

