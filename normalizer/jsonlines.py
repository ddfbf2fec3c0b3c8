"""JSON records: split a line-oriented object (Route 53, WAF) into records, parse a record's JSON object."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from normalizer.errors import NormalizationError
from normalizer.readers import iter_lines
from normalizer.records import RawRecord


def read_lines(stream: BinaryIO, source: str) -> Iterator[RawRecord | NormalizationError]:
    """One RawRecord per non-blank line; unreadable lines come out as located errors."""
    for item in iter_lines(stream, source):
        if isinstance(item, NormalizationError):
            yield item
            continue
        line, offset, text = item
        yield RawRecord(text=text, source=source, line=line, offset=offset)


def parse_object(record: RawRecord) -> dict[str, Any]:
    """The record's JSON object (parsed once by the reader or now), or a NormalizationError."""
    data = record.data
    if data is None:
        try:
            data = orjson.loads(record.text)
        except orjson.JSONDecodeError as exc:
            raise NormalizationError(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise NormalizationError(f"expected a JSON object, got {type(data).__name__}")
    return data
