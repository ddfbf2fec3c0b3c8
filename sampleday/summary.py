"""What the demo prints: records per dataset, alerts per rule, the stories found and missed.

Everything is read back from Elasticsearch (the namespace's data streams and its alerts stream), so
a rerun prints the same picture; only the "this run" line depends on what the run added.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch

from sampleday.stories import STORIES, Story

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
_PAGE = 5000


@dataclass(frozen=True, slots=True)
class RuleAlerts:
    """The alerts one rule raised: how many, and how many of them belong to no story."""

    rule_id: str
    title: str
    severity: str
    count: int
    stories: tuple[str, ...]
    background: int


@dataclass(frozen=True, slots=True)
class StoryResult:
    """A story and its stages with (True) or without an alert tied to the story."""

    story: Story
    stages: tuple[tuple[str, bool], ...]

    @property
    def found(self) -> bool:
        return all(hit for _, hit in self.stages)


@dataclass(frozen=True, slots=True)
class Summary:
    """The whole picture of one namespace."""

    records: dict[str, int]  # event.dataset → documents
    deadletters: int
    rules: tuple[RuleAlerts, ...]
    stories: tuple[StoryResult, ...]

    @property
    def background_alerts(self) -> int:
        return sum(rule.background for rule in self.rules)

    @property
    def found(self) -> int:
        return sum(result.found for result in self.stories)


def story_of(alert: dict, stories: tuple[Story, ...] = STORIES) -> Story | None:
    """The story an alert belongs to: the first whose indicators its related addresses or users name."""
    related = alert.get("related", {})
    names: set[str] = set()
    for key in ("ip", "user"):
        value = related.get(key, [])
        names.update([value] if isinstance(value, str) else value)
    return next((story for story in stories if names & set(story.indicators)), None)


def _alerts(es: Elasticsearch, index: str) -> list[dict]:
    """Every alert's rule and related fields, page by page."""
    out: list[dict] = []
    after: list[Any] | None = None
    while True:
        body: dict[str, Any] = {"size": _PAGE, "sort": [{"cloudsift.alert.id": "asc"}],
                                "_source": ["rule.id", "rule.name", "cloudsift.alert.severity", "related"]}
        if after:
            body["search_after"] = after
        hits = es.search(index=index, **body)["hits"]["hits"]
        out += [hit["_source"] for hit in hits]
        if len(hits) < _PAGE:
            return out
        after = hits[-1]["sort"]


def summarize(es: Elasticsearch, namespace: str, stories: tuple[Story, ...] = STORIES) -> Summary:
    """Read the namespace's documents and alerts back and judge the stories."""
    es = es.options(ignore_status=404)
    data, alerts_index = f"logs-*.cloudsift-{namespace}", f"logs-cloudsift.alerts-{namespace}"
    es.indices.refresh(index=f"{data},{alerts_index},logs-cloudsift.deadletter-{namespace}",
                       ignore_unavailable=True, allow_no_indices=True)
    agg = es.search(index=data, size=0, aggs={"d": {"terms": {"field": "event.dataset", "size": 50}}},
                    ignore_unavailable=True, allow_no_indices=True)
    buckets = agg.get("aggregations", {}).get("d", {}).get("buckets", [])
    records = {b["key"]: b["doc_count"] for b in buckets}
    dead = es.count(index=f"logs-cloudsift.deadletter-{namespace}").body.get("count", 0)
    counts: Counter[str] = Counter()
    background: Counter[str] = Counter()
    tied: dict[str, set[str]] = {}  # rule id → stories its alerts belong to
    info: dict[str, tuple[str, str]] = {}
    alerts = _alerts(es, alerts_index) if es.indices.exists(index=alerts_index) else []
    for alert in alerts:
        rule = alert["rule"]["id"]
        counts[rule] += 1
        info[rule] = (alert["rule"].get("name", rule), alert.get("cloudsift", {}).get("alert", {}).get("severity", ""))
        story = story_of(alert, stories)
        if story is None:
            background[rule] += 1
        else:
            tied.setdefault(rule, set()).add(story.name)
    rules = tuple(sorted((RuleAlerts(rule, info[rule][0], info[rule][1], n, tuple(sorted(tied.get(rule, ()))),
                                     background[rule]) for rule, n in counts.items()),
                         key=lambda r: (SEVERITY_ORDER.get(r.severity, 9), -r.count, r.title)))
    results = tuple(StoryResult(story, tuple((stage.name, any(story.name in tied.get(rule, ()) for rule in stage.rules))
                                             for stage in story.stages)) for story in stories)
    return Summary(records, dead, rules, results)


def render(summary: Summary, this_run: str) -> str:
    """The text a person reads at a glance."""
    lines = ["", "records per dataset"]
    for dataset, n in sorted(summary.records.items()):
        lines.append(f"  {dataset:<44} {n:>9,}")
    lines.append(f"  {'dead letters':<44} {summary.deadletters:>9,}")
    lines += ["", f"alerts per rule ({sum(r.count for r in summary.rules):,} alerts)"]
    for rule in summary.rules:
        where = ", ".join(rule.stories) or "-"
        if rule.background:
            where += f"; {rule.background} on background activity"
        lines.append(f"  {rule.severity:<8} {rule.count:>5}  {rule.title[:70]:<70}  [{where}]")
    lines += ["", "attack stories"]
    for result in summary.stories:
        marks = ", ".join(f"{name} {'found' if hit else 'MISSED'}" for name, hit in result.stages)
        lines.append(f"  {'found ' if result.found else 'MISSED'}  {result.story.name}: {result.story.summary}")
        lines.append(f"          stages: {marks}")
    lines.append(f"attack stories found: {summary.found}/{len(summary.stories)}")
    noisy = [f"{r.title} ({r.background})" for r in summary.rules if r.background]
    lines.append(f"alerts on background activity: {summary.background_alerts}"
                 + (f": {'; '.join(noisy)}" if noisy else ""))
    lines += ["", this_run, "", "where to look next"]
    for result in summary.stories:
        lines.append(f"  {result.story.name}: {result.story.look_next}")
    lines.append("  every alert: the data stream logs-cloudsift.alerts-<namespace> (rule.name, cloudsift.alert.matched.ids)")
    return "\n".join(lines)
