"""Log type name → its reader, normalizer, id rule and field table (one dict, no magic)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import BinaryIO

import orjson

from normalizer import cloudtrail, guardduty, route53, vpcflow, waf
from normalizer.errors import NormalizationError
from normalizer.field_tables import FIELD_TABLES
from normalizer.fieldmap import Field
from normalizer.records import RawRecord, Skipped


@dataclass(frozen=True, slots=True)
class LogType:
    """Everything cloudsift knows about one AWS log source."""

    name: str
    datasets: tuple[str, ...]  # event.dataset values it writes (route53 writes two)
    read: Callable[[BinaryIO, str], Iterator[RawRecord | Skipped | NormalizationError]]
    normalize: Callable[[RawRecord, bool], dict]
    doc_id: Callable[[dict, RawRecord], str]
    fields: tuple[Field, ...]
    # One record → (doc_id, document as JSON bytes, event.dataset): what the sinks consume.
    document: Callable[[RawRecord, bool], Document]


Document = tuple[str, bytes, str]


def _document_of(module: ModuleType) -> Callable[[RawRecord, bool], Document]:
    """A source's own `document` (native sources build the bytes directly), else one made from
    its `normalize` and `doc_id`."""
    if hasattr(module, "document"):
        return module.document
    normalize, doc_id = module.normalize, module.doc_id

    def document(record: RawRecord, original: bool) -> Document:
        doc = normalize(record, original)
        return doc_id(doc, record), orjson.dumps(doc), doc["event"]["dataset"]

    return document


def _from_module(name: str, module: ModuleType) -> LogType:
    table = FIELD_TABLES[name]
    return LogType(
        name=name,
        datasets=table.datasets,
        read=module.read,
        normalize=module.normalize,
        doc_id=module.doc_id,
        fields=table.fields,
        document=_document_of(module),
    )


LOG_TYPES: dict[str, LogType] = {
    name: _from_module(name, module)
    for name, module in {
        "cloudtrail": cloudtrail,
        "vpcflow": vpcflow,
        "route53": route53,
        "waf": waf,
        "guardduty": guardduty,
    }.items()
}


def log_type(name: str) -> LogType:
    """The registered log type called `name`, or a NormalizationError listing the known ones."""
    try:
        return LOG_TYPES[name]
    except KeyError:
        raise NormalizationError(f"unknown log type {name!r}; known: {', '.join(LOG_TYPES)}") from None
