"""An application's field map (`sources[].applog` in the shipper config): which of its fields is what.

A value, not a reader of YAML: the shipper's config reader builds it (and reports every problem with
its key path); `problems` says what the types cannot. Every field reference is a dotted path into
the app's JSON record, or a named group of `pattern` for plain-text lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from normalizer.applog.fields import RENAME_TARGETS

FORMATS = ("auto", "cloudwatch", "json", "text")
TIME_FORMATS = ("iso8601", "epoch_s", "epoch_ms")
# A dataset names a data stream (`logs-<dataset>.cloudsift-<ns>`), an index template and a Sigma
# product: lowercase letters, digits, `_` and inner dots only (Elasticsearch refuses uppercase and
# `\/*?"<>|,#:` and spaces in index names; Fleet's dataset rule refuses `-`, which separates the
# namespace). No wildcard can reach an index name or a pattern through it.
_DATASET = re.compile(r"[a-z0-9][a-z0-9_]*(?:\.[a-z0-9_]+)*")
MAX_DATASET = 100
# Built-in datasets live there: an app named into them would share (and overwrite) their templates.
RESERVED_PREFIXES = ("aws", "cloudsift", "applog")
_PATH = re.compile(r"[^.\s]+(?:\.[^.\s]+)*")
MAX_PATTERN = 4096


@dataclass(frozen=True, slots=True)
class OutcomeValues:
    """The app's words for success and failure (compared without case); any other value is `unknown`."""

    success: tuple[str, ...] = ("success", "succeeded", "ok", "true", "allow", "allowed", "pass", "passed")
    failure: tuple[str, ...] = ("failure", "failed", "fail", "false", "error", "deny", "denied", "rejected",
                                "blocked", "unauthorized", "forbidden", "invalid")


@dataclass(frozen=True, slots=True)
class AppSpec:
    """One application's log layout and where its fields land in ECS."""

    dataset: str = ""
    format: str = "auto"  # auto: CloudWatch envelopes, JSON records and text lines, told apart by content
    timestamp: str | None = None  # None: the CloudWatch event's time (other records then have none)
    timestamp_format: str = "iso8601"  # iso8601 | epoch_s | epoch_ms | a strptime pattern
    message: str | None = None
    level: str | None = None
    user: str | None = None
    source_ip: str | None = None
    outcome: str | None = None
    outcome_values: OutcomeValues = field(default_factory=OutcomeValues)
    rename: dict[str, str] = field(default_factory=dict)  # native path → ECS field (RENAME_TARGETS)
    pattern: str | None = None  # plain-text lines: a regular expression with named groups

    def declared(self) -> dict[str, str]:
        """ECS field → the native path it is read from, for every declared field but the timestamp."""
        named = {"message": self.message, "log.level": self.level, "user.name": self.user,
                 "source.ip": self.source_ip, "event.outcome": self.outcome}
        out = {ecs: native for ecs, native in named.items() if native is not None}
        out.update({ecs: native for native, ecs in self.rename.items()})
        return out

    def problems(self) -> list[tuple[str, str]]:
        """(key, what is wrong) for each problem the types cannot say; empty when the map is usable."""
        out: list[tuple[str, str]] = []
        problem = dataset_problem(self.dataset)
        if problem:
            out.append(("dataset", problem))
        if self.format not in FORMATS:
            out.append(("format", f"must be one of {', '.join(FORMATS)}, got {self.format[:40]!r}"))
        problem = time_format_problem(self.timestamp_format)
        if problem:
            out.append(("timestamp_format", problem))
        groups = self._pattern_groups(out)
        refs = {"timestamp": self.timestamp, "message": self.message, "level": self.level, "user": self.user,
                "source_ip": self.source_ip, "outcome": self.outcome}
        refs.update({f"rename.{native}": native for native in self.rename})
        for key, native in refs.items():
            if native is None:
                continue
            if not _PATH.fullmatch(native):
                out.append((key, f"must be a dotted field path, got {native[:60]!r}"))
            elif self.format == "text" and groups is not None and native not in groups:
                out.append((key, f"{native!r} is not a named group of pattern"))
        if self.format == "text" and self.pattern is None:
            out.append(("pattern", "required with format text"))
        taken = {ecs: key for key, ecs in (("message", "message"), ("level", "log.level"), ("user", "user.name"),
                                           ("source_ip", "source.ip"), ("outcome", "event.outcome"))
                 if refs[key] is not None}
        for native, ecs in self.rename.items():
            key = f"rename.{native}"
            if ecs not in RENAME_TARGETS:
                out.append((key, (f"{ecs[:60]!r} is not an ECS field cloudsift maps for applications "
                                 f"(known: {', '.join(sorted(RENAME_TARGETS))})")))
            elif ecs in taken:
                out.append((key, f"{ecs!r} is already filled by {taken[ecs]!r}"))
            else:
                taken[ecs] = key
        return out

    def _pattern_groups(self, out: list[tuple[str, str]]) -> frozenset[str] | None:
        if self.pattern is None:
            return None
        if len(self.pattern) > MAX_PATTERN:
            out.append(("pattern", f"longer than {MAX_PATTERN} characters"))
            return None
        try:
            compiled = re.compile(self.pattern)
        except re.error as exc:
            out.append(("pattern", f"not a regular expression: {exc}"))
            return None
        if not compiled.groupindex:
            out.append(("pattern", "has no named group (?P<name>...): nothing would be read from a line"))
        return frozenset(compiled.groupindex)


def dataset_problem(dataset: str) -> str | None:
    """What makes `dataset` unusable as an app's dataset (data stream part, Sigma product), or None."""
    if not dataset:
        return "required"
    if len(dataset) > MAX_DATASET or not _DATASET.fullmatch(dataset):
        return (f"{dataset[:60]!r} is not a dataset name: 1-{MAX_DATASET} characters of a-z, 0-9 and _, "
                "in dot-separated parts (no uppercase, '-', '*' or other index-name characters)")
    if dataset.split(".")[0] in RESERVED_PREFIXES:
        return f"{dataset!r}: names starting with {', '.join(p + '.' for p in RESERVED_PREFIXES)} are cloudsift's own"
    return None


def time_format_problem(time_format: str) -> str | None:
    """What is wrong with a timestamp format, or None: a known name, or a strptime pattern that
    reads back what it writes."""
    if time_format in TIME_FORMATS:
        return None
    if "%" not in time_format:
        return f"must be {', '.join(TIME_FORMATS)} or a strptime pattern with % directives, got {time_format[:60]!r}"
    probe = datetime(2026, 11, 20, 13, 14, 15, 123456, tzinfo=UTC)
    try:
        datetime.strptime(probe.strftime(time_format), time_format)
    except ValueError as exc:
        return f"strptime pattern {time_format[:60]!r} cannot read back its own output: {exc}"
    return None


# `cloudsift normalize --type applog` without a field map, and the rule tests' samples: an app that
# logs ECS JSON already (`@timestamp`, `message`, `log.level`, `user.name`, `source.ip`, ...).
DEFAULT_DATASET = "applog"


def ecs_json(dataset: str = DEFAULT_DATASET) -> AppSpec:
    """The field map of an app whose JSON records use ECS names themselves."""
    declared = {"message", "log.level", "user.name", "source.ip", "event.outcome"}
    return AppSpec(dataset=dataset, timestamp="@timestamp", message="message", level="log.level", user="user.name",
                   source_ip="source.ip", outcome="event.outcome",
                   rename={name: name for name in sorted(RENAME_TARGETS) if name not in declared})
