"""The sigma-cli plugin, as a sigma-cli user meets it: the real `sigma convert`, run from the checkout root."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import MODIFIER_RULES, PACK, ROOT

SIGMA = Path(sys.executable).with_name("sigma")
ADMIN_PORT = PACK / "vpcflow" / "admin_port_from_internet.yml"
LOGIN_FAILURES = PACK / "cloudtrail" / "console_login_failures.yml"
SUCCESS_AFTER_FAILURES = PACK / "cloudtrail" / "console_login_success_after_failures.yml"


def _sigma(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`sigma convert -t lucene ARGS…` with this checkout's plugin first on the path."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([str(SIGMA), "convert", "-t", "lucene", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, check=False, timeout=120)


def test_pipeline_maps_native_names_from_the_checkout_root() -> None:
    """`-p cloudsift_ecs` from the checkout root: ECS names, the dataset condition, CIDR on the ip field."""
    proc = _sigma("-p", "cloudsift_ecs", ADMIN_PORT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (
        "event.dataset:aws.vpcflow AND (((destination.port:(22 OR 3389)) AND event.action.caseless:accept) AND "
        "(NOT (source.ip:10.0.0.0\\/8 OR source.ip:172.16.0.0\\/12 OR source.ip:192.168.0.0\\/16)))"
    )


def test_old_name_from_the_checkout_root_is_a_clear_error() -> None:
    """`-p cloudsift` names the cloudsift/ folder there: sigma-cli stops and says which name to use."""
    proc = _sigma("-p", "cloudsift", ADMIN_PORT)
    assert proc.returncode != 0 and proc.stdout.strip() == ""
    assert "use `-p cloudsift_ecs`" in proc.stderr


def test_old_name_still_works_outside_the_checkout(tmp_path: Path) -> None:
    """Where no `cloudsift` folder is in the way, the old name is the same pipeline."""
    proc = _sigma("-p", "cloudsift", ADMIN_PORT, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == _sigma("-p", "cloudsift_ecs", ADMIN_PORT).stdout


def test_cased_rule_queries_the_exact_field() -> None:
    """`|cased` compiles to the exact keyword field with the value as written."""
    proc = _sigma("-p", "cloudsift_ecs", MODIFIER_RULES / "cased_is_case_sensitive.yml")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "event.dataset:aws.cloudtrail AND event.action:PutBucketPolicy"


def test_folder_with_samples_converts_its_rules(tmp_path: Path) -> None:
    """Samples files (`*.samples.yaml`) beside the rules are not read as rules: one query per rule."""
    for rule in (ADMIN_PORT, MODIFIER_RULES / "cased_is_case_sensitive.yml"):
        shutil.copy(rule, tmp_path)
        shutil.copy(rule.with_name(rule.stem + ".samples.yaml"), tmp_path)
    proc = _sigma("-p", "cloudsift_ecs", tmp_path)
    assert proc.returncode == 0, proc.stderr
    alone = [_sigma("-p", "cloudsift_ecs", tmp_path / name).stdout.strip()
             for name in (ADMIN_PORT.name, "cased_is_case_sensitive.yml")]
    assert sorted(q for q in proc.stdout.splitlines() if q) == sorted(alone)


def test_pack_folder_fails_on_correlations_not_on_samples() -> None:
    """sigma-cli's Lucene backend has no correlations: that is the one error, samples cause none."""
    proc = _sigma("-p", "cloudsift_ecs", PACK)
    assert proc.returncode != 0
    assert "does not support correlation rules" in proc.stderr and "samples" not in proc.stderr


def test_correlation_with_base_rule_in_another_file_names_the_missing_rule() -> None:
    """sigma-cli resolves references within each argument: a base rule in another argument is reported."""
    proc = _sigma("-p", "cloudsift_ecs", SUCCESS_AFTER_FAILURES, LOGIN_FAILURES)
    assert proc.returncode != 0
    assert "Rule 'aws_console_login_failure' not found" in proc.stderr


def test_correlation_with_its_base_rules_in_one_folder_meets_the_backend_limit(tmp_path: Path) -> None:
    """Given one folder, sigma-cli resolves the reference; the Lucene backend then refuses the correlation."""
    for rule in (SUCCESS_AFTER_FAILURES, LOGIN_FAILURES):
        shutil.copy(rule, tmp_path)
    proc = _sigma("-p", "cloudsift_ecs", tmp_path)
    assert proc.returncode != 0
    assert "does not support correlation rules" in proc.stderr and "not found" not in proc.stderr


def test_other_targets_are_told_the_pipeline_is_for_lucene() -> None:
    """`-t esql -p cloudsift_ecs`: sigma-cli says the pipeline is not meant for that target."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([str(SIGMA), "convert", "-t", "esql", "-p", "cloudsift_ecs", str(ADMIN_PORT)],
                          capture_output=True, text=True, cwd=ROOT, env=env, check=False, timeout=120)
    assert proc.returncode != 0 and "not intended to be used with the target esql" in proc.stderr
