"""The field map: native AWS field names → ECS fields, as data (DESIGN decision 1).

Each source module declares a tuple of `Field`s. Three consumers read the same tables:
the normalizer (where each native value lands), the Sigma processing pipeline (a rule that
names `eventName` queries `event.action`), and the index templates (the `type` column).
"""
from __future__ import annotations

from dataclasses import dataclass

# Elasticsearch field types the templates may use; all exist on the integ-test node. Named here for
# the tables that spell types often (GuardDuty's); `object` marks an opaque object (or, in
# GuardDuty's table, a list of objects), `flattened` a free-form one kept searchable.
KEYWORD, TEXT, LONG, DOUBLE, BOOLEAN = "keyword", "text", "long", "double", "boolean"
DATE, IP, FLATTENED, OBJECT, GEO_POINT = "date", "ip", "flattened", "object", "geo_point"
TYPES = frozenset({KEYWORD, TEXT, LONG, DOUBLE, BOOLEAN, DATE, IP, FLATTENED, OBJECT, GEO_POINT})


@dataclass(frozen=True, slots=True)
class Field:
    """One row of the map: where a native field's value lands in the ECS document.

    `native` is the dotted name in the raw AWS record exactly as AWS spells it (what Sigma
    rules use); None for a field the normalizer derives with no single native source.
    `ecs` is the dotted destination; `type` its Elasticsearch type for the templates.
    A native value may land in several fields (GuardDuty's `severity` in `event.severity` as a
    long and in `aws.guardduty.severity.code` as written): its FIRST row is the one rules query,
    so tables list the field holding the value verbatim first.
    """

    native: str | None
    ecs: str
    type: str = KEYWORD

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"field map row {self.native!r} → {self.ecs!r}: unknown type {self.type!r}")


def ecs_types(fields: tuple[Field, ...]) -> dict[str, str]:
    """ECS name → Elasticsearch type for a source's map (what the index templates need)."""
    out: dict[str, str] = {}
    for f in fields:
        known = out.setdefault(f.ecs, f.type)
        if known != f.type:
            raise ValueError(f"field map: {f.ecs!r} declared both {known!r} and {f.type!r}")
    return out
