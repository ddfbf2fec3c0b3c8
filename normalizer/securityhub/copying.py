"""Copying a finding's native values into its document by field-table rows (ASFF and OCSF alike)."""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from normalizer.converters import Conventions, converters
from normalizer.ecs import get_path, put_path, split_path
from normalizer.errors import NormalizationError
from normalizer.fieldmap import Field
from normalizer.securityhub.fields import NESTED_RENAMES
from normalizer.timestamps import from_iso

__all__ = ["Row", "copy_rows", "rows"]

CONVENTIONS = Conventions(dash_is_absent=False, flattened_as_is=True)
_CONVERT = converters(CONVENTIONS)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_DATE_KEY = re.compile(r"(At|Time)$")
Row = tuple[tuple[str, ...], tuple[str, ...], str]  # native path, ECS path, type


def rows(fields: Iterable[Field]) -> tuple[Row, ...]:
    """(native path, ecs path, type) of every row with a native source, compiled once per table."""
    return tuple((split_path(f.native), split_path(f.ecs), f.type) for f in fields if f.native is not None)


def copy_rows(finding: dict, table: tuple[Row, ...], doc: dict) -> None:
    """Every value the table names, converted to its type, at its place in `doc` (empties left out)."""
    for native, ecs, kind in table:
        value = get_path(finding, native)
        if value is not None:
            value = convert(value, kind, ".".join(native))
            if value is not None and value != [] and value != {}:
                put_path(doc, ecs, value)


def convert(value: Any, kind: str, field: str) -> Any:
    """A native value in its table type; lists element-wise, OBJECT rows with snake_case keys."""
    if kind == "object":
        return _snake(value, field, 0)
    if kind == "flattened":
        return value
    convert = _CONVERT[kind]
    if isinstance(value, list):
        return [c for c in (convert(v, field) for v in value) if c is not None]
    value = convert(value, field)
    if kind == "keyword" and field.endswith("Mac") and value:
        value = value.replace(":", "-").upper()  # ECS writes MAC addresses upper-case, dash-separated
    return value


def _snake(value: Any, field: str, depth: int) -> Any:
    """ASFF CamelCase keys → snake_case (NESTED_RENAMES where Elastic chose other names); dates as ECS dates."""
    if depth > 20:
        raise NormalizationError("nested deeper than 20 levels", field=field)
    if isinstance(value, list):
        return [_snake(v, field, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        path = NESTED_RENAMES.get(key) or (_CAMEL.sub("_", key).lower(),)
        item = _snake(item, field, depth + 1)
        if isinstance(item, str) and _DATE_KEY.search(key):
            try:
                item = from_iso(item, field)
            except NormalizationError:
                pass  # kept as written: these objects are stored, not mapped as dates
        elif key in ("Lat", "Lon") and isinstance(item, int) and not isinstance(item, bool):
            item = float(item)
        elif key == "Asn" and isinstance(item, int):
            item = str(item)
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = item
    return out
