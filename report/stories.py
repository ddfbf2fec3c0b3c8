"""Attack stories: the alerts of one principal, host or source IP, in time order, with their ATT&CK tactics.

A group of alerts is a story when it spans at least MIN_TACTICS tactics (an attacker moving through
the kill chain: discovery, then privilege escalation, then exfiltration) or holds at least MIN_ALERTS
alerts (one relentless technique). `is_story` is the only place that says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from detection import attack
from detection.detect.timing import parse_time
from report.query import ALERT_TIME, Queries
from report.span import Span

MIN_TACTICS = 2
MIN_ALERTS = 5
# What an alert is grouped by: (what the page calls it, the alert field).
ENTITIES = (("principal", "user.name"), ("host", "cloud.instance.id"), ("source IP", "source.ip"))
# Entities examined per kind; stories told per kind (most tactics, then most alerts, first); alerts shown
# per story (the story says how many more it has). Together they bound the page and the query.
MAX_GROUPS = 500
MAX_STORIES = 25
MAX_STORY_ALERTS = 50
_SOURCE = ("rule.name", "cloudsift.alert.severity", ALERT_TIME, "threat.tactic.name", "event.action",
           "user.name", "source.ip", "cloud.instance.id", "cloud.account.id")
_TACTIC_ORDER = {t.name: i for i, t in enumerate(attack.TACTICS.values())}


def is_story(alerts: int, tactics: int) -> bool:
    """Whether a group of `alerts` alerts under `tactics` distinct tactics is an attack story."""
    return tactics >= MIN_TACTICS or alerts >= MIN_ALERTS


def tactic_order(name: str) -> int:
    """A tactic's place in ATT&CK's kill-chain order (unknown names last)."""
    return _TACTIC_ORDER.get(name, len(_TACTIC_ORDER))


@dataclass(frozen=True, slots=True)
class StoryAlert:
    """One alert as a story shows it."""

    id: str
    time: datetime
    rule: str
    severity: str
    tactics: tuple[str, ...]
    action: str


@dataclass(frozen=True, slots=True)
class Story:
    """The alerts of one entity (or of several, when they share exactly the same alerts)."""

    entities: tuple[tuple[str, str], ...]  # (kind, value), e.g. ("principal", "mallory")
    count: int  # every alert of the story; `alerts` holds the first MAX_STORY_ALERTS
    tactics: tuple[str, ...]  # in kill-chain order
    alerts: tuple[StoryAlert, ...]

    @property
    def start(self) -> datetime:
        return self.alerts[0].time

    @property
    def end(self) -> datetime:
        return self.alerts[-1].time


def _listed(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def _alert(source: dict) -> StoryAlert:
    alert = source.get("cloudsift", {}).get("alert", {})
    return StoryAlert(source["_id"], parse_time(str(alert.get("original_time"))),
                      str(source.get("rule", {}).get("name", "")), str(alert.get("severity", "")),
                      tuple(sorted(_listed(source.get("threat", {}).get("tactic", {}).get("name")), key=tactic_order)),
                      ", ".join(_listed(source.get("event", {}).get("action"))))


def find(queries: Queries, span: Span) -> tuple[Story, ...]:
    """The stories of the span (at most MAX_STORIES per kind of entity): most tactics first, then most
    alerts, then earliest."""
    stories: dict[frozenset[str], Story] = {}
    for kind, field in ENTITIES:
        groups = sorted((g for g in queries.groups(field, span, MAX_GROUPS) if is_story(g.count, len(g.tactics))),
                        key=lambda g: (-len(g.tactics), -g.count))[:MAX_STORIES]
        found = queries.alerts_of(field, [g.key for g in groups], span, MAX_STORY_ALERTS, _SOURCE)
        for group in groups:
            alerts = tuple(_alert(s) for s in found.get(group.key, ()))
            if not alerts:
                continue
            # One principal from one IP is one story, told once under both names.
            same = frozenset(a.id for a in alerts) if group.count == len(alerts) else frozenset(
                (kind, group.key))
            known = stories.get(same)
            if known is not None:
                stories[same] = Story((*known.entities, (kind, group.key)), known.count, known.tactics, known.alerts)
                continue
            stories[same] = Story(((kind, group.key),), group.count,
                                  tuple(sorted(group.tactics, key=tactic_order)), alerts)
    return tuple(sorted(stories.values(), key=lambda s: (-len(s.tactics), -s.count, s.start)))
