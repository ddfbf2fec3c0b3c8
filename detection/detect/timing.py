"""Durations, `--since` and the look-back window of one rule run.

A window is [start, end) on the detector's time field (event.ingested by default: when cloudsift
indexed the event, so a log AWS delivers late is still searched once it arrives). Each run starts
`overlap` before the end of the last completed one, so an event that became searchable a little
after its time stamp is still found; alert ids are deterministic, so the overlap never duplicates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from detection.errors import DetectionError

_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class TimingError(DetectionError):
    """A duration or a time that cannot be read."""


def parse_duration(text: str) -> timedelta:
    """`90s`, `5m`, `2h`, `1d`, `1w`, or several (`1h30m`), as a timedelta."""
    text = text.strip()
    parts = _DURATION.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise TimingError(f"{text!r} is not a duration (e.g. 90s, 5m, 2h, 1d, 1h30m)")
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


def parse_time(text: str) -> datetime:
    """An ISO 8601 time; one without a zone is UTC."""
    try:
        when = datetime.fromisoformat(text.strip())  # Python 3.11 reads a trailing Z
    except ValueError:
        raise TimingError(f"{text!r} is neither an ISO 8601 time nor a duration (e.g. 2026-11-20T10:00:00Z, 15m)"
                          ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def parse_since(text: str, now: datetime) -> datetime:
    """`--since`: an ISO 8601 time, or a duration before `now`."""
    try:
        return now - parse_duration(text)
    except TimingError:
        return parse_time(text)


def iso(when: datetime) -> str:
    """The time as Elasticsearch and the state index store it: UTC, milliseconds, `Z`."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Window:
    """The half-open range [start, end) of the time field one rule run searches."""

    start: datetime
    end: datetime

    def range_filter(self, field: str) -> dict:
        """The Query DSL filter selecting this window on `field`."""
        return {"range": {field: {"gte": iso(self.start), "lt": iso(self.end), "format": "strict_date_optional_time"}}}


def plan(now: datetime, last_end: datetime | None, since: datetime | None, interval: timedelta,
         overlap: timedelta) -> Window:
    """The window of a run at `now`: from `since` when given, else `overlap` before the last completed
    window's end, else (a rule's first run) one interval and the overlap back, as Kibana's `from` does."""
    if since is not None:
        start = since
    elif last_end is not None:
        start = last_end - overlap
    else:
        start = now - interval - overlap
    return Window(min(start, now), now)
