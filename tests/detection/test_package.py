"""`cloudsift rules package`: one reproducible artifact that `load_package` reads back, checked file by file."""
from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest
from packages import forge, truncate

from cloudsift.cli import main
from detection.errors import RuleError
from detection.lock import LOCK_NAME, build, versioned
from detection.pack import load_pack
from detection.package import load_package, read_manifest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A copy of the repository's pack with its lock."""
    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    return copy


def _package(pack: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    capsys.readouterr()
    assert main(["rules", "package", str(pack), "--lock", str(pack / LOCK_NAME), "--out", str(out)]) == 0
    return Path(capsys.readouterr().out.strip())


def test_package_round_trip(pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every rule comes back with its id, file, version and Kibana rule; the manifest names the compilers."""
    artifact = _package(pack, tmp_path / "dist", capsys)
    manifest = read_manifest(artifact)
    assert artifact.name == f"cloudsift-rules-{manifest['version']}.tar.gz"
    assert {"cloudsift", "pySigma", "pysigma-backend-elasticsearch", "attack"} <= manifest["compilers"].keys()
    files, _ = load_pack([pack])
    built = {b.rule_id: b for b in build(files)}
    lock = json.loads((pack / LOCK_NAME).read_text())
    rules = load_package(artifact)
    assert [r.rule_id for r in rules] == [e["id"] for e in manifest["rules"]] and len(rules) == len(built)
    for rule in rules:
        assert rule.version == lock[rule.rule_id]["version"] and rule.sha256 == built[rule.rule_id].sha256
        assert rule.kibana == versioned(built[rule.rule_id], rule.version)
        assert rule.file == f"rules/{lock[rule.rule_id]['file']}" and str(rule.source.rule.id) == rule.rule_id
    refused = [r for r in rules if r.kibana is None]
    assert all(r.kibana_error for r in refused) and len(refused) == sum(b.kibana is None for b in built.values())


def test_package_is_reproducible(pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same pack gives the same name and the same bytes."""
    first = _package(pack, tmp_path / "a", capsys)
    second = _package(pack, tmp_path / "b", capsys)
    assert first.name == second.name and first.read_bytes() == second.read_bytes()


def test_package_bumps_and_renames_with_an_edited_rule(pack: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Packaging an edited pack updates the lock: that rule's version moves and the pack version with it."""
    before = read_manifest(_package(pack, tmp_path / "a", capsys))
    rule = pack / "cloudtrail" / "root_account_usage.yml"
    rule.write_text(rule.read_text().replace("level: high", "level: critical"))
    after = read_manifest(_package(pack, tmp_path / "b", capsys))
    moved = {e["id"]: e["version"] for e in after["rules"] if e not in before["rules"]}
    assert moved == {"a60fbc80-1c5b-489f-b719-b311555870f3": 2} and after["version"] != before["version"]


def test_unpacked_folder_is_a_package(pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The archive unpacked is accepted as well, with the same rules."""
    artifact = _package(pack, tmp_path / "dist", capsys)
    with tarfile.open(artifact) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    [folder] = (tmp_path / "unpacked").iterdir()
    assert [r.rule_id for r in load_package(folder)] == [r.rule_id for r in load_package(artifact)]


def test_an_altered_rule_is_refused(pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rule file changed after packaging no longer matches the manifest: the package is refused, naming it."""
    artifact = _package(pack, tmp_path / "dist", capsys)
    forged = forge(artifact, tmp_path / "forged.tar.gz", "root_account_usage.yml", b"level: high", b"level: low")
    with pytest.raises(RuleError, match="root_account_usage.yml: package .*: altered: its sha256 is [0-9a-f]{64}, "
                       "the manifest's [0-9a-f]{64}"):
        load_package(forged)


def test_not_a_package(tmp_path: Path) -> None:
    """Any other file is refused with one clear message."""
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    with pytest.raises(RuleError, match="not a rule package"):
        load_package(junk)


def test_a_truncated_archive_is_refused(pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An archive cut short (a download that stopped) is refused as damaged, naming the file."""
    artifact = _package(pack, tmp_path / "dist", capsys)
    cut = truncate(artifact, tmp_path / "cut.tar.gz")
    with pytest.raises(RuleError, match=f"{cut}: not a rule package \\(truncated or damaged\\)"):
        load_package(cut)


def test_an_edited_manifest_is_refused(pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A manifest whose rule list was edited (a version or hash changed) no longer matches its own version."""
    artifact = _package(pack, tmp_path / "dist", capsys)
    with tarfile.open(artifact) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    [folder] = (tmp_path / "unpacked").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["rules"][0]["version"] += 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(RuleError, match="manifest.json altered: its rules digest to [0-9a-f]{12}, its version says"):
        load_package(folder)


def test_a_broken_kibana_line_is_refused(pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """kibana.ndjson with a line that is no JSON rule is refused, naming the file and the line."""
    artifact = _package(pack, tmp_path / "dist", capsys)
    forged = forge(artifact, tmp_path / "forged.tar.gz", "kibana.ndjson", b'{"', b'{')
    with pytest.raises(RuleError, match="kibana.ndjson: package .*: altered: line 1 is no Kibana rule"):
        load_package(forged)
