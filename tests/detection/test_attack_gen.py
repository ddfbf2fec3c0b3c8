"""The ATT&CK table: generated from MITRE's data (STIX bundle or extract), shipped as pure data with MITRE's notice."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from detection import attack, attack_enterprise
from detection.attack_gen import MITRE_NOTICE, NOTICE, TABLE, Matrix, main, notice_text, table_source
from detection.attack_model import Tactic, Technique

TACTICS = [{"id": "TA0001", "shortname": "initial-access", "name": "Initial Access"},
           {"id": "TA0006", "shortname": "credential-access", "name": "Credential Access"}]


def _load(path: Path) -> dict:
    """The names a generated table module defines."""
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - our own generated data module
    return namespace


def _ref(ident: str) -> list[dict]:
    return [{"source_name": "mitre-attack", "external_id": ident}]


def test_extract_becomes_a_table_and_a_notice(tmp_path: Path) -> None:
    """The extract's tactics (in order) and techniques land in the module; the NOTICE carries MITRE's terms."""
    source = tmp_path / "extract.json"
    long_source = "MITRE ATT&CK Enterprise v0.1 (a test extract whose description runs past one line of the table, " \
                  "as a real one may)"
    source.write_text(json.dumps({"source": long_source, "tactics": TACTICS,
                                  "techniques": [
                                      {"id": "T1110", "name": "Brute Force", "tactics": ["credential-access"],
                                       "platforms": ["Windows", "SaaS", "IaaS"], "subtechnique": False},
                                      {"id": "T1110.001", "name": "Password Guessing",
                                       "tactics": ["credential-access"], "platforms": [], "subtechnique": True}]}))
    out = tmp_path / "table.py"
    assert main([str(source), "--out", str(out)]) == 0
    table = _load(out)
    assert table["RELEASE"] == "MITRE ATT&CK Enterprise v0.1" and table["SOURCE"] == long_source
    assert max(map(len, out.read_text().splitlines())) <= 110
    assert table["TACTICS"] == {"initial-access": ("TA0001", "Initial Access"),
                                "credential-access": ("TA0006", "Credential Access")}
    assert list(table["TACTICS"]) == ["initial-access", "credential-access"]
    assert table["TECHNIQUES"] == {"T1110": ("Brute Force", ("credential-access",)),
                                   "T1110.001": ("Password Guessing", ("credential-access",))}
    # Cloud platforms only, in the table's order; a technique of none is not listed.
    assert table["PLATFORMS"] == {"T1110": ("IaaS", "SaaS")}
    assert MITRE_NOTICE in out.read_text() and MITRE_NOTICE in (tmp_path / NOTICE.name).read_text()


def test_stix_bundle_leaves_out_revoked_and_deprecated(tmp_path: Path) -> None:
    """From a STIX bundle: matrix order of tactics, mitre-attack kill-chain phases, no revoked or deprecated one."""
    objects = [
        {"type": "x-mitre-collection", "id": "x-mitre-collection--1", "name": "ATT&CK Enterprise",
         "x_mitre_version": "9.9"},
        {"type": "x-mitre-matrix", "id": "x-mitre-matrix--1", "tactic_refs": ["x-mitre-tactic--b", "x-mitre-tactic--a"]},
        {"type": "x-mitre-tactic", "id": "x-mitre-tactic--a", "name": "Credential Access",
         "x_mitre_shortname": "credential-access", "external_references": _ref("TA0006")},
        {"type": "x-mitre-tactic", "id": "x-mitre-tactic--b", "name": "Initial Access",
         "x_mitre_shortname": "initial-access", "external_references": _ref("TA0001")},
        {"type": "attack-pattern", "id": "attack-pattern--1", "name": "Valid Accounts", "external_references":
         _ref("T1078"), "x_mitre_platforms": ["IaaS"], "kill_chain_phases": [
             {"kill_chain_name": "mitre-attack", "phase_name": "initial-access"},
             {"kill_chain_name": "other-framework", "phase_name": "credential-access"}]},
        {"type": "attack-pattern", "id": "attack-pattern--2", "name": "Scripting", "x_mitre_deprecated": True,
         "external_references": _ref("T1064"),
         "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}]},
        {"type": "attack-pattern", "id": "attack-pattern--3", "name": "PowerShell", "revoked": True,
         "external_references": _ref("T1086"),
         "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}]},
    ]
    source = tmp_path / "enterprise-attack-9.9.json"
    source.write_text(json.dumps({"type": "bundle", "objects": objects}))
    out = tmp_path / "table.py"
    assert main([str(source), "--out", str(out)]) == 0
    table = _load(out)
    assert table["RELEASE"] == "MITRE ATT&CK Enterprise v9.9"
    assert list(table["TACTICS"]) == ["initial-access", "credential-access"]
    assert table["TECHNIQUES"] == {"T1078": ("Valid Accounts", ("initial-access",))}
    assert table["PLATFORMS"] == {"T1078": ("IaaS",)}


def test_inconsistent_source_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A technique naming a tactic the matrix lacks stops the generator with exit 1; nothing is written."""
    source = tmp_path / "extract.json"
    source.write_text(json.dumps({"source": "x", "tactics": TACTICS, "techniques": [
        {"id": "T1", "name": "n", "tactics": ["impact"]}]}))
    out = tmp_path / "table.py"
    assert main([str(source), "--out", str(out)]) == 1
    assert "T1 names tactics ['impact'] the matrix lacks" in capsys.readouterr().err and not out.exists()


def test_shipped_table_is_the_generators_output() -> None:
    """detection/attack_enterprise.py is exactly what the generator writes for its contents (never hand-edited)."""
    matrix = Matrix(
        attack_enterprise.RELEASE, attack_enterprise.SOURCE,
        tuple(Tactic(i, n, s) for s, (i, n) in attack_enterprise.TACTICS.items()),
        tuple(Technique(i, n, t, attack_enterprise.PLATFORMS.get(i, ()))
              for i, (n, t) in attack_enterprise.TECHNIQUES.items()),
    )
    assert TABLE.read_text() == table_source(matrix)
    assert NOTICE.read_text() == notice_text(matrix)


def test_shipped_table_is_all_of_enterprise_v18_1() -> None:
    """14 tactics and 691 active techniques and sub-techniques, each with its tactics and cloud platforms; lines fit
    110 columns."""
    assert attack.RELEASE == "MITRE ATT&CK Enterprise v18.1"
    assert len(attack.TACTICS) == 14 and len(attack.TECHNIQUES) == 691
    assert attack.TECHNIQUES["T1110"].tactics == ("credential-access",)
    assert set(attack.TECHNIQUES["T1078.004"].tactics) == {
        "defense-evasion", "persistence", "privilege-escalation", "initial-access"}
    assert attack.tactic("credential_access") == Tactic("TA0006", "Credential Access", "credential-access")
    # The cloud matrices: 151 techniques of a cloud platform, 104 of them IaaS (AWS's matrix).
    assert sum(bool(t.platforms) for t in attack.TECHNIQUES.values()) == 151
    assert sum("IaaS" in t.platforms for t in attack.TECHNIQUES.values()) == 104
    assert attack.TECHNIQUES["T1020.001"].platforms == ("IaaS",) and attack.TECHNIQUES["T1003"].platforms == ()
    assert max(map(len, TABLE.read_text().splitlines())) <= 110
