"""Elasticsearch mappings derived from the field map: one source of truth for types.

Pure data (no client): the shipper installs these as index templates and the rule tests
create their throwaway indices with them, so a rule is tested on exactly the production mapping.
"""
from __future__ import annotations

from collections.abc import Iterable

from normalizer.field_tables import FIELD_TABLES
from normalizer.fieldmap import Field, ecs_types
from normalizer.geo import fields as geo

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
# Long values (a URI, a policy document) are kept in _source but not indexed past this length
# (characters; 8191 of them stay under Lucene's 32766-byte term limit in any UTF-8). The sub-field
# needs its own bound: without it, one oversized value made Elasticsearch refuse the whole document.
IGNORE_ABOVE = 8191
_CASELESS_SUBFIELD = {CASELESS: {"type": "keyword", "normalizer": "lowercase", "doc_values": False,
                                 "ignore_above": IGNORE_ABOVE}}
# event.original is evidence, not a search target: stored in _source only.
NOT_INDEXED = frozenset({"event.original"})


def all_fields(log_types: Iterable[str] | None = None) -> tuple[Field, ...]:
    """Base fields, the IP enrichment's (normalizer.geo.fields), plus the field maps of `log_types` (default: every registered source)."""
    rows = [*BASE_FIELDS, *geo.FIELDS]
    for name in FIELD_TABLES if log_types is None else log_types:
        rows.extend(FIELD_TABLES[name].fields)
    return tuple(rows)


def field_types(log_types: Iterable[str] | None = None) -> dict[str, str]:
    """ECS field → Elasticsearch type (a conflict between sources is a bug in the tables)."""
    return ecs_types(all_fields(log_types))


def index_settings() -> dict:
    """Index settings every cloudsift index needs beside its mappings."""
    # Every field is mapped explicitly (plus its caseless sub-field), so the union of all five
    # sources passes Elasticsearch's default limit of 1000; dynamic mapping is off, so this
    # limit cannot be reached by input, only by the field map itself.
    return {"index.mapping.total_fields.limit": 5000}


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
    if name == "@timestamp":
        # Data streams refuse ignore_malformed here: a document without a valid time is refused
        # (and dead-lettered) rather than indexed timeless.
        return {"type": "date"}
    return {"type": kind, "ignore_malformed": True} if kind in ("ip", "long", "double", "date", "geo_point") else {"type": kind}


def mappings(log_types: Iterable[str] | None = None) -> dict:
    """The `mappings` body for every cloudsift index: explicit fields, nothing dynamic.

    `dynamic: false` keeps unknown fields in _source without mapping them, so a hostile or
    new record can never explode the mapping; the field map decides what is searchable.
    """
    properties: dict = {}
    for name, kind in sorted(field_types(log_types).items()):
        node = properties
        parts = name.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {"properties": {}})
            if child.get("type") == "object":  # an opaque object row that has mapped children after all
                child.clear()
                child["properties"] = {}
            if "properties" not in child:
                raise ValueError(f"field map: {name!r} needs {part!r} to be an object, but it is a {child['type']}")
            node = child["properties"]
        if "properties" in node.get(parts[-1], {}):
            if kind != "object":
                raise ValueError(f"field map: {name!r} is both a {kind} value and an object")
            continue
        node[parts[-1]] = _leaf(name, kind)
    return {"dynamic": False, "date_detection": False, "properties": properties}
