"""Small helpers to build nested ECS documents from dotted paths."""
from __future__ import annotations

from typing import Any

# The ECS release documents follow (ecs.version): the one Elastic's AWS integration writes.
ECS_VERSION = "8.11.0"
_MISSING = object()


def split_path(dotted: str) -> tuple[str, ...]:
    """'source.ip' → ('source', 'ip'); done once per table row, not per record."""
    return tuple(dotted.split("."))


def get_path(obj: Any, path: tuple[str, ...], default: Any = None) -> Any:
    """The value at `path` in nested dicts, or `default` when any step is missing."""
    for key in path:
        if not isinstance(obj, dict):
            return default
        obj = obj.get(key, _MISSING)
        if obj is _MISSING:
            return default
    return obj


def put_path(doc: dict, path: tuple[str, ...], value: Any) -> None:
    """Set `value` at `path`, creating intermediate objects."""
    node = doc
    for key in path[:-1]:  # section()'s walk, inline: this runs for every copied value
        child = node.get(key)
        if child.__class__ is not dict:
            child = node[key] = {}
        node = child
    node[path[-1]] = value


def section(doc: dict, path: tuple[str, ...]) -> dict:
    """The object at `path` in `doc`, created (with its parents) where missing or not an object."""
    node = doc
    for key in path:
        child = node.get(key)
        if child.__class__ is not dict:
            child = node[key] = {}
        node = child
    return node


def add_related(doc: dict, kind: str, *values: Any) -> None:
    """Append distinct non-empty values to `related.<kind>` (ip, user, hosts, hash)."""
    related = doc.setdefault("related", {})
    bucket = related.setdefault(kind, [])
    for value in values:
        if value not in (None, "", "-") and value not in bucket:
            bucket.append(value)
