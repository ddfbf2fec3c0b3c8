"""`rules check`: duplicate ids, ATT&CK tags, broken files and missing samples are reported at the rule file."""
from __future__ import annotations

from pathlib import Path

import pytest

from detection.check import check
from detection.errors import RuleError
from detection.pack import load_all, load_pack

from .conftest import PACK

SOURCE = PACK / "cloudtrail" / "cloudtrail_logging_disabled.yml"


def _copy(tmp_path: Path, name: str, text: str | None = None, samples: str | None = None) -> Path:
    path = tmp_path / f"{name}.yml"
    path.write_text(text if text is not None else SOURCE.read_text())
    sample_text = samples if samples is not None else SOURCE.with_name(SOURCE.stem + ".samples.yaml").read_text()
    path.with_name(f"{name}.samples.yaml").write_text(sample_text)
    return path


def _problems(*paths: Path) -> list[str]:
    files, collection = load_pack(list(paths))
    return [str(p) for p in check(files, list(collection.rules))]


def test_duplicate_ids_are_reported(tmp_path: Path) -> None:
    """Two rule files with the same id are a problem."""
    problems = _problems(_copy(tmp_path, "first_copy_of_rule"), _copy(tmp_path, "second_copy_of_rule"))
    assert any("Identifier" in p and "first_copy_of_rule" in p for p in problems), problems


@pytest.mark.parametrize("ident", ["t9999", "t1064", "t1086"], ids=["unknown", "deprecated", "revoked"])
def test_inactive_attack_technique_is_reported(tmp_path: Path, ident: str) -> None:
    """A technique the ATT&CK table lacks (T1064 Scripting is deprecated, T1086 PowerShell revoked) names its tag."""
    text = SOURCE.read_text().replace("attack.t1562.008", f"attack.{ident}")
    path = _copy(tmp_path, "rule_with_bad_tag", text)
    problems = _problems(path)
    assert [p for p in problems if f"attack.{ident}" in p] == [
        (f"{path}: attack.{ident}: {ident.upper()} is not an active technique of MITRE ATT&CK Enterprise v18.1 "
         "(unknown, revoked or deprecated)")]


def test_technique_outside_the_tagged_tactics_is_reported(tmp_path: Path) -> None:
    """T1562.008 (Defense Evasion) on a rule that tags only Discovery is a problem naming the tag."""
    text = SOURCE.read_text().replace("attack.defense_evasion", "attack.discovery")
    path = _copy(tmp_path, "rule_with_wrong_tactic", text)
    assert f"{path}: attack.t1562.008 (Disable or Modify Cloud Logs) belongs to attack.defense_evasion, none of " \
           "which the rule tags" in _problems(path)


def test_broken_file_is_a_problem_and_the_others_are_still_checked(tmp_path: Path) -> None:
    """A file that is not valid Sigma is reported at its path; the good file beside it is checked too."""
    good = _copy(tmp_path, "good_rule")
    broken = tmp_path / "broken_rule.yml"
    broken.write_text("title: [unclosed\n")
    files, _, errors = load_all([tmp_path])
    assert [f.path for f in files] == [good]
    assert [e.path for e in errors] == [str(broken)] and "not a valid Sigma rule" in errors[0].message


def test_dangling_correlation_reference_names_its_file(tmp_path: Path) -> None:
    """A correlation naming a rule no file defines is an error of the correlation's own file."""
    correlation = PACK / "cloudtrail" / "console_login_success_after_failures.yml"
    (tmp_path / correlation.name).write_text(correlation.read_text())
    _, _, errors = load_all([tmp_path])
    [error] = errors
    assert error.path == str(tmp_path / correlation.name)
    assert error.message.startswith("correlation names rule 'aws_console_login_failure', which no rule file defines")


def test_samples_file_with_the_old_suffix_is_an_error(tmp_path: Path) -> None:
    """`name.samples.yml` (the suffix before sigma-cli compatibility) says what to rename it to."""
    path = _copy(tmp_path, "rule_with_old_samples")
    path.with_name("rule_with_old_samples.samples.yaml").rename(path.with_name("rule_with_old_samples.samples.yml"))
    with pytest.raises(RuleError, match=r"rename it to rule_with_old_samples\.samples\.yaml"):
        load_pack([tmp_path])


def test_rule_without_negative_sample_is_reported(tmp_path: Path) -> None:
    """Every rule needs at least one `match: false` sample."""
    samples = SOURCE.with_name(SOURCE.stem + ".samples.yaml").read_text().replace("match: false", "match: true")
    problems = _problems(_copy(tmp_path, "rule_only_positive", samples=samples))
    assert any("no negative sample" in p for p in problems), problems


def test_rule_without_samples_file_is_reported(tmp_path: Path) -> None:
    """A rule with no samples file is a problem naming the file to add."""
    path = tmp_path / "rule_without_samples.yml"
    path.write_text(SOURCE.read_text())
    assert any("rule_without_samples.samples.yaml" in p for p in _problems(path))
