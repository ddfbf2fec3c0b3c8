"""Compiling: the generated pipeline, its errors, every target, and the sigma-cli plugin."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from detection import fields
from detection.errors import RuleError
from detection.pack import load_pack
from detection.regex import RegexError, to_lucene
from detection.targets import TARGETS
from normalizer.registry import LOG_TYPES

from .conftest import PACK

RULE = """title: t
id: 0f0e0d0c-0b0a-4909-8807-060504030201
status: test
logsource: {{product: aws, service: {service}}}
detection:
  selection: {{{field}: x}}
  condition: selection
level: low
"""


def _write(tmp_path: Path, service: str = "cloudtrail", field: str = "eventName") -> Path:
    path = tmp_path / "rule.yml"
    path.write_text(RULE.format(service=service, field=field))
    return path


def test_every_native_name_of_the_field_map_resolves() -> None:
    """The pipeline is generated from LOG_TYPES: each native name maps to an ECS field of its source."""
    for service in fields.SERVICES:
        for row in LOG_TYPES[service].fields:
            if row.native and row.type != "object":
                assert fields.resolve(service, row.native).ecs


def test_unknown_field_names_rule_file_and_field(tmp_path: Path) -> None:
    """A field the map lacks is an error naming the rule file and the field."""
    path = _write(tmp_path, field="noSuchField")
    files, collection = load_pack([path])
    with pytest.raises(RuleError) as caught:
        TARGETS["lucene"](files, collection)
    assert str(path) in str(caught.value) and "noSuchField" in str(caught.value)


def test_unknown_logsource_is_an_error(tmp_path: Path) -> None:
    """A rule for a source cloudsift does not ship cannot compile."""
    files, collection = load_pack([_write(tmp_path, service="s3access")])
    with pytest.raises(RuleError, match="logsource"):
        TARGETS["lucene"](files, collection)


def test_regex_is_anchored_and_escapes_lucene_operators() -> None:
    """Sigma's unanchored PCRE becomes a whole-value Lucene regexp with @ and < escaped."""
    assert to_lucene("a@b<c") == ".*(a\\@b\\<c).*"
    assert to_lucene("^ab$") == "(ab)"
    assert to_lucene("[a-c]x", ignore_case=True) == ".*([a-cA-C][xX]).*"


def test_regex_lookaround_is_refused() -> None:
    """Lookarounds have no Lucene equivalent and are refused, not silently changed."""
    with pytest.raises(RegexError):
        to_lucene("a(?=b)")


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_target_compiles_the_pack(target: str) -> None:
    """Each target turns every pack rule into one output line."""
    files, collection = load_pack([PACK])
    assert len(TARGETS[target](files, collection)) == len(files)


def test_eql_target_has_text_for_plain_rules() -> None:
    """EQL (full clusters only) compiles a plain rule to an `any where` query."""
    files, collection = load_pack([PACK / "cloudtrail" / "console_login_without_mfa.yml"])
    assert "event.action" in TARGETS["eql"](files, collection)[0]


def test_esql_text_restricts_to_the_dataset() -> None:
    """ES|QL (full clusters only) carries the dataset condition."""
    files, collection = load_pack([PACK / "cloudtrail" / "console_login_without_mfa.yml"])
    assert 'event.dataset=="aws.cloudtrail"' in TARGETS["esql"](files, collection)[0]


def test_kibana_rules_carry_detection_engine_fields() -> None:
    """Kibana NDJSON: rule_id is the Sigma id; thresholds for counts; ATT&CK threat from tags."""
    files, collection = load_pack([PACK])
    rules = {r["rule_id"]: r for r in map(json.loads, TARGETS["kibana"](files, collection))}
    login = rules["539a0cb7-4b43-4965-9e38-1cf1a230d8b8"]
    assert login["type"] == "query" and login["language"] == "lucene" and login["severity"] == "medium"
    assert login["index"] == ["logs-aws.cloudtrail.cloudsift-*"] and login["from"] == "now-360s"
    assert login["threat"][0]["tactic"]["id"] == "TA0001"
    assert login["threat"][0]["technique"][0]["subtechnique"][0]["id"] == "T1078.004"
    scan = rules["54fdaf0b-6e0f-45f4-b861-876aa6cf53e1"]
    assert scan["type"] == "threshold"
    assert scan["threshold"]["cardinality"] == [{"field": "destination.port", "value": 20}]
    burst = rules["0b7f3b36-2a0c-4c3e-9d45-6f1e2a3b4c5d"]
    assert burst["threshold"] == {"field": ["source.ip"], "value": 10}


def test_sigma_cli_finds_the_plugin() -> None:
    """`sigma convert -t lucene -p cloudsift` works outside cloudsift."""
    sigma = Path(sys.executable).with_name("sigma")
    rule = PACK / "cloudtrail" / "cloudtrail_logging_disabled.yml"
    out = subprocess.run([str(sigma), "convert", "-t", "lucene", "-p", "cloudsift", str(rule)],
                         capture_output=True, text=True, check=True, cwd="/")
    assert "event.action.caseless:(stoplogging OR deletetrail OR updatetrail)" in out.stdout


def test_wildcard_on_a_number_is_a_compile_error(tmp_path: Path) -> None:
    """`dstport: 22*` cannot run on a long field, so it fails at compile time, not at search time."""
    files, collection = load_pack([_write(tmp_path, service="vpcflow", field="dstport")])
    path = files[0].path
    path.write_text(path.read_text().replace("dstport: x", "dstport: '22*'"))
    files, collection = load_pack([path])
    with pytest.raises(RuleError, match="dstport"):
        TARGETS["lucene"](files, collection)


def test_one_correlation_file_compiles_with_the_pack_as_library() -> None:
    """A correlation whose base rule lives in another file resolves it from the pack."""
    path = PACK / "cloudtrail" / "console_login_success_after_failures.yml"
    files, collection = load_pack([path], [PACK])
    [line] = TARGETS["kibana"](files, collection)
    assert json.loads(line)["type"] == "esql"


def test_native_name_with_several_fields_queries_the_verbatim_one() -> None:
    """GuardDuty `severity` lands in event.severity (a long) and verbatim: rules query the verbatim value."""
    from detection import fields

    assert fields.resolve("guardduty", "severity").ecs == "aws.guardduty.severity.code"
