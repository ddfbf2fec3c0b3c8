"""`rules test` itself: a misbehaving sample is reported with the rule file, query and record."""
from __future__ import annotations

import json
from pathlib import Path

from elasticsearch import Elasticsearch

from cloudsift.cli import main
from detection.pack import load_pack
from detection.ruletest import report, run

from .conftest import PACK

RULE = PACK / "cloudtrail" / "cloudtrail_logging_disabled.yml"


def _flipped(tmp_path: Path) -> Path:
    """A copy of a pack rule whose first sample's expectation is inverted."""
    (tmp_path / RULE.name).write_text(RULE.read_text())
    samples = RULE.with_name(RULE.stem + ".samples.yaml").read_text().replace("match: true", "match: false", 1)
    (tmp_path / (RULE.stem + ".samples.yaml")).write_text(samples)
    return tmp_path / RULE.name


def test_wrong_expectation_names_rule_query_and_sample(es: Elasticsearch, tmp_path: Path) -> None:
    """A sample that matches against its `match: false` fails the rule and is printed."""
    files, _ = load_pack([_flipped(tmp_path)])
    [result] = run(es, files)
    text = report([result])
    assert not result.ok
    assert f"FAIL {tmp_path / RULE.name}" in text and "event.action.caseless" in text
    assert "sample 'StopLogging': expected no match, got match" in text and '"eventName":"StopLogging"' in text


def test_cli_json_output(es: Elasticsearch, tmp_path: Path, capsys, monkeypatch, es_settings) -> None:
    """`cloudsift rules test --json` prints one result per rule and exits 1 on a failure."""
    monkeypatch.setenv("ELASTICSEARCH_URL", es_settings.url)
    monkeypatch.setenv("ELASTICSEARCH_USERNAME", es_settings.username or "")
    monkeypatch.setenv("ELASTICSEARCH_PASSWORD", es_settings.password or "")
    assert main(["rules", "test", "--json", str(_flipped(tmp_path))]) == 1
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["ok"] is False


def test_sample_that_does_not_normalize_is_a_rule_error(es: Elasticsearch, tmp_path: Path) -> None:
    """A raw sample the normalizer rejects fails its rule with the normalizer's located message."""
    rule = PACK / "waf" / "sql_injection_probe.yml"
    (tmp_path / rule.name).write_text(rule.read_text())
    (tmp_path / "sql_injection_probe.samples.yaml").write_text(
        "samples:\n  - {name: broken, match: true, line: '{not json'}\n  - {name: fine, match: false, line: '{}'}\n"
    )
    [result] = run(es, load_pack([tmp_path / rule.name])[0])
    assert result.error is not None and "'broken' does not normalize" in result.error
