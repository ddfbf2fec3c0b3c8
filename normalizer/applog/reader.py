"""Split an application log object into records: CloudWatch Logs subscription envelopes, JSON records, text lines.

Firehose writes a CloudWatch Logs subscription's records to S3 as gzip members run together, so one
object is envelopes concatenated with no separator (`{…}{…}`), often on one line; apps that write
files write one JSON record or one text line per line. Values are cut by following JSON structure
(the native Scanner, across buffer refills), never by looking for what a record looks like, so
nothing inside a record is taken for a record. A value that is not JSON is that line's error and
reading goes on at the next line; a value larger than MAX_VALUE_BYTES is skipped to its real end.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import orjson

from normalizer._native import Scanner
from normalizer.errors import NormalizationError, excerpt
from normalizer.readers import BLANK, EXCERPT, MAX_RECORD_BYTES, ByteInput, first_non_blank
from normalizer.records import RawRecord, Skipped

Item = RawRecord | Skipped | NormalizationError

# A CloudWatch Logs envelope carries up to 1 MiB of events (PutLogEvents' batch limit), more once
# JSON-escaped: an envelope may be this large; a text line or an app's own record MAX_RECORD_BYTES.
MAX_VALUE_BYTES = 4 * MAX_RECORD_BYTES
CONTROL = "CloudWatch Logs control message"


@dataclass(frozen=True, slots=True)
class LogEvent:
    """Where one CloudWatch Logs event came from (its envelope) and its own id and time (ms)."""

    log_group: str | None
    log_stream: str | None
    owner: str | None
    filters: tuple[str, ...]
    id: str | None
    timestamp: int | None


class _Input(ByteInput):
    """The application-log reader's buffer: line-oriented reads, and whether the object is one value a line."""

    def __init__(self, stream: BinaryIO, source: str) -> None:
        super().__init__(stream, source)
        # True once a line was one whole JSON value: the object is line-oriented (a bad line is a bad record).
        self.lines = False

    def peek(self) -> int | None:
        """The next non-blank byte (left at `pos`), or None at the end."""
        while True:
            self.pos = first_non_blank(self.buf, self.pos, BLANK)
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            self.discard(self.pos)  # a run of blanks is dropped as it is read
            if not self.fill():
                return None

    def line_end(self, start: int, limit: int) -> int:
        """Index of the newline ending the line at `start` (or the end of input); -1 past `limit` bytes."""
        searched = start
        while True:
            found = self.buf.find(b"\n", searched)
            if found != -1:
                return found if found - start <= limit else -1
            if len(self.buf) - start > limit:
                return -1
            searched = len(self.buf)
            if not self.fill():
                return len(self.buf)

    def skip_line(self) -> None:
        """Move past the end of the current line, dropping its bytes as they are read."""
        while True:
            found = self.buf.find(b"\n", self.pos)
            if found != -1:
                self.pos = found + 1
                return
            self.pos = len(self.buf)
            self.discard(self.pos)
            if not self.fill():
                return


def read(stream: BinaryIO, source: str, text_only: bool = False, envelopes_only: bool = False) -> Iterator[Item]:
    """RawRecords (an app record: `data` its dict; a CloudWatch event: `data` its LogEvent; a text line:
    `data` None), Skipped control messages and located errors, in order.

    `text_only`: every line is text, even one opening with `{`; `envelopes_only`: anything but a
    CloudWatch Logs envelope is an error.
    """
    inp = _Input(stream, source)
    while True:
        inp.compact()  # forget what was read: memory stays bounded by the largest value
        first = inp.peek()
        if first is None:
            break
        line = inp.line_at(inp.pos)
        if first == ord("{") and not text_only:
            yield from _json_value(inp, line, envelopes_only)
        elif envelopes_only:
            start = inp.pos
            yield inp.error_at("not a CloudWatch Logs subscription record (expected a JSON object)",
                               inp.base + start, line, inp.buf[start : start + 200])
            inp.skip_line()
        else:
            yield _text_line(inp, line)
    if inp.error is not None:
        yield inp.error


def _text_line(inp: _Input, line: int) -> RawRecord | NormalizationError:
    start = inp.pos
    offset = inp.base + start
    end = inp.line_end(start, MAX_RECORD_BYTES)
    if end == -1:
        raw = inp.buf[start : start + EXCERPT]
        inp.skip_line()
        return inp.error_at(f"line longer than {MAX_RECORD_BYTES} bytes", offset, line, raw)
    raw = inp.buf[start:end]
    inp.pos = end
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return inp.error_at(f"not UTF-8 (byte {exc.start} of the line)", offset, line, raw)
    return RawRecord(text.rstrip(), inp.source, line, offset)


def _json_value(inp: _Input, line: int, envelopes_only: bool) -> Iterator[Item]:
    """The JSON value(s) at `pos`: an envelope's events, an app record, or one error.

    A line that is one whole JSON value is the common case (and makes the object line-oriented: from
    then on a line that is not JSON is that line's error, even if a bracket of it is left open);
    otherwise values are followed by structure (run together, or pretty-printed over lines).
    """
    start = inp.pos
    cut = inp.line_end(start, MAX_VALUE_BYTES)
    if cut != -1:
        raw = inp.buf[start:cut].rstrip(BLANK)
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
        else:
            inp.pos = cut
            inp.lines = True
            yield from _items(_value(inp, data, raw, inp.base + start, line, envelopes_only))
            return
        if inp.lines:
            yield from _values_in_line(inp, raw, line, envelopes_only)
            inp.pos = cut
            return
    yield from _followed(inp, line, envelopes_only)


def _values_in_line(inp: _Input, raw: bytes, line: int, envelopes_only: bool) -> Iterator[Item]:
    """Values run together on one line (`{…}{…}`); what does not end within the line is its error."""
    base = inp.base + inp.pos
    scanner, pos = Scanner(), 0
    while pos < len(raw):
        try:
            end = scanner.value_end(raw, pos)
        except ValueError as exc:
            yield inp.error_at(f"invalid JSON ({exc})", base + pos, line, raw[pos:])
            return
        if end is None:
            yield inp.error_at("invalid JSON: the line is not complete JSON values", base + pos, line, raw[pos:])
            return
        try:
            data = orjson.loads(raw[pos:end])
        except orjson.JSONDecodeError as exc:
            yield inp.error_at(f"invalid JSON: {exc}", base + pos, line, raw[pos:end])
        else:
            yield from _items(_value(inp, data, raw[pos:end], base + pos, line, envelopes_only))
        pos = first_non_blank(raw, end, BLANK)
        scanner = Scanner()


def _followed(inp: _Input, line: int, envelopes_only: bool) -> Iterator[Item]:
    """The value at `pos` followed by its structure across lines and buffers."""
    start = inp.pos
    offset = inp.base + start
    scanner = Scanner()
    scan = start
    oversized: bytes | None = None
    while True:
        try:
            end = scanner.value_end(inp.buf, scan)
        except ValueError as exc:  # not JSON from here: this line is the bad record
            raw = oversized or inp.buf[start : start + EXCERPT]
            inp.skip_line()
            yield inp.error_at(f"invalid JSON ({exc})", offset, line, raw)
            return
        if end is not None:
            break
        if oversized is None and len(inp.buf) - start > MAX_VALUE_BYTES:
            oversized = inp.buf[start : start + EXCERPT]
        if oversized is not None:  # follow the value to its end, keeping none of it
            inp.pos = len(inp.buf)
            inp.discard(len(inp.buf))
            start = 0
        scan = len(inp.buf)
        if not inp.fill():
            inp.pos = len(inp.buf)
            if inp.error is None:
                yield inp.error_at("truncated: the input ends inside a JSON value", offset, line,
                                   oversized or inp.buf[start : start + EXCERPT])
            return
    inp.pos = end
    if oversized is not None or end - start > MAX_VALUE_BYTES:
        head = oversized or inp.buf[start : start + EXCERPT]
        yield inp.error_at(f"record longer than {MAX_VALUE_BYTES} bytes", offset, line, head)
        return
    raw = inp.buf[start:end]
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:  # bad UTF-8, or nesting past orjson's own limit
        yield inp.error_at(f"invalid JSON: {exc}", offset, line, raw)
        return
    yield from _items(_value(inp, data, raw, offset, line, envelopes_only))


def _items(item: Item | Iterator[Item]) -> Iterator[Item]:
    if isinstance(item, RawRecord | Skipped | NormalizationError):
        yield item
    else:
        yield from item


def _value(inp: _Input, data: object, raw: bytes, offset: int, line: int,
           envelopes_only: bool) -> Item | Iterator[Item]:
    """One parsed JSON value: an envelope's items, an app record, or an error."""
    if isinstance(data, dict) and "logEvents" in data and "messageType" in data:
        return _envelope(inp, data, offset, line, raw)
    if envelopes_only:
        return inp.error_at("not a CloudWatch Logs subscription record (no messageType and logEvents)",
                            offset, line, raw)
    if not isinstance(data, dict):
        return inp.error_at(f"expected a JSON object, got {excerpt(data)}", offset, line, raw)
    if len(raw) > MAX_RECORD_BYTES:
        return inp.error_at(f"record longer than {MAX_RECORD_BYTES} bytes", offset, line, raw)
    return RawRecord(raw.decode("utf-8"), inp.source, line, offset, data)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _envelope(inp: _Input, envelope: dict, offset: int, line: int, raw: bytes) -> Iterator[Item]:
    """A CloudWatch Logs subscription record: control messages are skipped, data messages give one
    record per log event (the n-th is part n of the envelope at `offset`)."""
    kind = envelope.get("messageType")
    if kind == "CONTROL_MESSAGE":
        yield Skipped(inp.source, CONTROL)
        return
    events = envelope.get("logEvents")
    if kind != "DATA_MESSAGE" or not isinstance(events, list):
        yield inp.error_at(f"CloudWatch Logs messageType {excerpt(kind)} with logEvents that are "
                           f"{'a list' if isinstance(events, list) else 'not a list'}: not a data message",
                           offset, line, raw)
        return
    filters = envelope.get("subscriptionFilters")
    names = tuple(f for f in filters if isinstance(f, str)) if isinstance(filters, list) else ()
    group, stream, owner = (_text(envelope.get(k)) for k in ("logGroup", "logStream", "owner"))
    for part, event in enumerate(events, 1):
        message = event.get("message") if isinstance(event, dict) else None
        if not isinstance(message, str):
            yield inp.error_at(f"CloudWatch Logs event {part} has no message string", offset, line,
                               orjson.dumps(event)[:EXCERPT] if isinstance(event, dict) else None)
            continue
        event_id = event.get("id")
        stamp = event.get("timestamp")
        yield RawRecord(message, inp.source, line, offset, LogEvent(
            group, stream, owner, names, event_id if isinstance(event_id, str) and event_id else None,
            stamp if isinstance(stamp, int) and not isinstance(stamp, bool) else None), None, part)
