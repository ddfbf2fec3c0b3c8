"""Log type name → its reader, document builder and field table (one dict, no magic)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import BinaryIO

import orjson

from normalizer import jsonlines
from normalizer.applog import reader as applog_reader
from normalizer.applog.document import AppLog
from normalizer.applog.spec import AppSpec, ecs_json
from normalizer.cloudtrail import document as cloudtrail
from normalizer.cloudtrail import reader as cloudtrail_reader
from normalizer.errors import NormalizationError
from normalizer.field_tables import FIELD_TABLES
from normalizer.fieldmap import Field
from normalizer.guardduty import document as guardduty
from normalizer.guardduty import reader as guardduty_reader
from normalizer.records import RawRecord, Skipped
from normalizer.route53 import document as route53
from normalizer.s3access import document as s3access
from normalizer.securityhub import document as securityhub
from normalizer.securityhub import reader as securityhub_reader
from normalizer.vpcflow import document as vpcflow
from normalizer.vpcflow import reader as vpcflow_reader
from normalizer.waf import document as waf

Reader = Callable[[BinaryIO, str], Iterator[RawRecord | Skipped | NormalizationError]]


@dataclass(frozen=True, slots=True)
class LogType:
    """Everything cloudsift knows about one AWS log source."""

    name: str
    datasets: tuple[str, ...]  # event.dataset values it writes (route53 writes two)
    read: Reader
    fields: tuple[Field, ...]
    # One record → (doc_id, document as JSON bytes, event.dataset): what the sinks consume.
    document: Callable[[RawRecord, bool], Document]


Document = tuple[str, bytes, str]


def _document_of(module: ModuleType) -> Callable[[RawRecord, bool], Document]:
    """A source's own `document` (native sources build the bytes and the id directly), else one
    made from its `normalize` and `doc_id`."""
    if hasattr(module, "document"):
        return module.document
    normalize, doc_id = module.normalize, module.doc_id

    def document(record: RawRecord, original: bool) -> Document:
        doc = normalize(record, original)
        return doc_id(doc, record), orjson.dumps(doc), doc["event"]["dataset"]

    return document


def _log_type(name: str, read: Reader, module: ModuleType) -> LogType:
    """The log type `name`: its field table, `read` for its objects, `module` (its document building)."""
    table = FIELD_TABLES[name]
    return LogType(
        name=name,
        datasets=table.datasets,
        read=read,
        fields=table.fields,
        document=_document_of(module),
    )


def applog_type(spec: AppSpec) -> LogType:
    """The log type of one application's logs, read and mapped by its declared field map."""
    text_only, envelopes_only = spec.format == "text", spec.format == "cloudwatch"

    def read(stream: BinaryIO, source: str) -> Iterator[RawRecord | Skipped | NormalizationError]:
        return applog_reader.read(stream, source, text_only=text_only, envelopes_only=envelopes_only)

    table = FIELD_TABLES["applog"]
    datasets = table.datasets if table.datasets == (spec.dataset,) else (spec.dataset,)
    return LogType(name="applog", datasets=datasets, read=read, fields=table.fields,
                   document=AppLog(spec).document)


LOG_TYPES: dict[str, LogType] = {
    "cloudtrail": _log_type("cloudtrail", cloudtrail_reader.read_records, cloudtrail),
    "vpcflow": _log_type("vpcflow", vpcflow_reader.read, vpcflow),
    "route53": _log_type("route53", jsonlines.read_lines, route53),
    "waf": _log_type("waf", jsonlines.read_lines, waf),
    "guardduty": _log_type("guardduty", guardduty_reader.read, guardduty),
    "s3access": _log_type("s3access", jsonlines.read_lines, s3access),
    "securityhub": _log_type("securityhub", securityhub_reader.read, securityhub),
    # Without a declared map: an app whose JSON records use ECS names (normalizer.applog.spec.ecs_json).
    "applog": applog_type(ecs_json()),
}


def log_type(name: str | LogType) -> LogType:
    """The registered log type called `name` (or `name` itself, one built for an app), or a
    NormalizationError listing the known ones."""
    if isinstance(name, LogType):
        return name
    try:
        return LOG_TYPES[name]
    except KeyError:
        raise NormalizationError(f"unknown log type {name!r}; known: {', '.join(LOG_TYPES)}") from None
