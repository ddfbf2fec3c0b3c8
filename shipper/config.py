"""One YAML file → one frozen Settings; every setting has a default and a CLI override.

Loading reports every problem at once, each with its key path (`sources[1].queue: required`).
Credentials are never in the file: only the names of environment variables or AWS profiles.
"""
from __future__ import annotations

import dataclasses
import difflib
import math
import re
import reprlib
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from normalizer.applog.spec import AppSpec
from normalizer.geo.lookup import GeoIP, GeoIPError, open_geoip
from normalizer.readers import MAX_OBJECT_BYTES
from normalizer.registry import LOG_TYPES, LogType, applog_type
from shipper import config_yaml
from shipper.errors import ConfigError, ShipperError
from shipper.limits import DEFAULT_LIMITS, Limits
from shipper.routing import SKIP, Override, applog_route
from shipper.s3clients import REGION
from shipper.templates import SHIPPER_STATE_INDEX, check_namespace
from shipper.urls import http_problem, redact

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")
_SHOWN = reprlib.Repr()  # a wrong value is quoted in the message, a huge one only in part
_SHOWN.maxstring = _SHOWN.maxother = 80
# No setting means anything past this (68 years of seconds, 2 GiB, 2^31 documents); larger counts
# would only ask the shipper to build threads, buffers or waits it can never finish.
LARGEST = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Bounds:
    """The meaningful range of a numeric setting (`Annotated[int, Bounds(1, 64)]`); unannotated: 0 to LARGEST."""

    low: float = 0
    high: float = LARGEST
    above: bool = False  # `low` itself is refused: a timeout or an interval of 0 means nothing
    why: str = ""

    def problem(self, value: float) -> str | None:
        """What is wrong with `value`, or None."""
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number"
        if self.low <= value <= self.high and not (self.above and value == self.low):
            return None
        if self.high < LARGEST:
            text = f"must be {_number(self.low)}-{_number(self.high)}"
        elif value > self.high:
            text = f"must be at most {LARGEST}"
        else:
            text = f"must be {'>' if self.above else '>='} {_number(self.low)}"
        return f"{text} ({self.why})" if self.why else text


POSITIVE = Bounds(0, above=True)
AT_LEAST_ONE = Bounds(1)


@dataclass(frozen=True, slots=True)
class ElasticsearchConfig:
    """Where to ship; secrets by environment variable name only."""

    url: str | None = None  # None: --es, ELASTICSEARCH_URL, or the local node
    username_env: str = "ELASTICSEARCH_USERNAME"
    password_env: str = "ELASTICSEARCH_PASSWORD"
    api_key_env: str = "ELASTICSEARCH_API_KEY"
    ca_certs: str | None = None
    verify_certs: bool = True
    compress: bool = True
    request_timeout: Annotated[float, POSITIVE] = 120.0


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One place to read from: s3://bucket[/prefix], sqs://<queue url>, or a local directory or file."""

    url: str = ""
    region: str | None = None  # the bucket's / queue's region; None: boto3's default chain
    profile: str | None = None  # an AWS profile name (credentials by reference)
    role_arn: str | None = None  # assumed with STS (logs usually live in a separate account)
    external_id_env: str | None = None
    poll_seconds: Annotated[float, POSITIVE] = 60.0  # bucket listing interval when not --once
    wait_seconds: Annotated[int, Bounds(0, 20, why="SQS long polling")] = 20
    # SQS: extended by a heartbeat while an object is in flight
    visibility_timeout: Annotated[int, Bounds(1, 43200, why="seconds")] = 300
    max_messages: Annotated[int, Bounds(1, 10)] = 10
    # Bucket listing: only these prefixes below the URL's, each with its own checkpoint. Workers (--workers,
    # --partition I/N) then split the bucket by prefix, worker I taking prefixes I, I+N, …, not by key hash.
    prefixes: tuple[str, ...] = ()
    # Every object this source delivers (under its prefix) is this application's logs (docs/shipper.md).
    applog: AppSpec | None = None

    @property
    def kind(self) -> str:
        return "s3" if self.url.startswith("s3://") else "sqs" if self.url.startswith("sqs://") else "dir"

    def listing_prefixes(self) -> tuple[str, ...]:
        """The key prefixes a bucket listing covers: the URL's own, or each of `prefixes` below it."""
        base = self.url[len("s3://"):].partition("/")[2]
        return tuple(base + p for p in self.prefixes) if self.prefixes else (base,)
    def applog_override(self) -> Override | None:
        """The route that sends this source's objects to its application's map: a bucket listing's
        keys under its prefix; for a queue or a directory, every object it delivers."""
        if self.applog is None:
            return None
        route = applog_route(self.applog.dataset)
        if self.kind != "s3":
            return Override("", route)
        bucket, _, prefix = self.url[len("s3://"):].partition("/")
        return Override(prefix, route, bucket)


@dataclass(frozen=True, slots=True)
class BatchConfig:
    """Bulk batch bounds: whichever is reached first ends a batch."""

    max_docs: Annotated[int, AT_LEAST_ONE] = DEFAULT_LIMITS.max_docs
    max_bytes: Annotated[int, Bounds(1024)] = DEFAULT_LIMITS.max_bytes
    max_inflight: Annotated[int, AT_LEAST_ONE] = DEFAULT_LIMITS.max_inflight
    senders: Annotated[int, AT_LEAST_ONE] = DEFAULT_LIMITS.senders


@dataclass(frozen=True, slots=True)
class RetryConfig:
    """Backoff on 429 / 5xx / connection errors, up to a total time per batch."""

    max_seconds: float = DEFAULT_LIMITS.retry_seconds  # 0: no retries
    backoff_base: Annotated[float, POSITIVE] = DEFAULT_LIMITS.backoff_base
    backoff_cap: Annotated[float, POSITIVE] = DEFAULT_LIMITS.backoff_cap
    # Times one object is tried (read failures, a download cut short) before it is dead-lettered by key.
    object_attempts: Annotated[int, Bounds(1, 100)] = 3


@dataclass(frozen=True, slots=True)
class RouteConfig:
    """A routing override: keys under `prefix` (in `bucket`, or any) are of log type `type`."""

    prefix: str = ""
    type: str = ""
    bucket: str | None = None


@dataclass(frozen=True, slots=True)
class BucketConfig:
    """Per-bucket settings: the region its objects are read from (wins over the source's and notifications')."""

    name: str = ""
    region: str = ""


@dataclass(frozen=True, slots=True)
class GeoIPConfig:
    """MaxMind databases (.mmdb files on the shipper's host) to enrich addresses with; none by default."""

    city: str | None = None  # None: CLOUDSIFT_GEOIP_CITY, else no <side>.geo from a database
    asn: str | None = None  # None: CLOUDSIFT_GEOIP_ASN, else no <side>.as from a database


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything `cloudsift ship` needs to know."""

    sources: tuple[SourceConfig, ...] = ()
    elasticsearch: ElasticsearchConfig = field(default_factory=ElasticsearchConfig)
    namespace: str = "default"
    state_index: str = SHIPPER_STATE_INDEX
    batch: BatchConfig = field(default_factory=BatchConfig)
    retry: RetryConfig = field(default_factory=RetryConfig)
    routes: tuple[RouteConfig, ...] = ()
    buckets: tuple[BucketConfig, ...] = ()
    geoip: GeoIPConfig = field(default_factory=GeoIPConfig)
    workers: Annotated[int, Bounds(1, 64)] = 1
    partition: str | None = None  # "i/N": this process is worker i of N separate processes
    once: bool = False
    original: bool = False  # keep each raw record in event.original
    # An object decompressing past this is cut there and dead-lettered with the reason (gzip bombs).
    max_object_bytes: Annotated[int, Bounds(1024)] = MAX_OBJECT_BYTES
    to: str | None = None  # an NDJSON file instead of Elasticsearch (dry run)
    progress: str = "auto"  # auto | tty | json

    def overrides(self, *sources: SourceConfig) -> tuple[Override, ...]:
        """The routing overrides as the router takes them, with the application routes of `sources`
        (`cloudsift ship`: the source being shipped; the Lambda: those that name its trigger's objects)."""
        routes = tuple(Override(r.prefix, r.type, r.bucket) for r in self.routes)
        apps = tuple(app for app in (s.applog_override() for s in sources) if app is not None)
        return (*apps, *routes)

    def applog_types(self) -> dict[str, LogType]:
        """Route name (routing.applog_route) → the log type of each configured application."""
        return {applog_route(s.applog.dataset): applog_type(s.applog) for s in self.sources if s.applog is not None}

    def applog_datasets(self) -> tuple[str, ...]:
        """The datasets of the configured applications (each gets its data stream's template)."""
        return tuple(sorted({s.applog.dataset for s in self.sources if s.applog is not None}))

    def geoip_databases(self) -> GeoIP | None:
        """The GeoIP databases `geoip` (or CLOUDSIFT_GEOIP_*) names, opened; None without any; a ShipperError names a bad one."""
        try:
            return open_geoip(self.geoip.city, self.geoip.asn)
        except GeoIPError as exc:
            raise ShipperError(str(exc), where="geoip") from None

    def limits(self) -> Limits:
        """The sink's batch bounds and retry budget."""
        b, r = self.batch, self.retry
        return Limits(b.max_docs, b.max_bytes, b.max_inflight, b.senders, r.max_seconds, r.backoff_base, r.backoff_cap)

    def bucket_regions(self) -> dict[str, str]:
        """Bucket name → its configured region."""
        return {b.name: b.region for b in self.buckets}


def load(path: Path | None, overrides: dict[str, Any], *, sources: bool = True) -> Settings:
    """Settings from the YAML file (if any) with dotted-key CLI overrides on top; ConfigError lists all problems.

    `sources=False`: the caller is the source (the Lambda trigger) or reads none (`deploy es`), so the file
    need not name any; those it names are read and checked all the same (their `applog:` sections and
    routes apply to what the trigger delivers).
    """
    return _settings(_read(path) if path is not None else {}, overrides, sources)


def load_text(text: bytes, where: str, overrides: dict[str, Any], *, sources: bool = True) -> Settings:
    """As `load`, for a config file's bytes read from elsewhere (an S3 object named `where`)."""
    return _settings(_mapping(config_yaml.parse(text, where), where), overrides, sources)


def load_applog(path: Path) -> AppSpec:
    """One application's field map from a YAML file holding what a source's `applog:` section holds
    (`cloudsift normalize --type applog --applog FILE`); ConfigError lists every problem, keyed `applog.…`."""
    problems: list[str] = []
    spec = _build(AppSpec, _read(path), "applog", problems)
    problems.extend(f"applog.{key}: {problem}" for key, problem in spec.problems())
    if problems:
        raise ConfigError([f"{path}: {p}" for p in problems])
    return spec


def _settings(data: dict, overrides: dict[str, Any], sources: bool) -> Settings:
    problems: list[str] = []
    for dotted, value in overrides.items():
        _override(data, dotted, value, problems)
    settings = _build(Settings, data, "", problems)
    problems.extend(_check(settings, sources))
    if problems:
        raise ConfigError(problems)
    return settings


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            text = fh.read(config_yaml.MAX_BYTES + 1)  # never more than the parser would accept
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror}"]) from None
    return _mapping(config_yaml.parse(text, str(path)), str(path))


def _mapping(data: Any, where: str) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError([f"{where}: the top level must be a mapping"])
    return data


def _override(data: dict, dotted: str, value: Any, problems: list[str]) -> None:
    """Set `a.b.c` in `data`, creating mappings where the file has none (or an empty `a:`)."""
    node = data
    *parents, last = dotted.split(".")
    for i, part in enumerate(parents):
        if node.get(part) is None:
            node[part] = {}
        node = node[part]
        if not isinstance(node, dict):
            problems.append(f"{dotted}: cannot be set, {'.'.join(parents[:i + 1])} is not a mapping")
            return
    node[last] = value


def _build(cls: type, data: Any, path: str, problems: list[str]) -> Any:
    if not isinstance(data, dict):
        problems.append(f"{path or '(top level)'}: must be a mapping")
        return cls()
    hints = typing.get_type_hints(cls, include_extras=True)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in names:
            problems.append(f"{_join(path, str(key))}: unknown setting{_did_you_mean(str(key), names, path)}")
    values = {}
    for name in (f.name for f in dataclasses.fields(cls) if f.name in data):  # problems in field order
        values[name] = _value(hints[name], data[name], _join(path, name), problems)
    return cls(**{k: v for k, v in values.items() if v is not _BAD})


_BAD = object()


def _value(hint: Any, value: Any, path: str, problems: list[str]) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        hint = next(a for a in args if a is not type(None))
        origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is dict:
        if not isinstance(value, dict):
            problems.append(f"{path}: must be a mapping")
            return _BAD
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(f"{path}: keys must be strings, got {type(key).__name__} {_SHOWN.repr(key)}")
                continue
            item = _value(args[1], item, _join(path, key), problems)
            if item is not _BAD:
                out[key] = item
        return out
    if origin is tuple:
        if not isinstance(value, list):
            problems.append(f"{path}: must be a list")
            return _BAD
        return tuple(_value(args[0], item, f"{path}[{i}]", problems) for i, item in enumerate(value))
    bounds = Bounds()
    if origin is Annotated:
        hint, bounds = hint.__origin__, next(m for m in hint.__metadata__ if isinstance(m, Bounds))
    if dataclasses.is_dataclass(hint):
        if hint is SourceConfig and isinstance(value, str):
            value = {"url": value}  # `sources: [s3://bucket/prefix]` is the common short form
        return _build(typing.cast(type, hint), value, path, problems)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value) if abs(value) < 2 ** 1023 else math.inf  # float() of a huge int raises
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        problems.append(f"{path}: must be {hint.__name__}, got {type(value).__name__} {_SHOWN.repr(value)}")
        return _BAD
    problem = bounds.problem(value) if hint in (int, float) else None
    if problem:
        problems.append(f"{path}: {problem}, got {_SHOWN.repr(value)}")
        return _BAD
    return value


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _did_you_mean(word: str, known: Iterable[str], path: str = "") -> str:
    """`; did you mean 'batch.max_docs'?` for the closest known name, else the list of known names."""
    close = difflib.get_close_matches(word, sorted(known), n=1)
    if close:
        return f"; did you mean {_join(path, close[0])!r}?"
    return f" (known: {', '.join(sorted(known))})"


def _check(s: Settings, sources: bool = True) -> list[str]:
    """Value rules the types cannot say."""
    problems = []
    if sources and not s.sources:
        problems.append("sources: required (in the config file, or --from)")
    for i, src in enumerate(s.sources):
        where = f"sources[{i}]"
        if not src.url:
            problems.append(f"{where}.url: required")
        elif src.kind == "s3" and not re.fullmatch(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?", src.url):
            problems.append(f"{where}.url: not an S3 bucket URL: {redact(src.url)!r}")
        elif src.kind == "sqs" and not re.fullmatch(r"sqs://https?://\S+", src.url):
            problems.append(f"{where}.url: expected sqs://https://sqs.<region>.amazonaws.com/<account>/<queue>")
        elif src.kind == "dir" and not (Path(src.url).is_dir() or Path(src.url).is_file()):
            problems.append(f"{where}.url: no such file or directory: {src.url!r}")
        if src.role_arn is not None and not _ROLE_ARN.fullmatch(src.role_arn):
            problems.append(f"{where}.role_arn: not an IAM role ARN: {src.role_arn!r}")
        if src.external_id_env is not None and not _ENV_NAME.fullmatch(src.external_id_env):
            problems.append(f"{where}.external_id_env: must name an environment variable")
        if src.region is not None and not REGION.fullmatch(src.region):
            problems.append(f"{where}.region: not an AWS region name: {src.region!r}")
        problems.extend(_prefix_problems(src, where, s))
        if src.applog is not None:
            problems.extend(f"{where}.applog.{key}: {problem}" for key, problem in src.applog.problems())
    problems.extend(_same_dataset(s.sources))
    problems.extend(_overlaps(s.sources))
    for i, bucket in enumerate(s.buckets):
        if not bucket.name:
            problems.append(f"buckets[{i}].name: required")
        elif [b.name for b in s.buckets].index(bucket.name) < i:
            problems.append(f"buckets[{i}].name: {bucket.name!r} is already configured")
        if not REGION.fullmatch(bucket.region):
            problems.append(f"buckets[{i}].region: not an AWS region name: {bucket.region!r}")
    if s.elasticsearch.url is not None:
        problem = http_problem(s.elasticsearch.url)
        if problem:
            problems.append(f"elasticsearch.url: {problem}")
    for name in ("username_env", "password_env", "api_key_env"):
        if not _ENV_NAME.fullmatch(getattr(s.elasticsearch, name)):
            problems.append(f"elasticsearch.{name}: must name an environment variable")
    try:
        check_namespace(s.namespace)
    except ShipperError as exc:
        problems.append(f"namespace: {exc}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,200}", s.state_index):
        problems.append(f"state_index: not a valid index name: {s.state_index!r}")
    for i, route in enumerate(s.routes):
        if route.type == "applog":
            problems.append(f"routes[{i}].type: application logs need their field map: give the source an "
                            "`applog:` section (sources[].applog, docs/shipper.md)")
        elif route.type not in LOG_TYPES and route.type != SKIP:
            suggestion = _did_you_mean(route.type, [*LOG_TYPES, SKIP])
            problems.append(f"routes[{i}].type: unknown log type {_SHOWN.repr(route.type)}{suggestion}")
        if not route.prefix:
            problems.append(f"routes[{i}].prefix: required")
    if s.partition is not None:
        match = re.fullmatch(r"(\d+)/(\d+)", s.partition)
        if not match or not int(match[1]) < int(match[2]):
            problems.append(f"partition: expected i/N with 0 <= i < N, got {s.partition!r}")
        elif s.workers != 1:
            problems.append("partition: cannot be combined with workers > 1")
    if s.progress not in ("auto", "tty", "json"):
        problems.append("progress: must be auto, tty or json")
    return problems


def _prefix_problems(src: SourceConfig, where: str, s: Settings) -> list[str]:
    """`prefixes` belong to a bucket listing, are disjoint, and leave no worker without one."""
    if not src.prefixes:
        return []
    if src.kind != "s3":
        return [f"{where}.prefixes: only a bucket listing (s3://…) is split by prefix"]
    problems = [f"{where}.prefixes[{i}]: must not be empty" for i, p in enumerate(src.prefixes) if not p]
    problems.extend(f"{where}.prefixes[{j}]: overlaps prefixes[{i}] {src.prefixes[i]!r} (a key would be shipped twice)"
                    for i, a in enumerate(src.prefixes) for j, b in enumerate(src.prefixes)
                    if i < j and a and b and (a.startswith(b) or b.startswith(a)))
    workers = int(s.partition.split("/")[1]) if s.partition and re.fullmatch(r"\d+/\d+", s.partition) else s.workers
    if workers > len(src.prefixes):
        problems.append(f"{where}.prefixes: {len(src.prefixes)} prefixes for {workers} workers: some worker would "
                        "have none (give at least one prefix per worker)")
    return problems
def _same_dataset(sources: tuple[SourceConfig, ...]) -> list[str]:
    """One dataset, one field map: two sources may feed an app's dataset only with the same map."""
    first: dict[str, int] = {}
    out = []
    for i, src in enumerate(sources):
        if src.applog is None or not src.applog.dataset:
            continue
        j = first.setdefault(src.applog.dataset, i)
        if j != i and sources[j].applog != src.applog:
            out.append(f"sources[{i}].applog.dataset: {src.applog.dataset!r} is declared with another field map "
                       f"in sources[{j}].applog (one dataset, one map)")
    return out


def _overlaps(sources: tuple[SourceConfig, ...]) -> list[str]:
    """Bucket listings of one bucket must cover disjoint prefixes: overlapping ones would ship keys twice."""
    listings = [(i, src.url[len("s3://"):].partition("/")[0], prefix) for i, src in enumerate(sources)
                if src.kind == "s3" for prefix in src.listing_prefixes()]
    found = [f"sources[{j}].url: overlaps sources[{i}].url (split a bucket into disjoint prefixes)"
             for i, bucket, prefix in listings for j, other, more in listings
             if i < j and bucket == other and (more.startswith(prefix) or prefix.startswith(more))]
    return list(dict.fromkeys(found))  # two sources may overlap through several of their prefixes
