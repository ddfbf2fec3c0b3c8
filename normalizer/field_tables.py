"""Every source's field table (native name → ECS field and type) and the datasets it writes: pure data.

This is the one field map of DESIGN decision 1 as its readers meet it: the normalizer, the index
mappings (normalizer.mapping) and the Sigma pipeline (detection.fields) all read these tables.
Nothing here, nor in the table modules it imports (each source's fields.py), imports compiled code, so the rule tooling works
with only the Python dependencies installed.
"""
from __future__ import annotations

from dataclasses import dataclass

from normalizer.applog import fields as applog
from normalizer.cloudtrail import fields as cloudtrail
from normalizer.fieldmap import Field
from normalizer.guardduty import fields as guardduty
from normalizer.route53 import fields as route53
from normalizer.s3access import fields as s3access
from normalizer.securityhub import fields as securityhub
from normalizer.vpcflow import fields as vpcflow
from normalizer.waf import fields as waf


@dataclass(frozen=True, slots=True)
class FieldTable:
    """One source's part of the field map: the `event.dataset` values it writes and its rows."""

    datasets: tuple[str, ...]
    fields: tuple[Field, ...]


FIELD_TABLES: dict[str, FieldTable] = {
    "cloudtrail": FieldTable(cloudtrail.DATASETS, cloudtrail.FIELDS),
    "vpcflow": FieldTable(vpcflow.DATASETS, vpcflow.FIELDS),
    "route53": FieldTable(route53.DATASETS, route53.FIELDS),
    "waf": FieldTable(waf.DATASETS, waf.FIELDS),
    "guardduty": FieldTable(guardduty.DATASETS, guardduty.FIELDS),
    "s3access": FieldTable(s3access.DATASETS, s3access.FIELDS),
    "securityhub": FieldTable(securityhub.DATASETS, securityhub.FIELDS),
    "applog": FieldTable(applog.DATASETS, applog.FIELDS),
}
