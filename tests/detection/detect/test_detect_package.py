"""`cloudsift detect --package`: a `rules package` artifact runs exactly the rules it was built from."""
from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import uuid
from pathlib import Path

import pytest
from detect_samples import PACK, Shipped, alert_docs, lines, run_cli
from elasticsearch import Elasticsearch
from packages import forge, truncate

from detection.detect.rules import from_package
from detection.lock import LOCK_NAME

# A handful of the pack: plain rules of three sources, and a temporal correlation whose base rules
# sit in two files (the package must resolve the reference across them).
PICKED = ("cloudtrail/root_account_usage", "vpcflow/admin_port_from_internet", "waf/sql_injection_probe",
          "cloudtrail/console_login_failures", "cloudtrail/console_login_success_after_failures")
PLAIN = {"root_account_usage", "admin_port_from_internet", "sql_injection_probe"}


@pytest.fixture(scope="module")
def small_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The picked rules with their samples and the repository's version lock, in a folder of their own."""
    root = tmp_path_factory.mktemp("pack") / "rules"
    for name in PICKED:
        for suffix in (".yml", ".samples.yaml"):
            target = root / f"{name}{suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(PACK / f"{name}{suffix}", target)
    shutil.copy(PACK / LOCK_NAME, root / LOCK_NAME)
    return root


@pytest.fixture(scope="module")
def artifact(small_pack: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`cloudsift rules package` of the small pack."""
    status, out = run_cli("rules", "package", str(small_pack), "--lock", str(small_pack / LOCK_NAME),
                          "--out", str(tmp_path_factory.mktemp("dist")))
    assert status == 0
    return Path(out.strip())


def _alerts(out: str) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(r["rule_id"], r["alert_id"], tuple(sorted(r["matched_ids"]))) for r in lines(out)}


def _detect(shipped: Shipped, namespace: str, *source: str) -> tuple[int, str]:
    return run_cli("detect", "--once", "--index", shipped.index, "--namespace", namespace, "--since", "2h", *source)


def test_package_raises_the_alerts_its_rules_raise(plain_samples: Shipped, small_pack: Path, artifact: Path) -> None:
    """On the shipped samples, the artifact raises exactly the alerts the rule files it holds raise."""
    status, from_rules = _detect(plain_samples, f"a{uuid.uuid4().hex[:10]}", "--rules", str(small_pack))
    assert status == 0
    status, from_package = _detect(plain_samples, f"a{uuid.uuid4().hex[:10]}", "--package", str(artifact))
    assert status == 0
    assert _alerts(from_package) == _alerts(from_rules)
    plain = {str(c.file.rule.id) for c in plain_samples.cases if c.sample.match and c.file.path.stem in PLAIN}
    assert len(plain) == len(PLAIN) and plain <= {r["rule_id"] for r in lines(from_package)}


@pytest.mark.parametrize("damage", ["forged", "truncated"])
def test_a_damaged_artifact_runs_nothing(damage: str, artifact: Path, tmp_path: Path, es: Elasticsearch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A rule file altered after packaging, or an archive cut short, is refused whole: exit 1, the file and
    the mismatch named, no alert written."""
    if damage == "forged":
        bad = forge(artifact, tmp_path / "forged.tar.gz", "root_account_usage.yml", b"level: high", b"level: low")
        expected = ("rules/cloudtrail/root_account_usage.yml: package ", ": altered: its sha256 is ")
    else:
        bad = truncate(artifact, tmp_path / "cut.tar.gz")
        expected = (f"{bad}: not a rule package (truncated or damaged)",)
    namespace = f"a{uuid.uuid4().hex[:10]}"
    capsys.readouterr()
    status, out = run_cli("detect", "--once", "--namespace", namespace, "--since", "2h", "--package", str(bad))
    err = capsys.readouterr().err
    assert (status, out) == (1, "")
    assert err.startswith("cloudsift: error: ") and all(part in err for part in expected), err
    assert alert_docs(es, namespace) == []


def test_a_rule_that_compiles_otherwise_here_is_not_run(artifact: Path, tmp_path: Path) -> None:
    """A rule file changed with its manifest hash to match still compiles to another query than the one
    packaged: that rule is reported, not run; the others are."""
    with tarfile.open(artifact) as tar:
        tar.extractall(tmp_path, filter="data")
    [folder] = tmp_path.iterdir()
    rule = folder / "rules" / "vpcflow" / "admin_port_from_internet.yml"
    rule.write_text(rule.read_text().replace("- 3389", "- 3390"))
    manifest = json.loads((folder / "manifest.json").read_text())
    for entry in manifest["rules"]:
        if entry["file"] == "rules/vpcflow/admin_port_from_internet.yml":
            entry["source_sha256"] = hashlib.sha256(rule.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    rules, errors = from_package(folder, "*", None)
    assert [str(e).split(": package ")[0] for e in errors] == ["rules/vpcflow/admin_port_from_internet.yml"]
    assert "compiles here to content sha256" in str(errors[0])
    assert len(rules) == len(PICKED) - 1
