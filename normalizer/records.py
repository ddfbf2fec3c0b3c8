"""Values that travel between readers, normalizers and sinks."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

# Raw text kept for a dead-letter entry is capped: a hostile object may hold megabyte lines.
MAX_RAW_CHARS = 64 * 1024


class RawRecord(NamedTuple):
    """One native record as a reader split it out of an object.

    A NamedTuple, not a frozen dataclass: one is made per record, and a frozen dataclass's
    __init__ (a setattr call per field) costs three times a tuple's construction.

    `text` is the record's raw text; `data` is its parsed form when the reader had to
    parse it anyway (GuardDuty's {"findings": [...]}), so a Python normalizer need not parse
    twice (the native ones read only `text`).
    `header` carries per-object context a line needs (a flow log's field order).
    `part` tells apart records read whole out of one container at one offset (the n-th event
    of a CloudWatch Logs envelope is part n, from 1); a record with an offset of its own has 0.
    """

    text: str
    source: str
    line: int
    offset: int
    data: Any = None
    header: tuple[str, ...] | None = None
    part: int = 0

    def raw_excerpt(self) -> str:
        """The raw text, capped for dead-letter storage."""
        return self.text if len(self.text) <= MAX_RAW_CHARS else self.text[:MAX_RAW_CHARS] + "…[truncated]"


@dataclass(frozen=True, slots=True)
class Skipped:
    """Records a reader recognized and deliberately left out (digest files, empty exports)."""

    source: str
    reason: str
    count: int = 1


class Normalized(NamedTuple):
    """An ECS document as JSON bytes, with its deterministic Elasticsearch `_id`, its
    `event.dataset` (which data stream it belongs to) and the record it came from.

    The document travels as bytes because bytes are what the sinks write: the high-volume
    sources build them natively without ever making Python objects (normalizer/native).
    A NamedTuple for the same reason as RawRecord.
    """

    doc_id: str
    body: bytes
    dataset: str
    record: RawRecord

    @property
    def doc(self) -> dict:
        """The document as a dict, parsed on demand (for callers that inspect it)."""
        return orjson.loads(self.body)
