"""`rules check`: duplicate ids, ATT&CK tags and missing samples are reported at the rule file."""
from __future__ import annotations

from pathlib import Path

from detection.check import check
from detection.pack import load_pack

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


def test_unknown_attack_technique_is_reported(tmp_path: Path) -> None:
    """A technique tag outside the embedded ATT&CK subset names itself."""
    text = SOURCE.read_text().replace("attack.t1562.008", "attack.t9999")
    problems = _problems(_copy(tmp_path, "rule_with_bad_tag", text))
    assert any("attack.t9999" in p for p in problems), problems


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
