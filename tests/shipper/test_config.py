"""Configuration: one YAML, defaults for everything, CLI overrides, every problem reported at once."""
from __future__ import annotations

import dataclasses
import time
import tracemalloc
import typing
from pathlib import Path

import pytest

from shipper.config import Settings, load
from shipper.errors import ConfigError
from shipper.routing import Override

from .conftest import ship


def test_defaults_need_only_a_source(tmp_path: Path) -> None:
    """A source is the only required setting; everything else has a default."""
    settings = load(None, {"sources": [str(tmp_path)]})
    assert settings.namespace == "default" and settings.batch.max_docs == Settings().batch.max_docs
    assert settings.sources[0].kind == "dir"


def test_every_problem_is_reported_with_its_key_path(tmp_path: Path) -> None:
    """All problems come at once, each with its key path."""
    path = tmp_path / "ship.yml"
    path.write_text("sources:\n  - s3://ok-bucket/AWSLogs/\n  - url: sqs://not-a-url\n    wait_seconds: 40\n"
                    "  - queue_url: x\nbatch: {max_docs: many}\nroutes: [{prefix: a/, type: nope}]\nnamespace: Bad-NS\n")
    with pytest.raises(ConfigError) as err:
        load(path, {})
    assert set(err.value.problems) >= {
        "sources[1].wait_seconds: must be 0-20 (SQS long polling), got 40",
        "sources[2].url: required",
        "batch.max_docs: must be int, got str 'many'",
    }
    text = str(err.value)
    for where in ("sources[1].url:", "sources[2].queue_url: unknown setting", "routes[0].type:", "namespace:"):
        assert where in text


def test_cli_flags_override_the_file(tmp_path: Path) -> None:
    """A dotted override (what each CLI flag sets) wins over the file."""
    path = tmp_path / "ship.yml"
    path.write_text(f"sources: [{tmp_path}]\nbatch: {{max_docs: 10}}\nnamespace: prod\n")
    settings = load(path, {"batch.max_docs": 99, "namespace": "dev"})
    assert (settings.batch.max_docs, settings.namespace) == (99, "dev")


def test_wrong_config_fails_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """`cloudsift ship` with a bad config exits 2 with the key path, without touching Elasticsearch."""
    path = tmp_path / "ship.yml"
    path.write_text("sources: [s3://Bad_Bucket]\nworkers: 0\n")
    status, _ = ship("x", "--config", str(path), "--es", "http://127.0.0.1:9")
    err = capsys.readouterr().err
    assert status == 2
    assert "sources[0].url: not an S3 bucket URL" in err and "workers: must be 1-64" in err
    assert "127.0.0.1:9" not in err


def test_credentials_are_only_names(tmp_path: Path) -> None:
    """Secrets are referenced by environment variable name; a value that is not a name is refused."""
    with pytest.raises(ConfigError, match=r"elasticsearch.password_env: must name an environment variable"):
        load(None, {"sources": [str(tmp_path)], "elasticsearch.password_env": "hunter2!"})


def test_listings_of_one_bucket_must_not_overlap() -> None:
    """Sources listing one bucket must cover disjoint prefixes; other buckets and siblings are fine."""
    with pytest.raises(ConfigError) as err:
        load(None, {"sources": ["s3://logs/AWSLogs/", "s3://logs/AWSLogs/111111111111/", "s3://logs/Other/",
                                "s3://more-logs/AWSLogs/"]})
    assert err.value.problems == ["sources[1].url: overlaps sources[0].url (split a bucket into disjoint prefixes)"]


def test_bucket_regions_are_checked() -> None:
    """Each `buckets:` entry needs a name, once, and a well-formed region."""
    with pytest.raises(ConfigError) as err:
        load(None, {"sources": ["s3://logs"], "buckets": [{"name": "logs", "region": "eu-west-1"},
                                                          {"name": "logs", "region": "eu-west-1"},
                                                          {"region": "eu-west-1"}, {"name": "x", "region": "moon"}]})
    assert err.value.problems == ["buckets[1].name: 'logs' is already configured", "buckets[2].name: required",
                                  "buckets[3].region: not an AWS region name: 'moon'"]


def _numeric_paths(cls: type, prefix: str) -> list[str]:
    """The dotted path of every int/float setting of `cls` and the dataclasses below it."""
    paths = []
    for f in dataclasses.fields(cls):
        hint = typing.get_type_hints(cls)[f.name]
        inner = typing.get_args(hint)[0] if typing.get_origin(hint) is tuple else hint
        if dataclasses.is_dataclass(inner):
            paths.extend(_numeric_paths(inner, f"{prefix}{f.name}."))
        elif inner in (int, float):
            paths.append(prefix + f.name)
    return paths


NUMERIC = _numeric_paths(Settings, "")


def _with(path: str, value: object, tmp_path: Path) -> dict:
    """Overrides that set `path` (sources.* on a single directory source) to `value`."""
    if path.startswith("sources."):
        return {"sources": [{"url": str(tmp_path), path.removeprefix("sources."): value}]}
    return {"sources": [str(tmp_path)], path: value}


def test_numeric_settings_are_found() -> None:
    """The walk below sees the settings the loader must range-check (so the next test covers them all)."""
    assert {"retry.max_seconds", "sources.poll_seconds", "elasticsearch.request_timeout", "workers"} <= set(NUMERIC)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -5, 10**400], ids=["nan", "inf", "negative", "huge"])
@pytest.mark.parametrize("path", NUMERIC)
def test_every_numeric_setting_refuses_non_finite_and_negative(path: str, value: object, tmp_path: Path) -> None:
    """NaN, infinity, a negative number and a huge integer are refused for every numeric setting, with its path."""
    with pytest.raises(ConfigError) as err:
        load(None, _with(path, value, tmp_path))
    shown = path.replace("sources.", "sources[0].")
    assert [p for p in err.value.problems if p.startswith(f"{shown}: must be ")], err.value.problems


@pytest.mark.parametrize(("path", "value", "problem"), [
    ("retry.max_seconds", ".nan", "retry.max_seconds: must be a finite number, got nan"),
    ("sources.poll_seconds", "-5", "sources[0].poll_seconds: must be > 0, got -5.0"),
    ("elasticsearch.request_timeout", "-1", "elasticsearch.request_timeout: must be > 0, got -1.0"),
    ("elasticsearch.request_timeout", "0", "elasticsearch.request_timeout: must be > 0, got 0.0"),
])
def test_reported_numbers_from_a_file(path: str, value: str, problem: str, tmp_path: Path) -> None:
    """The values of the report, written in a file, are refused with a one-line problem naming key and value."""
    section, key = path.split(".")
    body = (f"sources:\n  - url: {tmp_path}\n    {key}: {value}\n" if section == "sources"
            else f"sources: [{tmp_path}]\n{section}:\n  {key}: {value}\n")
    config = tmp_path / "ship.yml"
    config.write_text(body)
    with pytest.raises(ConfigError) as err:
        load(config, {})
    assert err.value.problems == [problem]


def test_zero_retry_time_is_allowed(tmp_path: Path) -> None:
    """`retry.max_seconds: 0` (no retries) is a meaningful value and is accepted."""
    assert load(None, {"sources": [str(tmp_path)], "retry.max_seconds": 0}).retry.max_seconds == 0


def test_override_fills_an_empty_section(tmp_path: Path) -> None:
    """An empty `elasticsearch:` in the file takes a dotted override instead of failing."""
    config = tmp_path / "ship.yml"
    config.write_text(f"sources: [{tmp_path}]\nelasticsearch:\n")
    assert load(config, {"elasticsearch.url": "http://127.0.0.1:9200"}).elasticsearch.url == "http://127.0.0.1:9200"


def test_override_below_a_value_is_a_problem(tmp_path: Path) -> None:
    """A dotted override below a setting that is not a mapping is reported, not a crash."""
    with pytest.raises(ConfigError) as err:
        load(None, {"sources": [str(tmp_path)], "namespace": "prod", "namespace.x": 1})
    assert err.value.problems == ["namespace.x: cannot be set, namespace is not a mapping"]


@pytest.mark.parametrize(("body", "problem"), [
    ("sources: [{dir}]\nnamespace: a\nsources: [/]\n", "ship.yml:3: sources: duplicate key (first at line 1)"),
    ("sources:\n  - url: {dir}\n    region: eu-west-1\n    region: us-east-1\n",
     "ship.yml:4: sources[0].region: duplicate key (first at line 3)"),
])
def test_duplicate_keys_are_refused_with_path_and_line(body: str, problem: str, tmp_path: Path) -> None:
    """A key given twice in one mapping, at any depth, is an error naming its path and both lines."""
    config = tmp_path / "ship.yml"
    config.write_text(body.format(dir=tmp_path))
    with pytest.raises(ConfigError) as err:
        load(config, {})
    assert [p.removeprefix(f"{tmp_path}/") for p in err.value.problems] == [problem]


def test_anchors_and_merge_keys_still_work(tmp_path: Path) -> None:
    """Shared values through anchors and `<<` merge keys load, the merged key overridden on purpose."""
    config = tmp_path / "ship.yml"
    config.write_text(f"sources:\n  - &src {{url: {tmp_path}, region: eu-west-1}}\n"
                      "  - {<<: *src, region: us-east-1}\n  - *src\n")
    settings = load(config, {})
    assert [s.region for s in settings.sources] == ["eu-west-1", "us-east-1", "eu-west-1"]


def test_billion_laughs_is_refused_small_and_fast(tmp_path: Path) -> None:
    """Nine levels of nine aliases (10^9 values once expanded) are refused in well under a second and 50 MB."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    config = tmp_path / "ship.yml"
    config.write_text("x-laughs:\n" + "".join(f"  {line}\n" for line in lines) + "namespace: *a8\n")
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ConfigError, match=r"expands to more than 100000 values"):
            load(config, {})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Memory is the property; the generous time bound only catches the expansion itself (main: 12 s, 1.3 GB).
    assert time.monotonic() - started < 10.0 and peak < 50 * 1024 * 1024


def test_deep_nesting_is_refused_with_its_line(tmp_path: Path) -> None:
    """A document nested thousands of levels deep is refused with a line, not a RecursionError."""
    config = tmp_path / "ship.yml"
    config.write_text("sources: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError) as err:
        load(config, {})
    assert err.value.problems == [f"{config}:1: nested deeper than 32 levels"]


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    """A settings file over 1 MiB is refused before it is parsed."""
    config = tmp_path / "ship.yml"
    config.write_text(f"sources: [{tmp_path}]\n" + "# padding\n" * 200_000)
    with pytest.raises(ConfigError, match=r"larger than 1048576 bytes"):
        load(config, {})


def test_python_tags_are_refused(tmp_path: Path) -> None:
    """YAML tags that construct Python objects are refused (safe loading only)."""
    config = tmp_path / "ship.yml"
    config.write_text("namespace: !!python/object/apply:os.getcwd []\n")
    with pytest.raises(ConfigError, match=r"ship.yml:1: not valid YAML: could not determine a constructor"):
        load(config, {})


def test_unknown_setting_suggests_the_closest(tmp_path: Path) -> None:
    """A misspelt key (from the file or a --set) is answered with the closest known one and its full path."""
    with pytest.raises(ConfigError) as err:
        load(None, {"sources": [{"url": str(tmp_path), "pol_seconds": 5}], "batch.max_doc": 5})
    assert err.value.problems == ["sources[0].pol_seconds: unknown setting; did you mean 'sources[0].poll_seconds'?",
                                  "batch.max_doc: unknown setting; did you mean 'batch.max_docs'?"]


def test_unknown_route_type_suggests_the_closest(tmp_path: Path) -> None:
    """A misspelt log type in a routing override is answered with the closest log type."""
    with pytest.raises(ConfigError) as err:
        load(None, {"sources": [str(tmp_path)], "routes": [{"prefix": "a/", "type": "cloudtral"}]})
    assert err.value.problems == ["routes[0].type: unknown log type 'cloudtral'; did you mean 'cloudtrail'?"]


@pytest.mark.parametrize("url", ["127.0.0.1:9277", "localhost:9200", "http://localhost", "ftp://h:21",
                                 "http://h:99999", "http://h: 9200"])
def test_elasticsearch_url_needs_scheme_host_and_port(url: str, tmp_path: Path) -> None:
    """An Elasticsearch URL the client cannot use is a config problem that shows the expected form."""
    with pytest.raises(ConfigError) as err:
        load(None, {"sources": [str(tmp_path)], "elasticsearch.url": url})
    expected = f"elasticsearch.url: not an Elasticsearch URL: {url!r} (expected http://host:port or https://host[:port])"
    assert err.value.problems == [expected]


@pytest.mark.parametrize(("source", "workers", "problem"), [
    ({"url": "sqs://https://sqs.us-east-1.amazonaws.com/123456789012/q", "prefixes": ["a/"]}, 1,
     "sources[0].prefixes: only a bucket listing (s3://…) is split by prefix"),
    ({"url": "s3://logs/AWSLogs/", "prefixes": ["111/", "111/CloudTrail/"]}, 1,
     "sources[0].prefixes[1]: overlaps prefixes[0] '111/' (a key would be shipped twice)"),
    ({"url": "s3://logs/AWSLogs/", "prefixes": ["111/", ""]}, 1, "sources[0].prefixes[1]: must not be empty"),
    ({"url": "s3://logs/AWSLogs/", "prefixes": ["111/", "222/"]}, 3,
     "sources[0].prefixes: 2 prefixes for 3 workers: some worker would have none (give at least one prefix per worker)"),
])
def test_prefix_assignment_problems(source: dict, workers: int, problem: str) -> None:
    """Prefixes belong to a bucket listing, must be disjoint and non-empty, and cover every worker."""
    with pytest.raises(ConfigError) as err:
        load(None, {"sources": [source], "workers": workers})
    assert err.value.problems == [problem]


def test_prefixes_of_two_sources_must_not_overlap() -> None:
    """A listing's assigned prefixes count in the overlap check between sources of one bucket."""
    with pytest.raises(ConfigError) as err:
        load(None, {"sources": [{"url": "s3://logs/AWSLogs/", "prefixes": ["111/", "222/"]},
                                "s3://logs/AWSLogs/222/CloudTrail/"]})
    assert err.value.problems == ["sources[1].url: overlaps sources[0].url (split a bucket into disjoint prefixes)"]


def test_listing_prefixes_are_below_the_url() -> None:
    """Each assigned prefix is relative to the URL's own prefix; without any, the URL's prefix is the one."""
    settings = load(None, {"sources": [{"url": "s3://logs/AWSLogs/", "prefixes": ["111/", "222/"]}, "s3://other"],
                           "once": True})
    assert [s.listing_prefixes() for s in settings.sources] == [("AWSLogs/111/", "AWSLogs/222/"), ("",)]


APPLOG_CONFIG = """
sources:
  - url: s3://app-logs/firehose/shop/
    applog:
      dataset: shop
      format: cloudwatch
      timestamp: time
      timestamp_format: iso8601
      message: msg
      level: level
      user: user.email
      source_ip: client_ip
      outcome: result
      outcome_values: {success: [ok], failure: [failed, denied]}
      rename: {action: event.action, http.status: http.response.status_code}
"""


def test_applog_section_loads_into_the_apps_map(tmp_path: Path) -> None:
    """A source's `applog:` section becomes its app's field map, route and dataset."""
    path = tmp_path / "ship.yml"
    path.write_text(APPLOG_CONFIG)
    settings = load(path, {})
    spec = settings.sources[0].applog
    assert spec is not None and spec.dataset == "shop" and spec.rename["http.status"] == "http.response.status_code"
    assert spec.outcome_values.failure == ("failed", "denied")
    assert settings.applog_datasets() == ("shop",) and set(settings.applog_types()) == {"applog:shop"}


def test_applog_problems_name_their_key_paths(tmp_path: Path) -> None:
    """Every problem of an app's map is reported at once, with its key path under the source."""
    path = tmp_path / "ship.yml"
    path.write_text("sources:\n  - url: s3://app-logs/a/\n    applog:\n      dataset: Shop-*\n      format: xml\n"
                    "      timestamp_format: dd/mm\n      pattern: '('\n      rename: {a: event.kind, b: [x]}\n"
                    "      colour: red\n  - url: s3://app-logs/b/\n    applog: {dataset: aws.cloudtrail}\n"
                    "  - url: s3://app-logs/c/\n    applog: {dataset: portal, format: text, pattern: '(?P<t>.*)',"
                    " timestamp: time}\n")
    with pytest.raises(ConfigError) as err:
        load(path, {})
    text = str(err.value)
    for where in ("sources[0].applog.dataset: 'Shop-*' is not a dataset name", "sources[0].applog.format: must be one of",
                  "sources[0].applog.timestamp_format:", "sources[0].applog.pattern: not a regular expression",
                  "sources[0].applog.rename.a: 'event.kind' is not an ECS field", "sources[0].applog.rename.b: must be str",
                  "sources[0].applog.colour: unknown setting", "sources[1].applog.dataset: 'aws.cloudtrail': names starting",
                  "sources[2].applog.timestamp: 'time' is not a named group of pattern"):
        assert where in text


def test_applog_needs_a_source_section_not_a_route(tmp_path: Path) -> None:
    """`routes[].type: applog` has no field map: the error says where the map goes."""
    with pytest.raises(ConfigError) as err:
        load(None, {"sources": [str(tmp_path)], "routes": [{"prefix": "x/", "type": "applog"}]})
    assert "routes[0].type: application logs need their field map" in str(err.value)


def test_one_dataset_has_one_map(tmp_path: Path) -> None:
    """Two sources may feed one app's dataset only with the same map."""
    sources = [{"url": "s3://app-logs/a/", "applog": {"dataset": "shop", "user": "u"}},
               {"url": "s3://app-logs/b/", "applog": {"dataset": "shop", "user": "u"}},
               {"url": "s3://app-logs/c/", "applog": {"dataset": "shop", "user": "login"}}]
    with pytest.raises(ConfigError) as err:
        load(None, {"sources": sources})
    assert err.value.problems == [("sources[2].applog.dataset: 'shop' is declared with another field map in "
                                  "sources[0].applog (one dataset, one map)")]


def test_without_required_sources_those_given_are_still_read_and_checked(tmp_path: Path) -> None:
    """`sources=False` (the Lambda, `deploy es`): no source is needed, and a given one's app map is read, or
    its problems reported with their key paths."""
    assert load(None, {}, sources=False).sources == ()
    path = tmp_path / "ship.yml"
    path.write_text(APPLOG_CONFIG)
    assert load(path, {}, sources=False).applog_datasets() == ("shop",)
    with pytest.raises(ConfigError) as err:
        load(None, {"sources": [{"url": "s3://app-logs/a/", "applog": {"dataset": "Shop-*"}}]}, sources=False)
    assert "sources[0].applog.dataset: 'Shop-*' is not a dataset name" in str(err.value)


def test_overrides_hold_the_app_routes_of_the_given_sources() -> None:
    """A bucket's app route is scoped by bucket and prefix, a queue's takes everything; routes come after."""
    settings = load(None, {"sources": [{"url": "s3://app-logs/shop/", "applog": {"dataset": "shop"}},
                                       {"url": "sqs://https://sqs.eu-west-1.amazonaws.com/123456789012/billing",
                                        "applog": {"dataset": "billing"}},
                                       "s3://app-logs/AWSLogs/"],
                           "routes": [{"prefix": "custom/", "type": "vpcflow"}]})
    shop, billing, plain = settings.sources
    assert settings.overrides(plain) == (Override("custom/", "vpcflow"),)
    assert settings.overrides(shop, billing, plain) == (Override("shop/", "applog:shop", "app-logs"),
                                                        Override("", "applog:billing"), Override("custom/", "vpcflow"))
