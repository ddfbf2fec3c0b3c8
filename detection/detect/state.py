"""The detector's durable state in one Elasticsearch index: each rule's last completed window, and
per alert a receipt: it was written, and which notifiers already delivered it.

A rule's state is written only after its run has written its alerts and notified them, so a
detector killed anywhere re-runs the window it was in: alerts already written come back as
duplicates (deterministic ids), and only the notifications that were missing go out. Reads are
GETs (real time: no refresh needed between a write and the next run's read).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from elasticsearch import AuthorizationException, Elasticsearch

from detection.detect.timing import iso, parse_time
from detection.errors import DetectorError
from normalizer.ids import hashed_id

STATE_MAPPINGS = {"dynamic": False, "properties": {
    "kind": {"type": "keyword"}, "scope": {"type": "keyword"}, "rule": {"type": "keyword"},
    "updated": {"type": "date"},
}}
STATE_SETTINGS = {"number_of_shards": 1}
WINDOW, RECEIPT = "window", "receipt"
PROBE_ID = "probe"  # never written: a GET of it says whether the index exists


@dataclass(slots=True)
class RuleState:
    """One rule's progress: the end of its last completed window, plus what later runs must remember.

    `chains`: per correlation group, the end of its last alert window (a burst alerts once, not once
    per run that sees it); `openers`: per suppression key, the time of the alert that opened it.
    """

    last_end: datetime | None = None
    chains: dict[str, datetime] = field(default_factory=dict)
    openers: dict[str, datetime] = field(default_factory=dict)

    def to_json(self) -> dict:
        """The state as the state index stores it."""
        return {"last_end": iso(self.last_end) if self.last_end else None,
                "chains": {k: iso(v) for k, v in self.chains.items()},
                "openers": {k: iso(v) for k, v in self.openers.items()}}

    @classmethod
    def from_json(cls, data: dict) -> RuleState:
        """The state a `to_json` stored."""
        return cls(parse_time(data["last_end"]) if data.get("last_end") else None,
                   {k: parse_time(v) for k, v in (data.get("chains") or {}).items()},
                   {k: parse_time(v) for k, v in (data.get("openers") or {}).items()})


class StateStore:
    """Rule windows and notification receipts of one detector scope."""

    def __init__(self, client: Elasticsearch, index: str, scope: str, namespace: str) -> None:
        self._client = client
        self._index = index
        self._scope = scope
        self._namespace = namespace  # receipts belong to the alerts stream the alerts are in

    def ensure(self) -> None:
        """Create the state index unless it exists.

        Whether it exists is asked with a GET of a document, which the detector's role allows: that role
        reads and writes the index but may neither create it nor read index metadata (least privilege;
        `deploy es` creates it). With that role, a missing index is an error that says what to run.
        """
        try:
            probe = self._client.options(ignore_status=404).get(index=self._index, id=PROBE_ID, source=False)
        except AuthorizationException:
            raise StateError(f"this user may not read the state index {self._index}: the detector's role from "
                             "`cloudsift deploy es` grants the one it was given (--detector-state-index)") from None
        if (probe.body.get("error") or {}).get("type") != "index_not_found_exception":
            return
        try:
            self._client.options(ignore_status=400).indices.create(  # 400: another detector made it meanwhile
                index=self._index, mappings=STATE_MAPPINGS, settings=STATE_SETTINGS)
        except AuthorizationException:
            raise StateError(f"the state index {self._index} does not exist and this user may not create it: "
                             "run `cloudsift deploy es` first") from None

    def _rule_id(self, rule: str) -> str:
        return hashed_id(WINDOW, self._scope, rule)

    def _receipt_id(self, alert_id: str) -> str:
        return hashed_id(RECEIPT, self._namespace, alert_id)

    def load(self, rule: str) -> RuleState:
        """The rule's saved state (empty for a rule that never completed a run in this scope)."""
        found = self._client.options(ignore_status=404).get(index=self._index, id=self._rule_id(rule))
        if not found.body.get("found"):
            return RuleState()
        return RuleState.from_json(found["_source"].get("state") or {})

    def save(self, rule: str, state: RuleState) -> None:
        """Record the rule's state (overwrites the previous one)."""
        self._client.index(index=self._index, id=self._rule_id(rule), document={
            "kind": WINDOW, "scope": self._scope, "rule": rule, "updated": iso(datetime.now(UTC)),
            "state": state.to_json()})

    def receipts(self, alert_ids: Iterable[str]) -> dict[str, set[str]]:
        """Per alert id written before, the notifiers that already delivered it (absent: never written)."""
        ids = list(alert_ids)
        if not ids:
            return {}
        found = self._client.mget(index=self._index, ids=[self._receipt_id(i) for i in ids], source=["notified"])
        return {alert_id: set(doc["_source"].get("notified") or [])
                for alert_id, doc in zip(ids, found["docs"], strict=True) if doc.get("found")}

    def record(self, delivered: dict[str, set[str]]) -> None:
        """Record, per alert id, every notifier that has delivered it so far."""
        if not delivered:
            return
        now = iso(datetime.now(UTC))
        operations: list[dict] = []
        for alert_id, names in delivered.items():
            operations.append({"index": {"_index": self._index, "_id": self._receipt_id(alert_id)}})
            operations.append({"kind": RECEIPT, "scope": self._namespace, "updated": now, "alert": alert_id,
                               "notified": sorted(names)})
        response = self._client.bulk(operations=operations)
        if response["errors"]:
            reasons = {i["index"].get("error", {}).get("reason") for i in response["items"] if i["index"].get("error")}
            raise StateError(f"the state index refused notification receipts: {'; '.join(map(str, reasons))}")


class StateError(DetectorError):
    """The state index refused a write (the rule's run is not complete)."""
