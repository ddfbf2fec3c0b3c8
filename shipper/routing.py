"""Object key → log type, by AWS's delivery layouts: a table, overridable per bucket/prefix.

An unknown key is reported, never guessed: a wrong guess would index garbage under a
trusted dataset, while a report costs one dead-letter entry and a line in the summary.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# What a route resolves to besides a log type: the object is deliberately left out (counted).
SKIP = "skip"

# Route names of configured applications: `applog:<dataset>` (the dataset is validated: no ':' in it).
_APPLOG = "applog:"


def applog_route(dataset: str) -> str:
    """The route name of the application whose dataset is `dataset` (shipper.config builds its log type)."""
    return _APPLOG + dataset


_ACCOUNT = r"(?:o-[a-z0-9]{10,32}/)?\d{12}"  # organization trails add the org id before the account


@dataclass(frozen=True, slots=True)
class Layout:
    """One AWS delivery layout: a key pattern and what it holds."""

    name: str
    pattern: re.Pattern[str]
    log_type: str  # a registered log type, or SKIP


def _layout(name: str, pattern: str, log_type: str) -> Layout:
    return Layout(name, re.compile(pattern), log_type)


# An access log object's name: its delivery time and a unique string S3 chooses (16 characters).
_S3_ACCESS_NAME = r"\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9A-Za-z]{16}$"

# Anchored anywhere a path component starts: trails and flow logs may be delivered under a prefix.
_ROOT = r"(?:^|.*/)AWSLogs/" + _ACCOUNT
LAYOUTS: tuple[Layout, ...] = (
    _layout("CloudTrail", _ROOT + r"/CloudTrail/[a-z0-9-]+/\d{4}/", "cloudtrail"),
    _layout("CloudTrail-Insight", _ROOT + r"/CloudTrail-Insight/[a-z0-9-]+/\d{4}/", "cloudtrail"),
    _layout("CloudTrail-Digest", _ROOT + r"/CloudTrail-Digest/", SKIP),
    _layout("vpcflowlogs", _ROOT + r"/vpcflowlogs/[a-z0-9-]+/\d{4}/", "vpcflow"),
    _layout("vpcdnsquerylogs", _ROOT + r"/vpcdnsquerylogs/vpc-[0-9a-f]+/\d{4}/", "route53"),
    _layout("WAFLogs", _ROOT + r"/WAFLogs/[a-z0-9-]+/[^/]+/\d{4}/", "waf"),
    _layout("GuardDuty", _ROOT + r"/GuardDuty/[a-z0-9-]+/\d{4}/", "guardduty"),
    # Firehose delivery names its stream aws-waf-logs-*; a common prefix layout is the stream name.
    _layout("aws-waf-logs firehose", r"(?:^|.*/)aws-waf-logs-[^/]+/", "waf"),
    # S3 server access logs: <prefix>YYYY-mm-DD-HH-MM-SS-<unique>, the prefix free text (often
    # "logs/"), or partitioned by date <prefix><account>/<region>/<bucket>/YYYY/MM/DD/ before that name.
    _layout("S3 access logs, date-partitioned",
            r"(?:^|.*/)\d{12}/[a-z0-9-]+/[^/]+/\d{4}/\d{2}/\d{2}/" + _S3_ACCESS_NAME, "s3access"),
    _layout("S3 access logs", r"(?:^|.*/)[^/]*?" + _S3_ACCESS_NAME, "s3access"),
)


@dataclass(frozen=True, slots=True)
class Override:
    """A config rule: keys under `prefix` (in `bucket`, or any bucket when None) are `log_type`."""

    prefix: str
    log_type: str
    bucket: str | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """Where an object goes: a log type, SKIP, or None (unknown) with the reason."""

    log_type: str | None
    rule: str

    @property
    def known(self) -> bool:
        return self.log_type is not None


class Router:
    """Resolves keys: config overrides (longest prefix first), then AWS layouts, then unknown."""

    def __init__(self, overrides: tuple[Override, ...] = (), layouts: tuple[Layout, ...] = LAYOUTS) -> None:
        self._overrides = sorted(overrides, key=lambda o: (o.bucket is None, -len(o.prefix)))
        self._layouts = layouts

    def route(self, bucket: str, key: str) -> Route:
        """The route of `key` in `bucket`."""
        for rule in self._overrides:
            if (rule.bucket is None or rule.bucket == bucket) and key.startswith(rule.prefix):
                return Route(rule.log_type, f"override {rule.prefix!r}")
        for layout in self._layouts:
            if layout.pattern.match(key):
                return Route(layout.log_type, layout.name)
        # WAF's direct delivery requires a bucket named aws-waf-logs-*: the bucket says what it holds.
        if bucket.startswith("aws-waf-logs-"):
            return Route("waf", "aws-waf-logs bucket")
        return Route(None, "no AWS delivery layout or configured route matches this key")
