"""GuardDuty findings out of an object: one per line, wrapped, or inside an EventBridge event.

Accepted shapes, one per line: a finding (the S3 export writes JSON Lines), a `{"findings": [...]}`
wrapper (an empty one is skipped, not an error), and an EventBridge event whose `detail` is a finding.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from normalizer.errors import NormalizationError, excerpt
from normalizer.readers import iter_lines
from normalizer.records import MAX_RAW_CHARS, RawRecord, Skipped

EVENTBRIDGE_DETAIL_TYPE = "GuardDuty Finding"


def read(stream: BinaryIO, source: str) -> Iterator[RawRecord | Skipped | NormalizationError]:
    """One RawRecord per finding; each line holds a finding, a findings wrapper or an EventBridge event."""
    for item in iter_lines(stream, source):
        if isinstance(item, NormalizationError):
            yield item
            continue
        line, offset, text = item
        try:
            findings = unwrap(parse(text))
        except NormalizationError as exc:
            yield exc.located(source=source, line=line, offset=offset, raw=text[:MAX_RAW_CHARS])
            continue
        if not findings:
            yield Skipped(source, "empty GuardDuty findings list")
        elif len(findings) == 1:
            yield RawRecord(text, source, line, offset, data=findings[0])
        else:  # each finding of a wrapper keeps its own raw text for event.original and the dead-letter index
            for finding in findings:
                yield RawRecord(orjson.dumps(finding).decode(), source, line, offset, data=finding)


def parse(text: str) -> Any:
    """The line's JSON value, or a NormalizationError."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise NormalizationError(f"invalid JSON: {exc}") from None


def unwrap(obj: Any) -> list[Any]:
    """The findings a parsed line carries: itself, a wrapper's list, or an EventBridge event's detail."""
    if not isinstance(obj, dict):
        raise NormalizationError("not a GuardDuty finding: not a JSON object")
    if "detail-type" in obj:
        kind = obj["detail-type"]
        if kind != EVENTBRIDGE_DETAIL_TYPE:
            raise NormalizationError(f"EventBridge event {excerpt(kind, 60)} is not a GuardDuty finding",
                                     field="detail-type")
        obj = obj.get("detail")
        if not isinstance(obj, dict):
            raise NormalizationError("EventBridge event without a finding in its detail", field="detail")
    if "findings" in obj:
        findings = obj["findings"]
        if not isinstance(findings, list):
            raise NormalizationError("findings is not a list", field="findings")
        return findings
    return [obj]
