"""Every source's field table (native name → ECS field and type) and the datasets it writes: pure data.

This is the one field map of DESIGN decision 1 as its readers meet it: the normalizer, the index
mappings (normalizer.mapping) and the Sigma pipeline (detection.fields) all read these tables.
Nothing here, nor in the table modules it imports, imports compiled code, so the rule tooling works
with only the Python dependencies installed.
"""
from __future__ import annotations

from dataclasses import dataclass

from normalizer import cloudtrail_fields, guardduty_ecs, route53_fields, vpcflow_fields, waf_fields
from normalizer.fieldmap import Field


@dataclass(frozen=True, slots=True)
class FieldTable:
    """One source's part of the field map: the `event.dataset` values it writes and its rows."""

    datasets: tuple[str, ...]
    fields: tuple[Field, ...]


FIELD_TABLES: dict[str, FieldTable] = {
    "cloudtrail": FieldTable(cloudtrail_fields.DATASETS, cloudtrail_fields.FIELDS),
    "vpcflow": FieldTable(vpcflow_fields.DATASETS, vpcflow_fields.FIELDS),
    "route53": FieldTable(route53_fields.DATASETS, route53_fields.FIELDS),
    "waf": FieldTable(waf_fields.DATASETS, waf_fields.FIELDS),
    "guardduty": FieldTable(guardduty_ecs.DATASETS, guardduty_ecs.FIELDS),
}
