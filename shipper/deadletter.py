"""Dead-letter documents: what could not be routed, normalized or indexed, with where and why."""
from __future__ import annotations

from datetime import UTC, datetime

import orjson

from normalizer.ids import hashed_id
from normalizer.records import MAX_RAW_CHARS
from shipper.objects import ObjectRef

# Where a failure happened: routing a key, reading an object past its last attempt, a record, indexing.
ROUTE, OBJECT, NORMALIZE, INDEX = "route", "object", "normalize", "index"


def document(stage: str, reason: str, ref: ObjectRef, log_type: str | None, *, line: int | None = None,
             offset: int | None = None, raw: str | None = None, ordinal: int | None = None) -> tuple[str, bytes]:
    """(deterministic _id, serialized body): a replay of the same failure writes the same document.

    `ordinal` tells apart failures at one place (several records on one line, events of one envelope).
    """
    doc_id = hashed_id("deadletter", stage, ref.bucket, ref.key, line if line is not None else "",
                       offset if offset is not None else "", ordinal if ordinal is not None else "")
    if raw is not None and len(raw) > MAX_RAW_CHARS:
        raw = raw[:MAX_RAW_CHARS] + "…[truncated]"
    doc: dict = {
        "@timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "event": {"kind": "pipeline_error", "dataset": "cloudsift.deadletter"},
        "error": {"type": stage, "message": reason},
        "cloudsift": {"stage": stage, "log_type": log_type, "object": {"bucket": ref.bucket, "key": ref.key}},
    }
    if raw is not None:
        doc["event"]["original"] = raw
    if line is not None:
        doc["cloudsift"]["line"] = line
    if offset is not None:
        doc["cloudsift"]["offset"] = offset
    return doc_id, orjson.dumps(doc)
