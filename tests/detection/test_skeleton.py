"""`rules new`: each source's skeleton is refused by `rules check` as written, and passes check and test once filled in."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from detection import fields, skeleton
from detection.check import check
from detection.errors import RuleError
from detection.pack import load_pack
from detection.ruletest import run

SOURCES = sorted(skeleton.SKELETONS)


def _problems(path: Path, pack: Path) -> list[str]:
    files, collection = load_pack([path])
    return [p.message for p in check(files, list(collection.rules), pack)]


def _fill(path: Path, label: str) -> None:
    """What an engineer does to the skeleton: every TODO resolved (comments dropped, texts written)."""
    lines = []
    for line in path.read_text().splitlines(keepends=True):
        if line.lstrip().startswith("# TODO"):
            continue
        line = re.sub(r"\s*# TODO.*", "", line)
        lines.append(line.replace("TODO ", f"{label} - "))
    path.write_text("".join(lines))


def test_every_source_has_a_skeleton() -> None:
    """`rules new --source` offers every source the pack has."""
    assert set(skeleton.SKELETONS) == set(fields.SERVICES)


@pytest.mark.parametrize("source", SOURCES)
def test_skeleton_is_refused_until_every_todo_is_resolved(tmp_path: Path, source: str) -> None:
    """As written, the skeleton loads and compiles, but check names each TODO line of the rule and its samples."""
    pack = tmp_path / "rules"
    rule, samples = skeleton.write(pack, source, f"new_{source}_rule")
    assert (rule, samples) == (pack / source / f"new_{source}_rule.yml",
                               pack / source / f"new_{source}_rule.samples.yaml")
    problems = _problems(rule, pack)
    placeholders = [p for p in problems if "still a placeholder" in p]
    todo_lines = sum("TODO" in line for f in (rule, samples) for line in f.read_text().splitlines())
    assert len(placeholders) == todo_lines and todo_lines >= 8
    assert any(p.startswith(f"{samples.name} line ") for p in placeholders)
    assert [p for p in problems if p not in placeholders] == [], problems


@pytest.mark.parametrize("source", SOURCES)
def test_filled_in_skeleton_passes_check_and_test(tmp_path: Path, es: Elasticsearch, source: str) -> None:
    """With its TODOs resolved, the example rule checks clean under the pack and its two samples behave."""
    pack = tmp_path / "rules"
    rule, samples = skeleton.write(pack, source, "filled_in")
    for path in (rule, samples):
        _fill(path, f"filled {source}")
    assert _problems(rule, pack) == []
    files, _ = load_pack([rule])
    [result] = run(es, files)
    assert result.ok, result
    assert sorted(s.expected for s in result.samples) == [False, True]


def test_fresh_id_each_time(tmp_path: Path) -> None:
    """Two skeletons never share an id."""
    first, _ = skeleton.write(tmp_path, "cloudtrail", "one")
    second, _ = skeleton.write(tmp_path, "cloudtrail", "two")
    ids = [re.search(r"^id: (\S+)$", p.read_text(), re.MULTILINE).group(1) for p in (first, second)]  # type: ignore[union-attr]
    assert ids[0] != ids[1]


def test_existing_files_are_never_overwritten(tmp_path: Path) -> None:
    """A second `rules new` of the same name, or a samples file already there, is refused and changes nothing."""
    rule, _ = skeleton.write(tmp_path, "waf", "taken")
    rule.write_text("edited")
    with pytest.raises(RuleError, match="already exists") as caught:
        skeleton.write(tmp_path, "waf", "taken")
    assert caught.value.path == str(rule) and rule.read_text() == "edited"
    (tmp_path / "waf" / "orphan.samples.yaml").write_text("kept")
    with pytest.raises(RuleError, match="already exists"):
        skeleton.write(tmp_path, "waf", "orphan")
    assert not (tmp_path / "waf" / "orphan.yml").exists()


@pytest.mark.parametrize("name", ["Bad-Name", "with space", "1starts_with_digit", "../escape", "x.yml"])
def test_names_that_are_no_plain_file_names_are_refused(tmp_path: Path, name: str) -> None:
    """NAME is the file name: lowercase letters, digits and underscores only, so it cannot leave the folder."""
    with pytest.raises(RuleError, match="rule name"):
        skeleton.write(tmp_path, "cloudtrail", name)
    assert not any(tmp_path.rglob("*"))
