"""VPC Flow Logs (and Transit Gateway flow logs) lines → ECS documents.

Flow logs come by the billion and the goal is >= 250k lines/s on one core, so the per-line work
is native (normalizer/native/src/vpcflow/): each distinct header is compiled once into a native
plan (plans.py), which turns a line straight into its document's JSON bytes.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson

from normalizer import _native
from normalizer.records import RawRecord
from normalizer.vpcflow.plans import plan_for_record


def normalize(record: RawRecord, original: bool = False) -> dict:
    """One flow-log line → its ECS document as a dict (for callers that inspect it)."""
    return orjson.loads(document(record, original)[1])


# document(record, original=False) → (doc_id, ECS document as JSON bytes, event.dataset): natively,
# the per-record entry point. It finds the plan by the header tuple every line of an object shares
# (asking plan_for_record for a new one). Flow records carry no id of their own: the id is
# normalizer.ids.record_id's, the object's URL and the line's byte offset.
document: Callable[[RawRecord, bool], tuple[str, bytes, str]] = _native.FlowDocuments(plan_for_record).document
