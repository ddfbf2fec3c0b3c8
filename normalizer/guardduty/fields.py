"""GuardDuty's field table: the finding's exact counterparts (finding_fields), then the ECS copies
and derived fields (ecs_fields), with the lists of objects and list-valued natives the copy needs."""
from __future__ import annotations

from normalizer.fieldmap import Field
from normalizer.guardduty.ecs_fields import DERIVED, ECS_COPIES
from normalizer.guardduty.finding_fields import EXACT, GD, LIST_VALUED, LISTS

__all__ = ["DATASETS", "FIELDS", "GD", "LISTS", "LIST_VALUED"]

DATASETS: tuple[str, ...] = ("aws.guardduty",)

# Exact counterparts come first: a native name's first row is the one Sigma rules query, and a rule
# naming a native field should match the value as AWS wrote it (severity 8.9, protocol "TCP").
FIELDS: tuple[Field, ...] = EXACT + ECS_COPIES + DERIVED
