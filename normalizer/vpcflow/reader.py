"""Split a flow-log object into lines, each carrying the field order of its object's header line.

S3 delivery writes a header line naming the field order (default or custom format), then one
space-separated record per line, '-' meaning "no value". An object without a header line is in
the default format.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from normalizer.errors import NormalizationError
from normalizer.readers import iter_lines
from normalizer.records import MAX_RAW_CHARS, RawRecord, Skipped
from normalizer.vpcflow.plans import plan

# A header token: what AWS field names look like (data lines hold digits, capitals or '-').
_HEADER_LINE = re.compile(r"[a-z][a-z0-9-]*(?: +[a-z][a-z0-9-]*)*")


def read(stream: BinaryIO, source: str) -> Iterator[RawRecord | Skipped | NormalizationError]:
    """Split a flow-log object into lines, each carrying the field order of its header line."""
    lines = iter_lines(stream, source)
    header: tuple[str, ...] | None = None
    for item in lines:  # up to the first line: a header, or already a record in the default format
        if isinstance(item, NormalizationError):
            yield item
            continue
        number, offset, text = item
        if not _HEADER_LINE.fullmatch(text):
            yield RawRecord(text, source, number, offset)
            break
        header = tuple(text.split())
        try:
            plan(header)  # compiled now, so a bad header is reported on its own line
        except NormalizationError as exc:
            yield exc.located(source=source, line=number, offset=offset, raw=text[:MAX_RAW_CHARS])
            yield from _unread(lines, source, exc.reason)
            return
        break
    for item in lines:  # every other line: this loop runs by the billion, so it is kept bare
        if isinstance(item, tuple):
            number, offset, text = item
            yield RawRecord(text, source, number, offset, None, header)
        else:
            yield item


def _unread(lines: Iterator[tuple[int, int, str] | NormalizationError], source: str,
            reason: str) -> Iterator[NormalizationError]:
    """Without a field order no line can be read; each still goes to the dead letters."""
    for item in lines:
        if isinstance(item, NormalizationError):
            yield item
            continue
        number, offset, text = item
        yield NormalizationError(
            f"not read: the object's header line was rejected ({reason})",
            source=source,
            line=number,
            offset=offset,
            raw=text[:MAX_RAW_CHARS],
        )
