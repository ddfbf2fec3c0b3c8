"""The detector's settings: one frozen object from an optional YAML file and the CLI's flags.

Loading reports every problem at once, each with its key path (`rules.<id>.suppress.for: …`).
Secrets are never in the file: a webhook header names the environment variable that holds it.

```yaml
interval: 5m            # how often each rule runs (continuous mode), and a first run's look-back
overlap: 5m             # each run re-reads this much before the last completed window's end
time_field: event.ingested
state_index: cloudsift-detector-state
suppress: {by: [source.ip], for: 1h}    # every rule; a rule's own entry replaces it
webhook:
  url: https://hooks.example.com/cloudsift
  headers_from_env: {Authorization: CLOUDSIFT_WEBHOOK_AUTHORIZATION}
  attempts: 5
rules:
  0b7f3b36-2a0c-4c3e-9d45-6f1e2a3b4c5d: {interval: 1m, suppress: {by: [source.ip], for: 30m}}
  a60fbc80-1c5b-489f-b719-b311555870f3: {enabled: false}
```
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from detection.detect.timing import TimingError, parse_duration
from detection.errors import DetectionError

DEFAULT_INTERVAL = timedelta(minutes=5)
DEFAULT_OVERLAP = timedelta(minutes=5)
DEFAULT_STATE_INDEX = "cloudsift-detector-state"  # shipper.templates.DETECTOR_STATE_INDEX: deploy es grants it
DEFAULT_TIME_FIELD = "event.ingested"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEADER = re.compile(r"[A-Za-z0-9-]{1,64}")
_INDEX = re.compile(r"[a-z0-9][a-z0-9_.+-]{0,200}")
# Elasticsearch's namespace rules, narrowed as the shipper narrows them (shipper/templates.py).
_NAMESPACE = re.compile(r"[a-z0-9_]{1,80}")
_FIELD = re.compile(r"[@A-Za-z0-9_.]{1,200}")


class SettingsError(DetectionError):
    """Settings that cannot be used; every problem on its own line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("detector settings:\n  " + "\n  ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Suppression:
    """At most one alert per rule and value of `by` for `period` (alert time: the event's or window's)."""

    by: tuple[str, ...]
    period: timedelta


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """What one rule overrides; None: the detector-wide value."""

    interval: timedelta | None = None
    suppress: Suppression | None = None
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """A generic webhook: one JSON POST per new alert, retried with backoff."""

    url: str
    headers_from_env: dict[str, str] = field(default_factory=dict)  # header name → environment variable
    attempts: int = 5
    timeout: float = 10.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything one detector process needs besides the Elasticsearch connection and the pack."""

    namespace: str = "default"  # the alerts stream's namespace
    data_namespace: str = "*"  # the namespace of the data searched (the rules' own streams)
    index: str | None = None  # search this pattern instead of the rules' own streams
    interval: timedelta = DEFAULT_INTERVAL
    overlap: timedelta = DEFAULT_OVERLAP
    time_field: str = DEFAULT_TIME_FIELD
    state_index: str = DEFAULT_STATE_INDEX
    suppress: Suppression | None = None
    webhook: WebhookSettings | None = None
    rules: dict[str, RuleSettings] = field(default_factory=dict)  # by Sigma rule id

    def rule(self, rule_id: str) -> RuleSettings:
        """The rule's own settings with the detector-wide ones filled in."""
        own = self.rules.get(rule_id, RuleSettings())
        return replace(own, interval=own.interval or self.interval,
                       suppress=own.suppress if rule_id in self.rules and own.suppress else self.suppress)

    @property
    def scope(self) -> str:
        """What a rule's saved window belongs to: another alerts namespace or other data start afresh."""
        return f"{self.index or self.data_namespace}@{self.namespace}#{self.time_field}"


class _Reader:
    """Reads one mapping, collecting problems with their key paths."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def mapping(self, value: Any, path: str, known: set[str]) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problems.append(f"{path or 'settings'}: expected a mapping")
            return {}
        for key in value:
            if key not in known:
                self.problems.append(f"{_join(path, str(key))}: unknown setting (known: {', '.join(sorted(known))})")
        return value

    def duration(self, value: Any, path: str, *, zero: bool = False) -> timedelta | None:
        if value is None:
            return None
        try:
            parsed = parse_duration(str(value))
        except TimingError as exc:
            self.problems.append(f"{path}: {exc}")
            return None
        if not zero and not parsed:
            self.problems.append(f"{path}: must be longer than 0")
            return None
        return parsed

    def text(self, value: Any, path: str, pattern: re.Pattern[str], what: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not pattern.fullmatch(value):
            self.problems.append(f"{path}: {value!r} is not {what}")
            return None
        return value

    def number(self, value: Any, path: str, low: float, kind: type) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int) or value < low:
            self.problems.append(f"{path}: must be a {'number' if kind is float else 'whole number'} >= {low}")
            return None
        return kind(value)

    def suppression(self, value: Any, path: str) -> Suppression | None:
        if value is None:
            return None
        data = self.mapping(value, path, {"by", "for"})
        by = data.get("by", [])
        if isinstance(by, str):
            by = [by]
        fields = [self.text(f, f"{path}.by[{i}]", _FIELD, "a field name") for i, f in enumerate(by)] \
            if isinstance(by, list) else []
        if not isinstance(by, list):
            self.problems.append(f"{path}.by: expected a list of field names")
        period = self.duration(data.get("for"), f"{path}.for")
        if "for" not in data:
            self.problems.append(f"{path}.for: required (how long to suppress, e.g. 1h)")
        if period is None or any(f is None for f in fields):
            return None
        return Suppression(tuple(f for f in fields if f), period)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def load(path: Path | None, overrides: dict[str, Any]) -> Settings:
    """The settings file (optional) with `overrides` (flag values, already typed where they are) on top."""
    raw: Any = {}
    reader = _Reader()
    if path is not None:
        try:
            raw = yaml.safe_load(path.read_text()) or {}
        except OSError as exc:
            raise SettingsError([f"{path}: {exc.strerror or exc}"]) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            raise SettingsError([f"{path}{where}: not valid YAML"]) from None
    known = {"namespace", "data_namespace", "index", "interval", "overlap", "time_field", "state_index",
             "suppress", "webhook", "rules"}
    data = {**reader.mapping(raw, "", known), **{k: v for k, v in overrides.items() if v is not None}}
    values: dict[str, Any] = {
        "namespace": reader.text(data.get("namespace"), "namespace", _NAMESPACE, "a namespace (a-z, 0-9, _)"),
        "data_namespace": (data.get("data_namespace") if data.get("data_namespace") == "*" else reader.text(
            data.get("data_namespace"), "data_namespace", _NAMESPACE, "a namespace (a-z, 0-9, _) or *")),
        "index": reader.text(data.get("index"), "index", re.compile(r"[^\s,\"\\/|?<>]{1,255}(,[^\s,\"\\/|?<>]{1,255})*"),
                             "an index pattern"),
        "interval": reader.duration(data.get("interval"), "interval"),
        "overlap": reader.duration(data.get("overlap"), "overlap", zero=True),
        "time_field": reader.text(data.get("time_field"), "time_field", _FIELD, "a field name"),
        "state_index": reader.text(data.get("state_index"), "state_index", _INDEX, "an index name"),
        "suppress": reader.suppression(data.get("suppress"), "suppress"),
        "webhook": _webhook(reader, data.get("webhook")),
        "rules": _rules(reader, data.get("rules")),
    }
    if reader.problems:
        raise SettingsError(reader.problems)
    return Settings(**{k: v for k, v in values.items() if v is not None})


def _webhook(reader: _Reader, value: Any) -> WebhookSettings | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"url": value}
    data = reader.mapping(value, "webhook", {"url", "headers_from_env", "attempts", "timeout", "backoff_base",
                                             "backoff_cap"})
    url = data.get("url")
    if not isinstance(url, str) or not re.fullmatch(r"https?://[^\s]+", url):
        reader.problems.append("webhook.url: required, an http:// or https:// URL")
    headers = reader.mapping(data.get("headers_from_env"), "webhook.headers_from_env", set(data.get(
        "headers_from_env") or {}))
    for name, env in headers.items():
        reader.text(name, f"webhook.headers_from_env.{name}", _HEADER, "an HTTP header name")
        reader.text(env, f"webhook.headers_from_env.{name}", _ENV_NAME, "an environment variable name")
    numbers = {
        "attempts": reader.number(data.get("attempts"), "webhook.attempts", 1, int),
        "timeout": reader.number(data.get("timeout"), "webhook.timeout", 0.1, float),
        "backoff_base": reader.number(data.get("backoff_base"), "webhook.backoff_base", 0, float),
        "backoff_cap": reader.number(data.get("backoff_cap"), "webhook.backoff_cap", 0, float),
    }
    if not isinstance(url, str):
        return None
    return WebhookSettings(url, {str(k): str(v) for k, v in headers.items()},
                           **{k: v for k, v in numbers.items() if v is not None})


def _rules(reader: _Reader, value: Any) -> dict[str, RuleSettings] | None:
    rules = reader.mapping(value, "rules", set((value or {}) if isinstance(value, dict) else ()))
    out: dict[str, RuleSettings] = {}
    for rule_id, entry in rules.items():
        path = f"rules.{rule_id}"
        data = reader.mapping(entry, path, {"interval", "suppress", "enabled"})
        enabled = data.get("enabled", True)
        if not isinstance(enabled, bool):
            reader.problems.append(f"{path}.enabled: must be true or false")
        out[str(rule_id)] = RuleSettings(reader.duration(data.get("interval"), f"{path}.interval"),
                                         reader.suppression(data.get("suppress"), f"{path}.suppress"),
                                         enabled is not False)
    return out or None
