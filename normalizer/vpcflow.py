"""VPC Flow Logs (and Transit Gateway flow logs) → ECS documents.

S3 delivery writes a header line naming the field order (default or custom format), then one
space-separated record per line, '-' meaning "no value". Flow logs come by the billion and the
goal is >= 250k lines/s on one core, so the per-line work is native (normalizer/native/src/
vpcflow/): each distinct header is checked here against the field table (vpcflow_fields.py) and
compiled once into a native plan, which turns a line straight into its document's JSON bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

import orjson

from normalizer import _native
from normalizer.document import ECS_VERSION
from normalizer.errors import NormalizationError
from normalizer.ids import record_id
from normalizer.readers import iter_lines
from normalizer.records import MAX_RAW_CHARS, RawRecord, Skipped
from normalizer.timestamps import MAX_EPOCH, MIN_EPOCH
from normalizer.vpcflow_fields import BY_NATIVE, DEFAULT_HEADER, TCP_FLAG_NAMES, TRANSPORTS

__all__ = ["doc_id", "document", "normalize", "read"]

# A header token: what AWS field names look like (data lines hold digits, capitals or '-').
_HEADER_LINE = re.compile(r"[a-z][a-z0-9-]*(?: +[a-z][a-z0-9-]*)*")
# Compiled headers kept per process; an object has one, a shipper sees a handful.
_MAX_PLANS = 256


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
            _plan(header)  # compiled now, so a bad header is reported on its own line
        except NormalizationError as exc:
            yield exc.located(source=source, line=number, offset=offset, raw=text[:MAX_RAW_CHARS])
            yield from _unread(lines, source, exc.reason)
            return
        break
    for item in lines:  # every other line: this loop runs by the billion, so it is kept bare
        if item.__class__ is tuple:
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


def normalize(record: RawRecord, original: bool = False) -> dict:
    """One flow-log line → its ECS document as a dict (for callers that inspect it)."""
    return orjson.loads(document(record, original)[1])


def doc_id(doc: dict, record: RawRecord) -> str:
    """Flow records carry no id of their own: the object's URL and the line's byte offset."""
    return record_id(record)


_plans: dict[tuple[str, ...], _native.FlowPlan] = {}


def _plan(header: tuple[str, ...]) -> _native.FlowPlan:
    """The compiled plan for a header; NormalizationError naming an unknown or repeated field."""
    plan = _plans.get(header)
    if plan is None:
        if len(_plans) >= _MAX_PLANS:
            _plans.clear()
        plan = _plans[header] = _compile(header)
    return plan


def _plan_for_record(header: tuple[str, ...] | None) -> _native.FlowPlan:
    """The plan for a record's header (None: an object without a header line, the default format)."""
    return _plan(DEFAULT_HEADER if header is None else header)


def _compile(header: tuple[str, ...]) -> _native.FlowPlan:
    """Check a header against the field table and hand its columns to a native plan."""
    for name in header:
        if name not in BY_NATIVE:
            raise NormalizationError(
                f"unknown flow-log field {name[:60]!r} in the header line", field=name[:60]
            )
    if len(set(header)) != len(header):
        twice = next(name for name in header if header.count(name) > 1)
        raise NormalizationError(f"field {twice!r} appears twice in the header line", field=twice)
    columns = [(name, BY_NATIVE[name].kind, BY_NATIVE[name].ecs) for name in header]
    return _native.FlowPlan(columns, TRANSPORTS, TCP_FLAG_NAMES, (int(MIN_EPOCH), int(MAX_EPOCH)), ECS_VERSION)


# document(record, original=False) → (doc_id, ECS document as JSON bytes, event.dataset): natively,
# the per-record entry point. It finds the plan by the header tuple every line of an object shares
# (asking _plan_for_record for a new one); the id is normalizer.ids.record_id's.
document: Callable[[RawRecord, bool], tuple[str, bytes, str]] = _native.FlowDocuments(_plan_for_record).document
