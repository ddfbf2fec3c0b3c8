"""Values that travel between readers, normalizers and sinks."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import orjson

# Raw text kept for a dead-letter entry is capped: a hostile object may hold megabyte lines.
MAX_RAW_CHARS = 64 * 1024


@dataclass(frozen=True, slots=True, init=False)
class RawRecord:
    """One native record as a reader split it out of an object.

    `text` is the record's raw text; `data` is its parsed form when the reader had to
    parse it anyway (CloudTrail's {"Records": [...]}), so normalizers need not parse twice.
    `header` carries per-object context a line needs (a flow log's field order).
    """

    text: str
    source: str
    line: int
    offset: int
    data: Any = None
    header: tuple[str, ...] | None = None

    def __init__(self, text: str, source: str, line: int, offset: int, data: Any = None,
                 header: tuple[str, ...] | None = None) -> None:
        _record_slots[0](self, text)
        _record_slots[1](self, source)
        _record_slots[2](self, line)
        _record_slots[3](self, offset)
        _record_slots[4](self, data)
        _record_slots[5](self, header)

    def raw_excerpt(self) -> str:
        """The raw text, capped for dead-letter storage."""
        return self.text if len(self.text) <= MAX_RAW_CHARS else self.text[:MAX_RAW_CHARS] + "…[truncated]"


@dataclass(frozen=True, slots=True)
class Skipped:
    """Records a reader recognized and deliberately left out (digest files, empty exports)."""

    source: str
    reason: str
    count: int = 1


@dataclass(frozen=True, slots=True, init=False)
class Normalized:
    """An ECS document as JSON bytes, with its deterministic Elasticsearch `_id`, its
    `event.dataset` (which data stream it belongs to) and the record it came from.

    The document travels as bytes because bytes are what the sinks write: the high-volume
    sources build them natively without ever making Python objects (normalizer/native).
    """

    doc_id: str
    body: bytes
    dataset: str
    record: RawRecord

    def __init__(self, doc_id: str, body: bytes, dataset: str, record: RawRecord) -> None:
        _normalized_slots[0](self, doc_id)
        _normalized_slots[1](self, body)
        _normalized_slots[2](self, dataset)
        _normalized_slots[3](self, record)

    @property
    def doc(self) -> dict:
        """The document as a dict, parsed on demand (for callers that inspect it)."""
        return orjson.loads(self.body)


def _slot_setters(cls: type) -> tuple[Callable[[Any, Any], None], ...]:
    """Each field's slot setter, in field order.

    A frozen dataclass's generated __init__ stores each field through object.__setattr__ (a call
    and a type lookup per field); RawRecord and Normalized are made once per record, by the
    million, so their __init__ stores through the slots' own descriptors instead: half the cost,
    and the instances are just as frozen afterwards.
    """
    return tuple(getattr(cls, f.name).__set__ for f in fields(cls))


_record_slots = _slot_setters(RawRecord)
_normalized_slots = _slot_setters(Normalized)
