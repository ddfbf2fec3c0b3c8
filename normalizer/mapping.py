"""Elasticsearch mappings derived from the field map: one source of truth for types.

Pure data (no client): the shipper installs these as index templates and the rule tests
create their throwaway indices with them, so a rule is tested on exactly the production mapping.
"""
from __future__ import annotations

from normalizer.fieldmap import Field, ecs_types
from normalizer.registry import LOG_TYPES

# Fields every source writes; sources list their own in their FIELDS tables.
BASE_FIELDS: tuple[Field, ...] = (
    Field(None, "@timestamp", "date"),
    Field(None, "message", "text"),
    Field(None, "tags", "keyword"),
    Field(None, "ecs.version", "keyword"),
    Field(None, "event.kind", "keyword"),
    Field(None, "event.category", "keyword"),
    Field(None, "event.type", "keyword"),
    Field(None, "event.outcome", "keyword"),
    Field(None, "event.action", "keyword"),
    Field(None, "event.dataset", "keyword"),
    Field(None, "event.module", "keyword"),
    Field(None, "event.provider", "keyword"),
    Field(None, "event.id", "keyword"),
    Field(None, "event.original", "keyword"),
    Field(None, "event.created", "date"),
    Field(None, "event.ingested", "date"),
    Field(None, "event.start", "date"),
    Field(None, "event.end", "date"),
    Field(None, "event.duration", "long"),
    Field(None, "event.severity", "long"),
    Field(None, "cloud.provider", "keyword"),
    Field(None, "cloud.account.id", "keyword"),
    Field(None, "cloud.region", "keyword"),
    Field(None, "related.ip", "ip"),
    Field(None, "related.user", "keyword"),
    Field(None, "related.hosts", "keyword"),
    Field(None, "related.entity", "keyword"),
    Field(None, "related.hash", "keyword"),
)

# Sigma matches strings case-insensitively (DESIGN decision 8) while analysts want exact values
# in aggregations: every keyword field keeps its exact value and gets a lowercase `caseless`
# sub-field that compiled rules query. doc_values off: it is only searched, never aggregated.
CASELESS = "caseless"
_CASELESS_SUBFIELD = {CASELESS: {"type": "keyword", "normalizer": "lowercase", "doc_values": False}}
# Long values (a URI, a policy document) are kept in _source but not indexed past this length.
IGNORE_ABOVE = 8191
# event.original is evidence, not a search target: stored in _source only.
NOT_INDEXED = frozenset({"event.original"})


def all_fields() -> tuple[Field, ...]:
    """Base fields plus every registered source's field map."""
    rows = list(BASE_FIELDS)
    for kind in LOG_TYPES.values():
        rows.extend(kind.fields)
    return tuple(rows)


def field_types() -> dict[str, str]:
    """ECS field → Elasticsearch type across all sources (a conflict is a bug in the tables)."""
    return ecs_types(all_fields())


def keyword_fields() -> frozenset[str]:
    """Fields that carry a `.caseless` sub-field."""
    return frozenset(name for name, kind in field_types().items() if kind == "keyword" and name not in NOT_INDEXED)


def _leaf(name: str, kind: str) -> dict:
    if name in NOT_INDEXED:
        return {"type": "keyword", "index": False, "doc_values": False}
    if kind == "keyword":
        return {"type": "keyword", "ignore_above": IGNORE_ABOVE, "fields": _CASELESS_SUBFIELD}
    if kind == "text":
        return {"type": "text"}
    if kind == "flattened":
        return {"type": "flattened", "ignore_above": IGNORE_ABOVE}
    if kind == "object":
        return {"type": "object", "enabled": False}
    return {"type": kind, "ignore_malformed": True} if kind in ("ip", "long", "double", "date") else {"type": kind}


def mappings() -> dict:
    """The `mappings` body for every cloudsift index: explicit fields, nothing dynamic.

    `dynamic: false` keeps unknown fields in _source without mapping them, so a hostile or
    new record can never explode the mapping; the field map decides what is searchable.
    """
    properties: dict = {}
    for name, kind in sorted(field_types().items()):
        node = properties
        parts = name.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {"properties": {}})
            if "properties" not in child:
                raise ValueError(f"field map: {name!r} needs {part!r} to be an object, but it is a {child.get('type')}")
            node = child["properties"]
        if parts[-1] in node and "properties" in node[parts[-1]]:
            raise ValueError(f"field map: {name!r} is both a value and an object")
        node[parts[-1]] = _leaf(name, kind)
    return {"dynamic": False, "date_detection": False, "properties": properties}
