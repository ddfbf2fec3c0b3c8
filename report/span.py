"""The report's time range and the bucket width its charts use over it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# Bucket widths a chart may use, smallest first; the first that fits the range in TARGET_BUCKETS wins.
WIDTHS = tuple(timedelta(minutes=m) for m in (1, 5, 10, 15, 30, 60, 180, 360, 720, 1440, 10080, 43200))
TARGET_BUCKETS = 48


@dataclass(frozen=True, slots=True)
class Span:
    """The closed range [start, end] the report covers; `explicit` when the user chose it."""

    start: datetime
    end: datetime
    explicit: bool = False

    @property
    def width(self) -> timedelta:
        """The chart bucket width: the smallest of WIDTHS giving at most TARGET_BUCKETS buckets."""
        length = self.end - self.start
        return next((w for w in WIDTHS if length / w <= TARGET_BUCKETS), WIDTHS[-1])

    def buckets(self) -> tuple[datetime, ...]:
        """Every bucket start, aligned as Elasticsearch aligns fixed intervals (multiples since the epoch)."""
        width = self.width
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        first = epoch + (self.start - epoch) // width * width
        out = []
        at = first
        while at <= self.end:
            out.append(at)
            at += width
        return tuple(out)


def label(when: datetime) -> str:
    """A time as the page shows it (UTC, to the minute)."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def duration(length: timedelta) -> str:
    """A bucket width as the page says it: 5m, 6h, 1d."""
    minutes = int(length.total_seconds() // 60)
    for unit, size in (("d", 1440), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"
