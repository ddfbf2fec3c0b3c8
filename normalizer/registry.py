"""Log type name → its reader, normalizer, id rule and field map (one dict, no magic)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import BinaryIO

from normalizer import cloudtrail, guardduty, route53, vpcflow, waf
from normalizer.errors import NormalizationError
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


def _from_module(name: str, module: ModuleType) -> LogType:
    return LogType(
        name=name,
        datasets=tuple(module.DATASETS),
        read=module.read,
        normalize=module.normalize,
        doc_id=module.doc_id,
        fields=tuple(module.FIELDS),
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
