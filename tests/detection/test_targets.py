"""Every target's exact output for small rules (golden files), and what it makes of the pack.

golden/<rule>/<target>.txt holds the query as `rules compile` prints it (text, or JSON for dsl and
kibana), or `refused: <reason>`. Set CLOUDSIFT_UPDATE_GOLDEN=1 to rewrite them after a deliberate
change, and read the diff.
"""
from __future__ import annotations

import fnmatch
import json
import os
from pathlib import Path

import pytest

from detection import kibana, streams
from detection.errors import RuleError
from detection.pack import RuleFile, load_pack
from detection.targets import TARGETS, Output, compile_files
from shipper.templates import data_stream

from .conftest import PACK

HERE = Path(__file__).resolve().parent
TARGET_RULES = HERE / "target_rules"
GOLDEN = HERE / "golden"
CASES = [(rule.stem, target) for rule in sorted(TARGET_RULES.glob("*.yml")) for target in sorted(TARGETS)]


def _compiled(paths: list[Path], target: str) -> dict[str, Output | RuleError]:
    files, _ = load_pack(paths, [PACK])
    return {str(f.path): out for f, out in zip(files, compile_files(target, files), strict=True)}


def _render(out: Output | RuleError) -> str:
    if isinstance(out, RuleError):
        return f"refused: {out.message}\n"
    query = out.query
    return (query if isinstance(query, str) else json.dumps(query, indent=2, sort_keys=True)) + "\n"


@pytest.fixture(scope="module")
def target_rules() -> dict[tuple[str, str], Output | RuleError]:
    """Every fixture rule compiled for every target."""
    return {(Path(path).stem, target): out for target in TARGETS
            for path, out in _compiled([TARGET_RULES], target).items()}


@pytest.mark.parametrize(("rule", "target"), CASES, ids=[f"{r}-{t}" for r, t in CASES])
def test_output_is_exactly_the_golden_file(rule: str, target: str, target_rules: dict) -> None:
    """The fixture rule compiles for the target to exactly its golden text, or is refused as recorded."""
    expected = GOLDEN / rule / f"{target}.txt"
    got = _render(target_rules[rule, target])
    if os.environ.get("CLOUDSIFT_UPDATE_GOLDEN"):
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(got)
    assert got == expected.read_text()


def test_refusals_name_their_rule_file(target_rules: dict) -> None:
    """A refused rule's error carries the path of its own file."""
    refused = {key: out for key, out in target_rules.items() if isinstance(out, RuleError)}
    assert refused
    for (rule, _), error in refused.items():
        assert error.path == str(TARGET_RULES / f"{rule}.yml"), error


def test_every_correlation_type_and_operator_reaches_kibana_or_is_refused(target_rules: dict) -> None:
    """No Kibana rule carries an empty query: each is a query, threshold or ES|QL rule, or a RuleError."""
    for (rule, target), out in target_rules.items():
        if target != "kibana" or isinstance(out, RuleError):
            continue
        assert isinstance(out.query, dict)
        assert out.query["type"] in ("query", "threshold", "esql") and out.query["query"], rule
        assert ("index" in out.query) == (out.query["type"] != "esql"), rule  # ES|QL names them in FROM


# What each target may refuse a pack rule for (a rule refused for anything else is a bug), and the most
# it may refuse: the pack is written so that nearly every rule reaches every target.
NEW_TERMS = "runs only as a Kibana new_terms rule"
FLATTENED = "flattened field"
ALLOWED_REFUSALS = {
    "lucene": ((NEW_TERMS,), 2), "dsl": ((NEW_TERMS,), 2), "kibana": ((), 0),
    "esql": ((NEW_TERMS, FLATTENED), 12),
    "eql": ((NEW_TERMS, FLATTENED, "EQL cannot express a temporal correlation",
             "EQL cannot express a value_count correlation", "EQL cannot express"), 40),
}


@pytest.mark.parametrize("target", sorted(ALLOWED_REFUSALS))
def test_pack_compiles_except_what_the_target_cannot_express(target: str) -> None:
    """Every pack rule compiles for every target, but for refusals of the kinds the target cannot express."""
    reasons, most = ALLOWED_REFUSALS[target]
    outputs = _compiled([PACK], target)
    refused = {str(Path(p).relative_to(PACK.parent)): out.message
               for p, out in outputs.items() if isinstance(out, RuleError)}
    assert len(refused) <= most, sorted(refused)
    for path, message in refused.items():
        assert any(reason in message for reason in reasons), (path, message)
    if target != "kibana":
        for new_terms_rule in ("cloudtrail/console_login_new_source_ip.yml", "s3access/s3_new_external_principal.yml"):
            assert NEW_TERMS in refused[f"rules/{new_terms_rule}"]


def test_esql_reads_the_data_streams_of_the_rule_source() -> None:
    """ES|QL starts FROM the data streams of the rule's own source (rules/<source>/), never `from *`."""
    compiled = [out for out in _compiled([PACK], "esql").values() if isinstance(out, Output)]
    assert len(compiled) > 10
    for out in compiled:
        assert isinstance(out.query, str)
        source_command = out.query.splitlines()[0].removesuffix(" METADATA _id, _index, _version")
        patterns = source_command.removeprefix("FROM ").split(", ")
        assert patterns == list(streams.index_patterns(out.file.path.parent.name)), out.file.path


def test_index_patterns_match_the_shippers_data_streams() -> None:
    """The patterns rules search match the streams the shipper writes, in any namespace."""
    assert fnmatch.fnmatch(data_stream("aws.cloudtrail", "prod-eu"), streams.index_patterns("cloudtrail")[0])
    assert len(streams.index_patterns("route53")) == 2


def _pack_file(relative: str) -> RuleFile:
    files, _ = load_pack([PACK / relative], [PACK])
    return files[0]


def test_kibana_puts_each_technique_under_its_own_tactics() -> None:
    """T1110 goes under Credential Access only, T1078.004 under Initial Access only."""
    rule = _pack_file("cloudtrail/console_login_success_after_failures.yml").rule
    by_tactic = {t["tactic"]["id"]: t["technique"] for t in kibana.threat(rule)}
    assert [(t["id"], [s["id"] for s in t["subtechnique"]]) for t in by_tactic["TA0006"]] == [("T1110", [])]
    assert [(t["id"], [s["id"] for s in t["subtechnique"]]) for t in by_tactic["TA0001"]] == [
        ("T1078", ["T1078.004"])]


def test_kibana_rules_carry_detection_engine_fields() -> None:
    """Kibana rules: rule_id is the Sigma id; thresholds for counts; the source's data streams."""
    rules = {out.query["rule_id"]: out.query for out in _compiled([PACK], "kibana").values()
             if isinstance(out, Output) and isinstance(out.query, dict)}
    assert all(r["note"].strip() for r in rules.values())  # every pack rule has its investigation guide
    login = rules["539a0cb7-4b43-4965-9e38-1cf1a230d8b8"]
    assert login["type"] == "query" and login["language"] == "lucene" and login["severity"] == "medium"
    assert login["index"] == ["logs-aws.cloudtrail.cloudsift-*"] and login["from"] == "now-360s"
    assert login["threat"][0]["tactic"]["id"] == "TA0001"
    assert login["threat"][0]["technique"][0]["subtechnique"][0]["id"] == "T1078.004"
    scan = rules["54fdaf0b-6e0f-45f4-b861-876aa6cf53e1"]
    assert scan["type"] == "threshold"
    assert scan["threshold"] == {"field": ["source.ip"], "value": 1,
                                 "cardinality": [{"field": "destination.port", "value": 20}]}
    burst = rules["0b7f3b36-2a0c-4c3e-9d45-6f1e2a3b4c5d"]
    assert burst["threshold"] == {"field": ["source.ip"], "value": 10}


def test_threshold_limits_of_kibana_fall_back_to_esql(tmp_path: Path) -> None:
    """Six group-by fields exceed Kibana's threshold limit of five: the rule becomes ES|QL instead."""
    source = (TARGET_RULES / "event_count.yml").read_text()
    six = "    - sourceIPAddress\n" + "".join(f"    - {f}\n" for f in (
        "userIdentity.arn", "eventName", "awsRegion", "recipientAccountId", "userAgent"))
    path = tmp_path / "six_fields.yml"
    path.write_text(source.replace("    - sourceIPAddress\n", six))
    [out] = _compiled([path], "kibana").values()
    assert isinstance(out, Output) and isinstance(out.query, dict)
    assert out.query["type"] == "esql" and "BY source.address, aws.cloudtrail.user_identity.arn" in out.query["query"]
