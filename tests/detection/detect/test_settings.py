"""Detector settings: durations, windows, and every problem of a settings file at once."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from detection import streams
from detection.detect.alerts import stream_of
from detection.detect.settings import SettingsError, load
from detection.detect.timing import parse_duration, parse_since, plan
from shipper import templates

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_durations_and_since() -> None:
    """Durations combine units; --since takes a duration before now or an ISO time."""
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_since("15m", NOW) == NOW - timedelta(minutes=15)
    assert parse_since("2026-11-20T10:00:00Z", NOW) == datetime(2026, 11, 20, 10, tzinfo=UTC)


def test_window_resumes_an_overlap_before_the_last_end() -> None:
    """A rule's run starts `overlap` before its last completed window ended; a first run looks one interval back."""
    last = NOW - timedelta(minutes=5)
    assert plan(NOW, last, None, timedelta(minutes=5), timedelta(minutes=2)).start == last - timedelta(minutes=2)
    assert plan(NOW, None, None, timedelta(minutes=5), timedelta(minutes=2)).start == NOW - timedelta(minutes=7)


def test_settings_file_reports_every_problem_with_its_path(tmp_path: Path) -> None:
    """Each wrong key is one problem naming its key path; nothing is silently ignored."""
    path = tmp_path / "detect.yml"
    path.write_text("interval: soon\nwebhook: {url: ftp://x, attempts: 0}\nrules:\n  r1: {suppress: {by: [a b]}}\n"
                    "colour: blue\n")
    with pytest.raises(SettingsError) as caught:
        load(path, {})
    problems = "\n".join(caught.value.problems)
    for where in ("interval:", "webhook.url:", "webhook.attempts:", "rules.r1.suppress.by[0]:",
                  "rules.r1.suppress.for:", "colour: unknown setting"):
        assert where in problems


def test_a_rules_own_suppression_replaces_the_default(tmp_path: Path) -> None:
    """`suppress` applies to every rule unless the rule has its own."""
    path = tmp_path / "detect.yml"
    path.write_text("suppress: {by: source.ip, for: 1h}\nrules:\n  r1: {suppress: {by: [user.name], for: 5m}}\n")
    settings = load(path, {})
    assert settings.rule("r1").suppress.by == ("user.name",)
    assert settings.rule("other").suppress.by == ("source.ip",)


def test_alerts_stream_names_agree() -> None:
    """The detector writes to the stream whose template the shipper installs."""
    assert streams.alerts_stream("prod") == templates.alerts_stream("prod")
    assert stream_of(".ds-logs-aws.waf.cloudsift-prod-2026.12.03-000001") == "logs-aws.waf.cloudsift-prod"
