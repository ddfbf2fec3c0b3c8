"""`cloudsift deploy kibana` against a contract server (kibana_stub.py): a contract test, not a live Kibana.

Kibana cannot run here. The server enforces the request schemas written from Kibana's OpenAPI
definitions of the detection engine and the data views, answers in their shapes and keeps state, so
these tests show what cloudsift sends and how it reads the answers, not how a real Kibana behaves.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from packages import forge

from cloudsift.cli import main
from deploy.kibana import TAG, data_views
from detection.lock import LOCK_NAME

from .kibana_stub import KibanaStub, schema

ROOT = Path(__file__).resolve().parents[2]
KEY = "Y2xvdWRzaWZ0OnRlc3Qta2V5"  # an encoded API key's shape; the server accepts this one only
ROOT_ACCOUNT = "a60fbc80-1c5b-489f-b719-b311555870f3"


@pytest.fixture
def kibana(monkeypatch: pytest.MonkeyPatch) -> Iterator[KibanaStub]:
    """A contract server, with KIBANA_URL and KIBANA_API_KEY pointing at it."""
    with KibanaStub(KEY) as stub:
        monkeypatch.setenv("KIBANA_URL", stub.url)
        monkeypatch.setenv("KIBANA_API_KEY", KEY)
        yield stub
        assert stub.violations == [], "requests broke Kibana's API contract"


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A copy of the repository's pack and its version lock."""
    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    return copy


def _deploy(capsys: pytest.CaptureFixture[str], pack: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["deploy", "kibana", str(pack), "--lock", str(pack / LOCK_NAME), *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def _lock(pack: Path) -> dict:
    assert main(["rules", "lock", str(pack), "--lock", str(pack / LOCK_NAME)]) == 0
    return json.loads((pack / LOCK_NAME).read_text())


def _kibana_rules(capsys: pytest.CaptureFixture[str], *paths: str) -> list[dict]:
    """`rules compile --target kibana --format kibana-import`: the rules, as an analyst would import them."""
    capsys.readouterr()
    main(["rules", "compile", "--target", "kibana", "--format", "kibana-import", *paths])
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_every_compiled_rule_meets_the_import_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """Each Kibana rule the compiler writes (the pack and the target test rules) is a valid rule to import."""
    validator = schema("rule_to_import")
    rules = _kibana_rules(capsys, str(ROOT / "rules"), str(ROOT / "tests" / "detection" / "target_rules"))
    assert {r["type"] for r in rules} == {"query", "threshold", "esql", "new_terms"}
    for rule in rules:
        assert not [e.message for e in validator.iter_errors(rule)], rule["rule_id"]


def test_the_schema_refuses_what_kibana_refuses() -> None:
    """The rule schema is not a formality: a score above 100, an unknown field, an ES|QL index are refused."""
    good = {"rule_id": "x", "name": "n", "description": "d", "risk_score": 21, "severity": "low", "type": "query",
            "language": "lucene", "query": "*", "version": 1}
    validator = schema("rule_to_import")
    assert validator.is_valid(good)
    for bad in ({**good, "risk_score": 101}, {**good, "severity": "urgent"}, {**good, "colour": "red"},
                {**good, "version": 0}, {**good, "type": "esql", "language": "esql", "index": ["logs-*"]},
                {**good, "type": "threshold"}, {k: v for k, v in good.items() if k != "rule_id"}):
        assert not validator.is_valid(bad), bad
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"data_view": {"name": "no title"}}, json.loads(
            (Path(__file__).with_name("kibana_schemas") / "create_data_view_request.json").read_text()))


def test_first_deploy_imports_the_pack_and_creates_the_data_views(
        kibana: KibanaStub, pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One import of every Kibana rule (rule_id = Sigma id, version from the lock), one data view per dataset and alerts."""
    status, out, err = _deploy(capsys, pack)
    assert status == 0, err
    lock = json.loads((pack / LOCK_NAME).read_text())
    expected = {r["rule_id"]: r for r in _kibana_rules(capsys, str(pack))}
    stored = kibana.space().rules
    assert stored.keys() == expected.keys() and all(TAG in r["tags"] for r in stored.values())
    assert {rule_id: r["version"] for rule_id, r in stored.items()} == {i: lock[i]["version"] for i in expected}
    assert all(stored[i]["meta"]["cloudsift"]["sha256"] == lock[i]["sha256"] for i in expected)
    imports = [c for c in kibana.calls if c.path.endswith("/rules/_import")]
    assert len(imports) == 1 and imports[0].query == {"overwrite": "true"}
    assert {(v["id"], v["title"]) for v in kibana.space().views.values()} == {
        (view_id, view["title"]) for view_id, view in data_views().items()}
    assert "logs-cloudsift.alerts-*" in {v["title"] for v in kibana.space().views.values()}
    assert out.splitlines()[-1] == f"imported {len(expected)} rule(s), deleted 0, {len(data_views())} data view change(s)"
    assert "not a Kibana rule" not in err  # every pack rule compiles for Kibana (tests/detection/test_targets.py)


def test_second_deploy_sends_nothing(kibana: KibanaStub, pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Deployed once, the pack is current: "no changes", and only reads reach Kibana."""
    assert _deploy(capsys, pack)[0] == 0
    writes = len(kibana.writes())
    status, out, _ = _deploy(capsys, pack)
    assert (status, out, len(kibana.writes())) == (0, "no changes\n", writes)


def test_editing_one_rule_bumps_exactly_that_rule(kibana: KibanaStub, pack: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """After an edit and `rules lock`, only that rule is sent again, one version up; the others stay as they were."""
    assert _deploy(capsys, pack)[0] == 0
    before = {rule_id: r["version"] for rule_id, r in kibana.space().rules.items()}
    rule = pack / "cloudtrail" / "root_account_usage.yml"
    rule.write_text(rule.read_text().replace("level: high", "level: critical"))
    _lock(pack)
    status, out, _ = _deploy(capsys, pack)
    assert status == 0 and out.splitlines()[0] == f"~ kibana rule {ROOT_ACCOUNT} (Root Account API Activity)"
    bumped = before[ROOT_ACCOUNT] + 1
    assert "    ~ severity: high → critical" in out.splitlines()
    assert f"    ~ version: {before[ROOT_ACCOUNT]} → {bumped}" in out.splitlines()
    last = [c for c in kibana.calls if c.path.endswith("/rules/_import")][-1]
    assert [(r["rule_id"], r["version"]) for r in last.body] == [(ROOT_ACCOUNT, bumped)]
    versions = {rule_id: r["version"] for rule_id, r in kibana.space().rules.items()}
    assert versions == {**before, ROOT_ACCOUNT: bumped}


def test_an_unlocked_edit_is_not_deployed(kibana: KibanaStub, pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rule changed since the lock stops the deploy before any request: a version is never guessed."""
    rule = pack / "cloudtrail" / "root_account_usage.yml"
    rule.write_text(rule.read_text().replace("level: high", "level: low"))
    status, _, err = _deploy(capsys, pack)
    assert status == 1 and "root_account_usage.yml" in err and "cloudsift rules lock" in err
    assert kibana.calls == []


def test_prune_deletes_only_our_rules_that_left_the_pack(kibana: KibanaStub, pack: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Without --prune a removed rule is kept and named; with it, deleted by id; a rule not ours is never touched."""
    assert _deploy(capsys, pack)[0] == 0
    foreign = {**next(iter(kibana.space().rules.values())), "rule_id": "someone-else", "id": "f0", "tags": ["soc"]}
    kibana.space().rules["someone-else"] = foreign
    (pack / "cloudtrail" / "root_account_usage.yml").unlink()
    _lock(pack)
    status, out, err = _deploy(capsys, pack)
    assert (status, out) == (0, "no changes\n") and f"kept, not in the pack (--prune deletes it): {ROOT_ACCOUNT}" in err
    removed_id = kibana.space().rules[ROOT_ACCOUNT]["id"]
    status, out, _ = _deploy(capsys, pack, "--prune")
    assert status == 0 and out.splitlines()[0] == f"- kibana rule {ROOT_ACCOUNT} (Root Account API Activity)"
    [delete] = [c for c in kibana.calls if c.path.endswith("/rules/_bulk_action")]
    assert delete.body == {"action": "delete", "ids": [removed_id]}
    assert ROOT_ACCOUNT not in kibana.space().rules and "someone-else" in kibana.space().rules


def test_import_errors_are_reported_per_rule(kibana: KibanaStub, pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rule Kibana refuses is named with Kibana's status and message, exit 1; the other rules are imported."""
    kibana.refuse[ROOT_ACCOUNT] = (409, "rule is being edited by someone else")
    status, out, err = _deploy(capsys, pack)
    assert status == 1
    assert f"cloudsift: error: Kibana refused rule {ROOT_ACCOUNT}: HTTP 409 rule is being edited by someone else" in err
    assert ROOT_ACCOUNT not in kibana.space().rules and len(kibana.space().rules) > 1
    assert out.splitlines()[-1].endswith("; 1 rule(s) refused")
    del kibana.refuse[ROOT_ACCOUNT]
    status, out, _ = _deploy(capsys, pack)
    assert status == 0 and out.splitlines() == [f"+ kibana rule {ROOT_ACCOUNT} (Root Account API Activity)",
                                                "    + version: 1", "imported 1 rule(s), deleted 0, 0 data view change(s)"]


def test_dry_run_sends_no_write(kibana: KibanaStub, pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--dry-run lists every rule and data view to create and writes nothing."""
    status, out, _ = _deploy(capsys, pack, "--dry-run")
    assert status == 0 and kibana.writes() == [] and kibana.space().rules == {}
    assert f"+ kibana rule {ROOT_ACCOUNT} (Root Account API Activity)" in out.splitlines()
    assert "+ data view cloudsift-alerts (logs-cloudsift.alerts-*)" in out.splitlines()
    assert out.splitlines()[-1].startswith("dry run: ")


def test_a_data_view_changed_in_kibana_is_put_back(kibana: KibanaStub, pack: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A data view whose pattern was edited is updated to ours (its id kept), and then current."""
    assert _deploy(capsys, pack)[0] == 0
    kibana.space().views["cloudsift-alerts"]["title"] = "logs-*"
    status, out, _ = _deploy(capsys, pack)
    assert status == 0 and "    ~ title: logs-* → logs-cloudsift.alerts-*" in out.splitlines()
    assert kibana.space().views["cloudsift-alerts"]["title"] == "logs-cloudsift.alerts-*"
    assert _deploy(capsys, pack)[1] == "no changes\n"


def test_a_space_is_addressed_by_its_path(kibana: KibanaStub, pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--space soc sends every request under /s/soc/; the default space stays empty."""
    assert _deploy(capsys, pack, "--space", "soc")[0] == 0
    assert all(c.path.startswith("/s/soc/api/") for c in kibana.calls)
    assert kibana.space("soc").rules and not kibana.space("default").rules


def test_a_package_deploys_what_the_checkout_does(kibana: KibanaStub, pack: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """`deploy kibana --package` sends the packaged rules; the checkout they came from is then current."""
    capsys.readouterr()
    assert main(["rules", "package", str(pack), "--lock", str(pack / LOCK_NAME), "--out", str(tmp_path / "dist")]) == 0
    artifact = capsys.readouterr().out.strip()
    assert main(["deploy", "kibana", "--package", artifact]) == 0
    assert kibana.space().rules.keys() == {r["rule_id"] for r in _kibana_rules(capsys, str(pack))}
    assert _deploy(capsys, pack)[1] == "no changes\n"


def test_a_tampered_package_sends_nothing(kibana: KibanaStub, pack: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A package whose Kibana rules were edited after packaging is refused before any request: exit 1, the
    rule's file and the mismatch named."""
    capsys.readouterr()
    assert main(["rules", "package", str(pack), "--lock", str(pack / LOCK_NAME), "--out", str(tmp_path / "dist")]) == 0
    artifact = Path(capsys.readouterr().out.strip())
    forged = forge(artifact, tmp_path / "forged.tar.gz", "kibana.ndjson", b'"severity": "high"', b'"severity": "low"')
    assert main(["deploy", "kibana", "--package", str(forged)]) == 1
    err = capsys.readouterr().err
    assert "cloudsift: error: rules/" in err and "kibana.ndjson altered: it holds sha256 " in err, err
    assert kibana.calls == []


def test_a_wrong_api_key_is_one_clear_line(kibana: KibanaStub, pack: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Kibana's 401 ends the run with exit 2 and its message; the key is not printed."""
    monkeypatch.setenv("KIBANA_API_KEY", "d3Jvbmc6a2V5")
    status, _, err = _deploy(capsys, pack)
    assert status == 2 and "HTTP 401" in err and "d3Jvbmc6a2V5" not in err
    kibana.violations.clear()  # the refused key is this test's point, not a breach of the contract
