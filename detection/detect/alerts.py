"""Alerts as ECS documents: one per (rule, matched event), or per (correlation, group, window).

An alert's id is a hash of what it is about (rule id + the event's data stream + its _id, or rule
id + group + window start), so a rerun, an overlapping window or a restarted detector writes the
same id again, which `op_type: create` turns into a duplicate, never a second alert.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

from detection import kibana
from detection.compiler import Compiled
from detection.detect.timing import Window, iso
from normalizer.ids import hashed_id

ALERTS_DATASET = "cloudsift.alerts"
# The source event's fields an analyst triages by, copied into its alert when present (ECS names).
KEY_FIELDS = (
    "event.action", "event.category", "event.type", "event.outcome", "event.provider", "event.id",
    "source.ip", "source.address", "source.port", "source.geo.country_iso_code",
    "destination.ip", "destination.address", "destination.port", "network.transport",
    "user.name", "user.id", "user_agent.original", "cloud.provider", "cloud.account.id", "cloud.region",
    "cloud.instance.id",
    "dns.question.name", "url.domain", "url.original", "http.request.method", "related.ip", "related.user",
)
# Fields that say what the alert itself is: never taken from the source event.
_OWN = frozenset({"event.kind", "event.dataset", "event.module", "event.severity", "event.risk_score"})
# A data stream's backing index: `.ds-<stream>-<yyyy.MM.dd>-<generation>`.
_BACKING = re.compile(r"\.ds-(?P<stream>.+)-\d{4}\.\d{2}\.\d{2}-\d{6}")
# An alert names at most this many matched events (a correlation over a flood of events still fits).
MAX_MATCHED_IDS = 1000


def stream_of(index: str) -> str:
    """The data stream a backing index belongs to (the index itself when it is no backing index)."""
    found = _BACKING.fullmatch(index)
    return found["stream"] if found else index


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What every alert of one rule says about the rule."""

    id: str
    title: str
    description: str
    tags: tuple[str, ...]
    severity: str
    risk_score: int
    references: tuple[str, ...]
    author: str | None
    threat: dict | None

    @classmethod
    def of(cls, compiled: Compiled) -> RuleInfo:
        """The rule's identity, level and ATT&CK mapping (from its tags, as Kibana rules carry it)."""
        rule: SigmaRule | SigmaCorrelationRule = compiled.file.rule
        level = rule.level.name.lower() if rule.level else "medium"
        severity, risk = kibana.SEVERITY[level]
        return cls(str(rule.id), rule.title, rule.description or rule.title,
                   tuple(f"{t.namespace}.{t.name}" for t in rule.tags), severity, risk,
                   tuple(rule.references or ()), rule.author, _ecs_threat(kibana.threat(rule)))

    def doc(self) -> dict:
        """The alert's `rule` object (ECS)."""
        out: dict[str, str | list[str]] = {"id": self.id, "uuid": self.id, "name": self.title,
                                           "description": self.description,
               "ruleset": "cloudsift", "category": "sigma"}
        if self.references:
            out["reference"] = list(self.references)
        if self.author:
            out["author"] = [self.author]
        return out


def _ecs_threat(mapping: list[dict]) -> dict | None:
    """Kibana's per-tactic threat list as ECS `threat.*` (each field a list of keywords)."""
    if not mapping:
        return None
    tactics = [m["tactic"] for m in mapping]
    techniques = {t["id"]: t for m in mapping for t in m["technique"]}
    subs = {s["id"]: s for t in techniques.values() for s in t.get("subtechnique", [])}
    out: dict = {"framework": "MITRE ATT&CK",
                 "tactic": {k: [t[k] for t in tactics] for k in ("id", "name", "reference")}}
    if techniques:
        out["technique"] = {k: [t[k] for t in techniques.values()] for k in ("id", "name", "reference")}
        if subs:
            out["technique"]["subtechnique"] = {k: [s[k] for s in subs.values()] for k in ("id", "name", "reference")}
    return out


@dataclass(frozen=True, slots=True)
class Hit:
    """One matched document: where it is, its event time, and its key fields (flat ECS names → values)."""

    id: str
    index: str
    time: datetime
    fields: dict[str, list] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Alert:
    """A built alert: its deterministic id, its time (event or window start) and its document."""

    id: str
    rule: RuleInfo
    time: datetime
    fields: dict[str, object]  # flat ECS name → value: what suppression compares
    matched: tuple[Hit, ...]
    doc: dict

    def record(self) -> dict:
        """The JSON line `detect` prints for a new alert (the interface contract's keys, then extras)."""
        return {"rule_id": self.rule.id, "title": self.rule.title, "tags": list(self.rule.tags),
                "severity": self.rule.severity, "matched_ids": [h.id for h in self.matched],
                "alert_id": self.id, "risk_score": self.rule.risk_score, "time": iso(self.time),
                "matched_indices": sorted({h.index for h in self.matched})}


def _single(values: list) -> object:
    return values[0] if len(values) == 1 else values


def _nest(flat: dict[str, object]) -> dict:
    """Dotted names → nested objects (`source.ip` → {"source": {"ip": …}})."""
    out: dict = {}
    for name, value in sorted(flat.items()):
        *parents, leaf = name.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def _merge(into: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


def _common(hits: Iterable[Hit]) -> dict[str, object]:
    """The key fields every hit agrees on (a correlation's alert shows what its events share)."""
    hits = list(hits)
    if not hits:
        return {}
    shared = {}
    for name, values in hits[0].fields.items():
        if all(h.fields.get(name) == values for h in hits[1:]):
            shared[name] = _single(values)
    return shared


def _document(rule: RuleInfo, alert_id: str, created: datetime, source_fields: dict[str, object],
              alert: dict, namespace: str) -> dict:
    doc = _nest({k: v for k, v in source_fields.items() if k not in _OWN})
    own = {
        "@timestamp": iso(created),
        "message": rule.title,
        "tags": list(rule.tags),
        "event": {"kind": "signal", "dataset": ALERTS_DATASET, "module": "cloudsift", "created": iso(created),
                  "severity": rule.risk_score, "risk_score": rule.risk_score},
        "data_stream": {"type": "logs", "dataset": ALERTS_DATASET, "namespace": namespace},
        "rule": rule.doc(),
        "cloudsift": {"alert": {"id": alert_id, "severity": rule.severity, "risk_score": rule.risk_score, **alert}},
    }
    if rule.threat:
        own["threat"] = rule.threat
    return _merge(doc, own)


def _matched(hits: tuple[Hit, ...], total: int) -> dict:
    return {"ids": [h.id for h in hits], "indices": sorted({h.index for h in hits}),
            "streams": sorted({stream_of(h.index) for h in hits}), "count": total}


def for_event(rule: RuleInfo, hit: Hit, window: Window, created: datetime, namespace: str) -> Alert:
    """The alert of a plain rule on one event."""
    alert_id = hashed_id("alert", rule.id, stream_of(hit.index), hit.id)
    fields = {k: _single(v) for k, v in hit.fields.items()}
    doc = _document(rule, alert_id, created, fields, {
        "kind": "event", "original_time": iso(hit.time), "matched": _matched((hit,), 1),
        "search_window": {"start": iso(window.start), "end": iso(window.end)},
    }, namespace)
    return Alert(alert_id, rule, hit.time, fields, (hit,), doc)


def for_group(rule: RuleInfo, group: dict[str, object], start: datetime, end: datetime, value: int,
              hits: tuple[Hit, ...], total: int, window: Window, created: datetime, namespace: str) -> Alert:
    """The alert of a correlation for one group in one time window [start, end)."""
    group_key = orjson.dumps(group, option=orjson.OPT_SORT_KEYS).decode()
    alert_id = hashed_id("alert", rule.id, group_key, iso(start))
    fields = {**_common(hits[:MAX_MATCHED_IDS]), **group}
    doc = _document(rule, alert_id, created, fields, {
        "kind": "correlation", "original_time": iso(start),
        "window": {"start": iso(start), "end": iso(end)}, "group": _nest(group), "value": value,
        "matched": _matched(hits[:MAX_MATCHED_IDS], total),
        "search_window": {"start": iso(window.start), "end": iso(window.end)},
    }, namespace)
    return Alert(alert_id, rule, start, fields, hits[:MAX_MATCHED_IDS], doc)
