"""What the report shows, gathered from the cluster in one pass: a value the page renders."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from detection.coverage import Coverage
from report import stories
from report.query import ALERT_TIME, EVENT_TIME, Histogram, Queries, Ranked
from report.span import Span

SEVERITIES = ("critical", "high", "medium", "low")


def severity_order(name: str) -> int:
    """Worst first; unknown severities last."""
    return SEVERITIES.index(name) if name in SEVERITIES else len(SEVERITIES)


@dataclass(frozen=True, slots=True)
class Report:
    """Everything on the page."""

    span: Span
    namespace: str | None
    generated: datetime
    events: Histogram
    alerts_by_rule: Histogram
    alerts_by_severity: Histogram
    stories: tuple[stories.Story, ...]
    principals: tuple[Ranked, ...]
    source_ips: tuple[Ranked, ...]
    deadletters: tuple[Ranked, ...]
    coverage: Coverage | None
    tactic_alerts: dict[str, int]


def gather(queries: Queries, span: Span, namespace: str | None, coverage: Coverage | None,
           generated: datetime) -> Report:
    """Ask the cluster every question of the report over `span`."""
    alerts = queries.indices.alerts
    return Report(
        span=span, namespace=namespace, generated=generated,
        events=queries.histogram(queries.indices.events, EVENT_TIME, "event.dataset", span),
        alerts_by_rule=queries.histogram(alerts, ALERT_TIME, "rule.name", span),
        alerts_by_severity=queries.histogram(alerts, ALERT_TIME, "cloudsift.alert.severity", span,
                                             order=severity_order),
        stories=stories.find(queries, span),
        principals=queries.top(alerts, "user.name", ALERT_TIME, span, ("rule(s)", "rule.id")),
        source_ips=queries.top(alerts, "source.ip", ALERT_TIME, span, ("rule(s)", "rule.id")),
        deadletters=queries.deadletters(span),
        coverage=coverage,
        tactic_alerts=queries.tactics(span),
    )
