"""The sliding timespan of a correlation (pure: per-second buckets in, alert windows out)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from detection.correlation import Correlation
from detection.detect.correlate import scan

T0 = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)


def _corr(op: str = "gte", count: int = 3, timespan: int = 60) -> Correlation:
    return Correlation(kind="event_count", service="waf", rules=(("block", "event.action:BLOCK"),),
                       group_by=("source.ip",), timespan=timespan, op=op, count=count, field=None)


def _seconds(*offsets: int) -> list[tuple[datetime, dict]]:
    return [(T0 + timedelta(seconds=s), {"doc_count": 1}) for s in offsets]


def test_burst_across_a_minute_boundary_fires() -> None:
    """Three events at :50, :55 and 1:05 are within one minute: fixed minutes would miss them."""
    assert [(s, v) for s, _, v in scan(_corr(), _seconds(50, 55, 65), None, T0 + timedelta(hours=1))] == [
        (T0 + timedelta(seconds=50), 3)]


def test_a_long_burst_alerts_once_per_timespan() -> None:
    """Six events in two minutes, three a minute: two windows, none overlapping."""
    windows = list(scan(_corr(), _seconds(0, 10, 20, 60, 70, 80), None, T0 + timedelta(hours=1)))
    assert [s for s, _, _ in windows] == [T0, T0 + timedelta(seconds=60)]


def test_the_groups_last_alert_window_is_not_alerted_again() -> None:
    """A rerun that re-reads the burst starts after the end of the group's last alert window."""
    assert list(scan(_corr(), _seconds(0, 10, 20), T0 + timedelta(seconds=60), T0 + timedelta(hours=1))) == []


def test_lt_waits_for_a_whole_window() -> None:
    """`lt` judges a window only once it lies before the run's end (more events may still come)."""
    corr = _corr(op="lt", count=3)
    assert list(scan(corr, _seconds(0), None, T0 + timedelta(seconds=30))) == []
    assert [s for s, _, _ in scan(corr, _seconds(0), None, T0 + timedelta(seconds=60))] == [T0]
