"""Plain rules: every document of a window that matches the rule's query, page by page.

Pages come from a point in time with `search_after` on (@timestamp, _shard_doc): one consistent
view, in event-time order (suppression keeps the first alert of a period), however many hits.
Only the key fields an alert copies are fetched (`fields`, no _source).
"""
from __future__ import annotations

from collections.abc import Iterator

from elasticsearch import Elasticsearch

from detection.detect.alerts import KEY_FIELDS, Hit
from detection.detect.timing import Window, parse_time

PAGE = 1000
KEEP_ALIVE = "2m"


def fields_request(extra: tuple[str, ...] = ()) -> list[str]:
    """The `fields` an alert needs: @timestamp and the key fields (plus `extra`)."""
    return ["@timestamp", *dict.fromkeys((*KEY_FIELDS, *extra))]


def to_hit(raw: dict) -> Hit:
    """A search hit (requested with `fields`) as a Hit."""
    found = dict(raw.get("fields") or {})
    stamp = found.pop("@timestamp", [None])[0]
    return Hit(raw["_id"], raw["_index"], parse_time(stamp), found)


def pages(client: Elasticsearch, index: str, query: dict, window: Window, time_field: str,
          page: int = PAGE, extra: tuple[str, ...] = ()) -> Iterator[list[Hit]]:
    """The hits of `query` in `window`, oldest event first, one page at a time (with the `extra` fields)."""
    pit = client.open_point_in_time(index=index, keep_alive=KEEP_ALIVE, ignore_unavailable=True,
                                    allow_partial_search_results=False)
    pit_id = pit["id"]
    try:
        after: list | None = None
        while True:
            body = {
                "query": {"bool": {"filter": [query, window.range_filter(time_field)]}},
                "sort": [{"@timestamp": {"order": "asc", "unmapped_type": "date"}}, {"_shard_doc": "asc"}],
                "fields": fields_request(extra), "_source": False, "size": page, "track_total_hits": False,
                "pit": {"id": pit_id, "keep_alive": KEEP_ALIVE},
            }
            if after is not None:
                body["search_after"] = after
            response = client.search(**body)
            pit_id = response.get("pit_id", pit_id)
            raw = response["hits"]["hits"]
            if not raw:
                return
            yield [to_hit(h) for h in raw]
            if len(raw) < page:
                return
            after = raw[-1]["sort"]
    finally:
        client.options(ignore_status=404).close_point_in_time(id=pit_id)
