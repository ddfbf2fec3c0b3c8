"""Flow-log headers → compiled native plans: a header is checked against the field table once,
then the native core turns each line under it straight into its document's JSON bytes."""

from __future__ import annotations

from normalizer import _native
from normalizer.ecs import ECS_VERSION
from normalizer.errors import NormalizationError
from normalizer.timestamps import MAX_EPOCH, MIN_EPOCH
from normalizer.vpcflow.fields import BY_NATIVE, DEFAULT_HEADER, TCP_FLAG_NAMES, TRANSPORTS

# Compiled headers kept per process; an object has one, a shipper sees a handful.
_MAX_PLANS = 256

_plans: dict[tuple[str, ...], _native.FlowPlan] = {}


def plan(header: tuple[str, ...]) -> _native.FlowPlan:
    """The compiled plan for a header; NormalizationError naming an unknown or repeated field."""
    found = _plans.get(header)
    if found is None:
        if len(_plans) >= _MAX_PLANS:
            _plans.clear()
        found = _plans[header] = _compile(header)
    return found


def plan_for_record(header: tuple[str, ...] | None) -> _native.FlowPlan:
    """The plan for a record's header (None: an object without a header line, the default format)."""
    return plan(DEFAULT_HEADER if header is None else header)


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
