"""The version lock: a rule's version moves when, and only when, what it says or compiles to changes."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cloudsift.cli import main
from detection.lock import LOCK_NAME, build, read_lock, stale
from detection.pack import load_pack

ROOT = Path(__file__).resolve().parents[2]
ROOT_ACCOUNT = "cloudtrail/root_account_usage.yml"


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A copy of the repository's pack, locked: edits stay in the test."""
    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    (copy / LOCK_NAME).unlink(missing_ok=True)
    assert _lock(copy) == 0
    return copy


def _lock(pack: Path, *args: str) -> int:
    return main(["rules", "lock", str(pack), "--lock", str(pack / LOCK_NAME), *args])


def _versions(pack: Path) -> dict[str, int]:
    return {entry["file"]: entry["version"] for entry in json.loads((pack / LOCK_NAME).read_text()).values()}


def test_new_rules_start_at_version_one(pack: Path) -> None:
    """The first lock gives every rule of the pack version 1, by its file."""
    assert set(_versions(pack).values()) == {1}
    assert len(_versions(pack)) == len(list(pack.rglob("*.yml")))


def test_editing_one_rule_bumps_exactly_that_rule(pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A changed description (it is in the Kibana rule) moves that rule to version 2; every other rule stays at 1."""
    before = _versions(pack)
    rule = pack / ROOT_ACCOUNT
    rule.write_text(rule.read_text().replace("made an API call itself", "called an API itself"))
    capsys.readouterr()
    assert _lock(pack) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"{ROOT_ACCOUNT}: version 1 → 2"
    after = _versions(pack)
    assert {f for f in after if after[f] != before[f]} == {ROOT_ACCOUNT} and after[ROOT_ACCOUNT] == 2


def test_what_compiles_to_nothing_does_not_bump(pack: Path) -> None:
    """Comments, layout, `status`, `date` and the samples beside a rule reach neither Kibana nor the detector."""
    rule = pack / ROOT_ACCOUNT
    rule.write_text("# a comment\n" + rule.read_text().replace("level: high", "level:   high  # kept")
                    .replace("status: experimental", "status: stable").replace("date: 2026-11-28", "date: 2026-12-01"))
    samples = rule.with_name("root_account_usage.samples.yaml")
    samples.write_text(samples.read_text() + "\n# one more comment\n")
    assert _lock(pack, "--check") == 0 and _lock(pack) == 0
    assert set(_versions(pack).values()) == {1}


def test_check_fails_on_an_unlocked_change(pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`rules lock --check` names the changed rule, exits 1 and writes nothing."""
    rule = pack / ROOT_ACCOUNT
    rule.write_text(rule.read_text().replace("level: high", "level: critical"))
    before = (pack / LOCK_NAME).read_text()
    capsys.readouterr()
    assert _lock(pack, "--check") == 1
    assert ROOT_ACCOUNT in capsys.readouterr().out and (pack / LOCK_NAME).read_text() == before


def test_a_removed_rule_keeps_its_version(pack: Path) -> None:
    """A rule taken out and put back goes on from its version: Kibana never sees a version go down."""
    rule = pack / ROOT_ACCOUNT
    text = rule.read_text()
    rule.write_text(text.replace("level: high", "level: low"))
    assert _lock(pack) == 0 and _versions(pack)[ROOT_ACCOUNT] == 2
    rule.unlink()
    assert _lock(pack) == 0 and _versions(pack)[ROOT_ACCOUNT] == 2
    rule.write_text(text)
    assert _lock(pack) == 0 and _versions(pack)[ROOT_ACCOUNT] == 3


def test_a_changed_detection_bumps_a_rule_kibana_cannot_run(pack: Path) -> None:
    """A rule without a Kibana rule is versioned by the search the detector runs."""
    rule = pack / "cloudtrail" / "console_login_success_after_failures.yml"
    assert rule.exists() and "timespan: 10m" in rule.read_text()
    rule.write_text(rule.read_text().replace("timespan: 10m", "timespan: 15m"))
    assert _lock(pack) == 0 and _versions(pack)["cloudtrail/console_login_success_after_failures.yml"] == 2


def test_repository_lock_is_current() -> None:
    """rules/version.lock.json records every rule of the pack as it is (after editing rules: `cloudsift rules lock`)."""
    files, _ = load_pack([ROOT / "rules"])
    outdated = [str(r.file.path) for r in stale(read_lock(ROOT / "rules" / LOCK_NAME), build(files))]
    assert not outdated, f"run `cloudsift rules lock` and commit rules/{LOCK_NAME}: {outdated}"
