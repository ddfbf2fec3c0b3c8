"""Timestamps from AWS records → ECS dates, with absurd values rejected rather than indexed."""
from __future__ import annotations

from datetime import UTC, datetime

from normalizer.errors import NormalizationError, excerpt

# Nothing AWS logs predates 2006 (S3's launch); anything past 2100 is a corrupt or hostile value.
MIN_EPOCH = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
MAX_EPOCH = datetime(2100, 1, 1, tzinfo=UTC).timestamp()


def from_epoch(value: object, field: str, *, millis: bool = False) -> str:
    """Epoch seconds (or milliseconds) → ISO 8601 UTC with millisecond precision."""
    try:
        seconds = float(value) / (1000.0 if millis else 1.0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise NormalizationError(f"not an epoch timestamp: {excerpt(value)}", field=field) from None
    if not MIN_EPOCH <= seconds < MAX_EPOCH:
        raise NormalizationError(f"timestamp out of range: {excerpt(value)}", field=field)
    return _iso(datetime.fromtimestamp(seconds, tz=UTC))


def from_iso(value: object, field: str) -> str:
    """An ISO 8601 string ('2024-01-02T03:04:05Z', with or without fraction/offset) → UTC ISO 8601."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        raise NormalizationError(f"not an ISO 8601 timestamp: {excerpt(value)}", field=field)
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python's parser takes at most microseconds: drop nanosecond digits.
    dot = text.find(".")
    if dot != -1:
        end = dot + 1
        while end < len(text) and text[end].isdigit():
            end += 1
        text = text[: min(end, dot + 7)] + text[end:]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise NormalizationError(f"not an ISO 8601 timestamp: {value[:40]!r}", field=field) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not MIN_EPOCH <= parsed.timestamp() < MAX_EPOCH:
        raise NormalizationError(f"timestamp out of range: {value[:40]!r}", field=field)
    return _iso(parsed.astimezone(UTC))


def from_datetime(moment: datetime, field: str) -> str:
    """A parsed moment (naive: UTC) → UTC ISO 8601, refused outside the years the others accept."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not MIN_EPOCH <= moment.timestamp() < MAX_EPOCH:
        raise NormalizationError(f"timestamp out of range: {moment.isoformat()[:40]!r}", field=field)
    return _iso(moment.astimezone(UTC))


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
