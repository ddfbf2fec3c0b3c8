"""Configuration: one YAML, defaults for everything, CLI overrides, every problem reported at once."""
from __future__ import annotations

from pathlib import Path

import pytest

from shipper.config import Settings, load
from shipper.errors import ConfigError

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
        "sources[1].wait_seconds: must be 0-20 (SQS long polling)",
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
