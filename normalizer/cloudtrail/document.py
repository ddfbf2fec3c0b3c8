"""AWS CloudTrail events → ECS, matching Elastic's AWS integration (see docs/fields/cloudtrail.md).

The per-record work is native (normalizer/native/src/cloudtrail/): it parses the record and
writes the ECS document's JSON bytes without building Python objects. The field map and the
per-API tables stay data (fields.py), handed to the native plan once at import.
Values are hostile input: anything Elasticsearch would refuse raises a NormalizationError
naming the native field.
"""
from __future__ import annotations

from collections.abc import Callable

import orjson

from normalizer import _native
from normalizer.cloudtrail import fields as table
from normalizer.converters import FLATTENED_MAX_DEPTH
from normalizer.ecs import ECS_VERSION
from normalizer.records import RawRecord
from normalizer.timestamps import MAX_EPOCH, MIN_EPOCH

# Objects kept only as flattened fields (no string form), by native name → name under flattened.
_FLATTENED_ONLY = (("insightDetails", "insight_details"), ("edgeDeviceDetails", "edge_device_details"))

_PLAN = _native.CloudTrail(
    copied=[(f.native, f.ecs, f.type) for f in table.COPIED if f.native is not None],
    objects=list(table.OBJECTS),
    flattened_objects=list(_FLATTENED_ONLY),
    flattened_max_depth=FLATTENED_MAX_DEPTH,
    # Every top-level native key the normalizer reads; any other is kept in flattened.unmapped.
    known={f.native.split(".")[0] for f in table.FIELDS if f.native},
    categories=table.CATEGORIES,
    related=table.RELATED,
    targets=table.TARGETS,
    hosts=table.HOSTS,
    user_resource_types=table.USER_RESOURCE_TYPES,
    host_resource_types=table.HOST_RESOURCE_TYPES,
    service_resource_types=table.SERVICE_RESOURCE_TYPES,
    host_id_prefixes=table.HOST_ID_PREFIXES,
    service_id_prefixes=table.SERVICE_ID_PREFIXES,
    user_identity_types=table.USER_IDENTITY_TYPES,
    ecs_version=ECS_VERSION,
    # Epoch seconds an event's time may hold (the native core refuses others, as from_iso does).
    epochs=(int(MIN_EPOCH), int(MAX_EPOCH)),
)

# One event (or an EventBridge envelope of one) → (doc_id, ECS document as JSON bytes, dataset).
# The document's _id is the eventID (one event delivered twice is one document), else
# normalizer.ids.record_id's. Bound straight to the native method: normalize_stream calls it once per record.
document: Callable[[RawRecord, bool], tuple[str, bytes, str]] = _PLAN.document


def normalize(record: RawRecord, original: bool = False) -> dict:
    """One CloudTrail event as an ECS document dict (for callers that inspect it)."""
    return orjson.loads(document(record, original)[1])
