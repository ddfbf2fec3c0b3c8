"""Security Hub findings out of an object, whatever shape delivered it.

Accepted: EventBridge events (`detail-type: "Security Hub Findings - Imported"`, `detail.findings[]`)
as Firehose writes them to S3 (one per line, or concatenated with no separator); a `{"Findings": [...]}`
export; Prowler's `json-asff` output (a JSON array of findings); and bare findings, one per line.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from normalizer.errors import NormalizationError, excerpt
from normalizer.readers import DECOMPRESSION_ERRORS, open_object
from normalizer.records import MAX_RAW_CHARS, RawRecord, Skipped

EVENTBRIDGE_DETAIL_TYPES = frozenset({"Security Hub Findings - Imported", "Security Hub Findings - Custom Action",
                                      "Security Hub Insight Results"})
_DECODER_WS = " \t\r\n"


def read(stream: BinaryIO, source: str) -> Iterator[RawRecord | Skipped | NormalizationError]:
    """One RawRecord per finding; JSON values are read one after another (lines, arrays, concatenation)."""
    try:  # findings objects are small (Firehose buffers ≤ 128 MiB): read whole, values may span lines
        text = open_object(stream, source).read().decode("utf-8", "replace")
    except NormalizationError as exc:
        yield exc.located(source=source, line=None, offset=None, raw=None)
        return
    except DECOMPRESSION_ERRORS as exc:
        yield NormalizationError(f"unreadable gzip: {exc}").located(source=source, line=None, offset=None, raw=None)
        return
    for offset, line, value_text in _values(text, source):
        if isinstance(value_text, NormalizationError):
            yield value_text
            return
        try:
            findings = unwrap(orjson.loads(value_text))
        except orjson.JSONDecodeError as exc:
            yield NormalizationError(f"invalid JSON: {exc}").located(
                source=source, line=line, offset=offset, raw=value_text[:MAX_RAW_CHARS])
            continue
        except NormalizationError as exc:
            yield exc.located(source=source, line=line, offset=offset, raw=value_text[:MAX_RAW_CHARS])
            continue
        if not findings:
            yield Skipped(source, "empty Security Hub findings list")
        elif len(findings) == 1 and not value_text.lstrip().startswith("["):
            yield RawRecord(value_text, source, line, offset, data=findings[0])
        else:  # each finding keeps its own raw text for event.original and the dead-letter index
            for part, finding in enumerate(findings):
                yield RawRecord(orjson.dumps(finding).decode(), source, line, offset, data=finding, part=part + 1)


def _values(text: str, source: str) -> Iterator[tuple[int, int, str | NormalizationError]]:
    """(offset, line, text) of each top-level JSON value: one per line, or several run together.

    A line that is a whole value is the common case (Firehose with a newline delimiter); otherwise
    values are split by bracket depth, outside strings, so `}{` concatenation and pretty-printed
    arrays are read too. An unterminated value is one located error and ends the object.
    """
    i, n, line = 0, len(text), 1
    while i < n:
        while i < n and text[i] in _DECODER_WS:
            if text[i] == "\n":
                line += 1
            i += 1
        if i >= n:
            return
        start, start_line = i, line
        if text[i] not in "{[":
            end = text.find("\n", i)
            end = n if end == -1 else end
            yield start, start_line, text[start:end]
            i = end
            continue
        depth, in_string, escaped = 0, False, False
        while i < n:
            ch = text[i]
            if ch == "\n":
                line += 1
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch in "{[":
                depth += 1
            elif ch in "}]":
                depth -= 1
                if depth == 0:
                    i += 1
                    break
            i += 1
        else:
            yield start, start_line, NormalizationError("unterminated JSON value").located(
                source=source, line=start_line, offset=start, raw=text[start:start + MAX_RAW_CHARS])
            return
        yield start, start_line, text[start:i]


def unwrap(obj: Any) -> list[Any]:
    """The findings a JSON value carries: an array, an export, an EventBridge event, or a finding."""
    if isinstance(obj, list):  # Prowler's json-asff: an array of findings
        return _findings(obj, None)
    if not isinstance(obj, dict):
        raise NormalizationError("not a Security Hub finding: not a JSON object")
    if "detail-type" in obj:
        kind = obj["detail-type"]
        if not isinstance(kind, str) or kind not in EVENTBRIDGE_DETAIL_TYPES:
            raise NormalizationError(f"EventBridge event {excerpt(kind, 60)} is not a Security Hub finding",
                                     field="detail-type")
        detail = obj.get("detail")
        if not isinstance(detail, dict):
            raise NormalizationError("EventBridge event without findings in its detail", field="detail")
        obj = detail
    for key in ("findings", "Findings"):
        if key in obj:
            findings = obj[key]
            if not isinstance(findings, list):
                raise NormalizationError(f"{key} is not a list", field=key)
            return _findings(findings, key)
    return [obj]


def _findings(items: list, field: str | None) -> list[dict]:
    """A list of findings, all objects: anything else in it makes the whole list one error, not one per item."""
    if not all(isinstance(item, dict) for item in items):
        raise NormalizationError("not a list of Security Hub findings: it holds a non-object", field=field)
    return items
