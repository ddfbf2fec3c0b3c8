"""New-terms rules in the detector: keep the hits whose combination of values is seen for the first time.

Kibana's new_terms rule looks for each value of its window in a history window before the run. The
detector windows on ingest time (late logs are still searched), so history is taken in event time
instead: a hit is new when no document the rule selects, with the same values, has an @timestamp in the
history window before the hit's own. Back-filled logs then count as history, whatever order they
arrive in, and only the earliest hit of a combination in a window can be new. A hit missing one of the
fields has no combination, and is never new (as in Kibana).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from elasticsearch import Elasticsearch

from detection.detect.alerts import Hit
from detection.detect.timing import iso
from detection.errors import DetectionError
from detection.newterms import NewTerms

# Combinations looked up per multi-search request.
BATCH = 100


class FirstSeen:
    """The first-seen filter of one rule's run: remembers the combinations this run already met."""

    def __init__(self, client: Elasticsearch, index: str, query: dict, terms: NewTerms) -> None:
        self._client = client
        self._index = index
        self._query = query
        self._terms = terms
        self._met: set[tuple] = set()

    def new(self, hits: Iterable[Hit]) -> list[Hit]:
        """The hits (pages come oldest first) whose combination had no selected event in their history."""
        candidates: list[tuple[tuple, Hit]] = []
        for hit in hits:
            combination = self._combination(hit)
            if combination is not None and combination not in self._met:
                self._met.add(combination)
                candidates.append((combination, hit))
        kept: list[Hit] = []
        for start in range(0, len(candidates), BATCH):
            batch = candidates[start:start + BATCH]
            searches: list[dict] = []
            for combination, hit in batch:
                searches += [{"index": self._index, "ignore_unavailable": True},
                             self._history(combination, hit)]
            answers = self._client.msearch(searches=searches)["responses"]
            for (_, hit), answer in zip(batch, answers, strict=True):
                if "error" in answer:
                    raise DetectionError(f"the new-terms history search failed: {answer['error'].get('type')}")
                if not answer["hits"]["hits"]:
                    kept.append(hit)
        return kept

    def _combination(self, hit: Hit) -> tuple | None:
        values = []
        for name in self._terms.ecs_fields:
            found = hit.fields.get(name)
            if not found:
                return None
            values.append(found[0])
        return tuple(values)

    def _history(self, combination: tuple, hit: Hit) -> dict:
        since = hit.time - timedelta(seconds=self._terms.history_seconds)
        filters = [self._query, {"range": {"@timestamp": {"gte": iso(since), "lt": iso(hit.time)}}}]
        filters += [{"term": {name: value}} for name, value in zip(self._terms.ecs_fields, combination, strict=True)]
        return {"query": {"bool": {"filter": filters}}, "size": 1, "_source": False, "track_total_hits": False}
