"""Application log records → ECS documents, by the app's declared field map (normalizer.applog.spec).

Every byte is the app's, and through it its users': a record nested deeper than MAX_DEPTH or holding
more than MAX_VALUES values is refused (dead-lettered, never cut silently). A declared field whose
value does not fit its ECS type is left out of that field and named in `applog.invalid`, while the
document is kept: one odd header must not hide a failed login from the rules.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from normalizer.applog.fields import ECS_FIELDS, FLATTENED_HOME, MODULE, RENAME_TARGETS
from normalizer.applog.reader import LogEvent
from normalizer.applog.spec import AppSpec
from normalizer.converters import Conventions, converters
from normalizer.ecs import ECS_VERSION, add_related, get_path, put_path, split_path
from normalizer.errors import NormalizationError, excerpt
from normalizer.fieldmap import ecs_types
from normalizer.ids import hashed_id, record_id
from normalizer.records import RawRecord
from normalizer.timestamps import from_datetime, from_epoch

MAX_DEPTH = 16  # below Elasticsearch's flattened depth limit (20), with room for applog.fields itself
MAX_VALUES = 1000
MAX_TIME_TEXT = 100
_CONVERT = converters(Conventions(dash_is_absent=False))
_TYPES = ecs_types(ECS_FIELDS)
Document = tuple[str, bytes, str]


class AppLog:
    """One app's map compiled once: `document(record, original)` is what the registry's LogType calls."""

    def __init__(self, spec: AppSpec) -> None:
        self.spec = spec
        self._copies = tuple((ecs, native, split_path(native), split_path(ecs), _CONVERT[_TYPES[ecs]])
                             for ecs, native in spec.declared().items() if ecs in RENAME_TARGETS)
        self._time_path = split_path(spec.timestamp) if spec.timestamp else None
        self._parse_time = _time_parser(spec.timestamp_format)
        self._pattern = re.compile(spec.pattern) if spec.pattern else None
        self._success = frozenset(v.lower() for v in spec.outcome_values.success)
        self._failure = frozenset(v.lower() for v in spec.outcome_values.failure)
        self._dataset = spec.dataset

    def document(self, record: RawRecord, original: bool = False) -> Document:
        """One record → (doc id, ECS document as JSON, dataset)."""
        event = record.data if isinstance(record.data, LogEvent) else None
        fields, line = self._fields(record, event)
        if line is None and _may_exceed(record.text):
            _check_bounds(fields)
        invalid: list[str] = []
        if line is not None and not fields and self._pattern is not None and event is None:
            raise NormalizationError("the line does not match the declared pattern (no timestamp to read)")
        doc: dict[str, Any] = {"@timestamp": self._timestamp(fields, event, invalid)}
        for ecs, native, path, target, convert in self._copies:
            value = get_path(fields, path)
            if value is None:
                continue
            if ecs == "message":
                put_path(doc, target, value if isinstance(value, str) else orjson.dumps(value).decode())
                continue
            if ecs == "event.outcome":
                value = self._outcome(value)
            try:
                value = convert(value, native)
            except NormalizationError:
                invalid.append(ecs)
                continue
            if value is not None:
                put_path(doc, target, value)
        if "message" not in doc and line is not None:
            doc["message"] = line
        event_doc = doc.setdefault("event", {})
        event_doc.update(kind="event", module=MODULE, dataset=self._dataset)
        if fields:
            put_path(doc, split_path(FLATTENED_HOME), fields)
        if invalid:
            put_path(doc, ("applog", "invalid"), invalid)
        _related(doc)
        if event is not None:
            _cloudwatch(doc, event)
            doc_id = hashed_id("cloudwatch", event.owner or "", event.log_group or "", event.id) if event.id else \
                record_id(record)
        else:
            doc["log"] = {**doc.get("log", {}), "offset": record.offset, "file": {"path": record.source}}
            doc_id = record_id(record)
        doc["ecs"] = {"version": ECS_VERSION}
        if original:
            event_doc["original"] = record.text
        return doc_id, orjson.dumps(doc), self._dataset

    def _fields(self, record: RawRecord, event: LogEvent | None) -> tuple[dict, str | None]:
        """The app's own fields, and the text line when the record is one (its `message` by default)."""
        if isinstance(record.data, dict):
            return record.data, None
        text = record.text
        if event is not None and text.startswith("{"):  # a CloudWatch event's message may be a JSON record
            try:
                data = orjson.loads(text)
            except orjson.JSONDecodeError:
                data = None
            if isinstance(data, dict):
                return data, None
        if self._pattern is not None:
            match = self._pattern.match(text)
            if match is not None:
                return {k: v for k, v in match.groupdict().items() if v is not None}, text
        return {}, text

    def _timestamp(self, fields: dict, event: LogEvent | None, invalid: list[str]) -> str:
        """The app's own time if it declares one and the record has it, else the CloudWatch event's
        (an unreadable own time is then named in `invalid`)."""
        native = self.spec.timestamp
        value = get_path(fields, self._time_path) if self._time_path else None
        if value is not None:
            try:
                return self._parse_time(value, native or "")
            except NormalizationError:
                if event is None or event.timestamp is None:
                    raise
                invalid.append("@timestamp")
        if event is not None and event.timestamp is not None:
            return from_epoch(event.timestamp, "timestamp", millis=True)
        where = f"no {native!r} field" if native else "no timestamp field is declared"
        raise NormalizationError(f"no timestamp: {where} and not a CloudWatch Logs event", field=native)

    def _outcome(self, value: object) -> str:
        """The app's word for an outcome → ECS event.outcome (success, failure, unknown)."""
        word = ("true" if value else "false") if isinstance(value, bool) else value
        if not isinstance(word, str | int):
            return "unknown"
        word = str(word).lower()
        return "success" if word in self._success else "failure" if word in self._failure else "unknown"


def _time_parser(time_format: str) -> Callable[[object, str], str]:
    if time_format == "iso8601":
        return _CONVERT["date"]  # ISO 8601 strings; epoch numbers in seconds or milliseconds too
    if time_format in ("epoch_s", "epoch_ms"):
        millis = time_format == "epoch_ms"
        return lambda value, field: from_epoch(value, field, millis=millis)

    def strptime(value: object, field: str) -> str:
        if not isinstance(value, str) or len(value) > MAX_TIME_TEXT:
            raise NormalizationError(f"not a timestamp in {time_format!r}: {excerpt(value)}", field=field)
        try:
            moment = datetime.strptime(value.strip(), time_format)
        except ValueError:
            raise NormalizationError(f"not a timestamp in {time_format!r}: {excerpt(value)}", field=field) from None
        return from_datetime(moment, field)

    return strptime


def _may_exceed(text: str) -> bool:
    """Whether a record's JSON text could break the bounds: nesting needs brackets and values need commas or
    brackets, so a text with few of them is within bounds without walking it (C-speed counts, once a record)."""
    brackets = text.count("{") + text.count("[")
    return brackets > MAX_DEPTH or brackets + text.count(",") >= MAX_VALUES


def _check_bounds(fields: dict) -> None:
    """Refuse a record nested deeper than MAX_DEPTH or holding more than MAX_VALUES values (iteratively:
    no recursion for an attacker to exhaust)."""
    pending: list[tuple[Any, int]] = [(fields, 1)]
    values = 0
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise NormalizationError(f"record nested deeper than {MAX_DEPTH} levels")
            items = value.values() if isinstance(value, dict) else value
            values += len(value)
            if values > MAX_VALUES:
                raise NormalizationError(f"record holds more than {MAX_VALUES} values")
            pending.extend((item, depth + 1) for item in items)


def _related(doc: dict) -> None:
    user = doc.get("user", {})
    add_related(doc, "user", *(user.get(k) for k in ("name", "id", "email")))
    add_related(doc, "ip", doc.get("source", {}).get("ip"), doc.get("destination", {}).get("ip"))
    if not doc["related"]["user"]:
        del doc["related"]["user"]
    if not doc["related"]["ip"]:
        del doc["related"]["ip"]
    if not doc["related"]:
        del doc["related"]


def _cloudwatch(doc: dict, event: LogEvent) -> None:
    """The envelope's log group, stream and owner (ECS cloud.account.id), as Elastic's integration names them."""
    cloudwatch = {k: v for k, v in (("log_group", event.log_group), ("log_stream", event.log_stream),
                                    ("subscription_filters", list(event.filters))) if v}
    if cloudwatch:
        doc["aws"] = {"cloudwatch": cloudwatch}
    if event.owner:
        doc["cloud"] = {"provider": "aws", "account": {"id": event.owner}}
    if event.id and "id" not in doc["event"]:
        doc["event"]["id"] = event.id
