"""`cloudsift rules check|compile` as a script sees them: parseable output and one exit status per outcome."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from cloudsift.cli import main

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "rules"
TARGET_RULES = ROOT / "tests" / "detection" / "target_rules"
RECORD_KEYS = {"id", "title", "file", "target", "query"}


def _rules(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str]]:
    """`cloudsift rules ARGS…`: exit status, stdout lines, stderr lines."""
    status = main(["rules", *args])
    out = capsys.readouterr()
    return status, out.out.splitlines(), out.err.splitlines()


def _titles_by_file(folder: Path) -> dict[str, tuple[str, str]]:
    """Each rule file's main rule (its correlation, else its only rule): (id, title), read as plain YAML."""
    out = {}
    for path in sorted(folder.glob("*.yml")):
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        main_doc = next((d for d in docs if "correlation" in d), docs[0])
        out[str(path)] = (main_doc["id"], main_doc["title"])
    return out


@pytest.mark.parametrize("target", ["lucene", "dsl", "esql", "eql", "kibana"])
def test_compile_prints_one_record_per_rule(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Every stdout line is one JSON record naming its rule; every refused rule is one stderr line naming its file."""
    status, lines, errors = _rules(capsys, "compile", "--target", target, str(TARGET_RULES))
    records = [json.loads(line) for line in lines]
    expected = _titles_by_file(TARGET_RULES)
    assert all(set(r) == RECORD_KEYS and r["target"] == target for r in records)
    compiled = {r["file"]: (r["id"], r["title"]) for r in records}
    refused = {line.removeprefix("cloudsift: error: ").split(": ", 1)[0] for line in errors}
    assert len(records) + len(errors) == len(expected) and compiled.keys().isdisjoint(refused)
    assert compiled == {path: expected[path] for path in compiled} and refused <= expected.keys()
    assert status == (1 if errors else 0)
    query_type = dict if target in ("dsl", "kibana") else str
    assert all(isinstance(r["query"], query_type) and r["query"] for r in records)


def test_multi_line_esql_stays_inside_its_record(capsys: pytest.CaptureFixture[str]) -> None:
    """An ES|QL correlation spans lines inside the JSON string: one stdout line per rule all the same."""
    status, lines, _ = _rules(capsys, "compile", "--target", "esql", str(TARGET_RULES / "event_count.yml"))
    [record] = [json.loads(line) for line in lines]
    assert status == 0 and record["query"].count("\n") == 4 and record["query"].startswith("FROM logs-aws.cloudtrail")


def test_kibana_import_format_is_the_rules_alone(capsys: pytest.CaptureFixture[str]) -> None:
    """`--format kibana-import`: each line is a detection rule, as Kibana's import API takes it."""
    status, lines, _ = _rules(capsys, "compile", "--target", "kibana", "--format", "kibana-import",
                              str(PACK / "waf"))
    rules = [json.loads(line) for line in lines]
    assert status == 0 and len(rules) == len(list((PACK / "waf").glob("*.yml")))
    assert all({"rule_id", "name", "type", "query", "index", "threat"} <= set(r) for r in rules)


def test_kibana_import_format_needs_the_kibana_target(capsys: pytest.CaptureFixture[str]) -> None:
    """`--format kibana-import --target lucene` is a usage error: exit 2, nothing on stdout."""
    status, lines, errors = _rules(capsys, "compile", "--target", "lucene", "--format", "kibana-import",
                                   str(PACK / "waf"))
    assert status == 2 and lines == [] and errors == [
        "cloudsift: error: --format kibana-import needs --target kibana, not lucene"]


def test_check_of_a_clean_pack_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """No problem: exit 0 and nothing on stdout."""
    status, lines, errors = _rules(capsys, "check", str(PACK))
    assert (status, lines) == (0, []) and errors[-1].endswith("rule file(s), 0 problem(s)")


def _broken_and_flawed(tmp_path: Path) -> tuple[Path, Path]:
    """A folder with a file that is no Sigma rule, and a rule whose samples are all positive."""
    broken = tmp_path / "broken.yml"
    broken.write_text("title: [unclosed\n")
    source = PACK / "waf" / "sql_injection_probe.yml"
    flawed = tmp_path / source.name
    shutil.copy(source, flawed)
    samples = source.with_name(source.stem + ".samples.yaml").read_text().replace("match: false", "match: true")
    flawed.with_name(source.stem + ".samples.yaml").write_text(samples)
    return broken, flawed


def test_check_reports_broken_and_flawed_files_alike_with_exit_1(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file that does not load and a rule with a problem are both reported, one line each, and exit 1."""
    broken, flawed = _broken_and_flawed(tmp_path)
    status, lines, _ = _rules(capsys, "check", str(tmp_path))
    assert status == 1
    by_file: dict[str, list[str]] = {}
    for line in lines:
        path, _, problem = line.partition(": ")
        by_file.setdefault(path, []).append(problem)
    assert list(by_file) == [str(broken), str(flawed)]  # checked files only, in file order
    assert by_file[str(broken)] == ["not a valid Sigma rule: did not find expected ',' or ']' (line 2, column 1)"]
    assert "no negative sample (match: false)" in by_file[str(flawed)]


def test_missing_path_is_a_rule_problem_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`rules check` (and compile) of a path that does not exist: exit 1, the path named."""
    for action in ("check", "compile"):
        status, _, errors = _rules(capsys, action, str(tmp_path / "nowhere"))
        assert status == 1 and errors[-1] == f"cloudsift: error: {tmp_path / 'nowhere'}: no such rule file or folder"


def test_rules_help_documents_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    """`rules check --help` says what 0, 1 and 2 mean."""
    with pytest.raises(SystemExit):
        main(["rules", "check", "--help"])
    text = capsys.readouterr().out
    assert "exit status:" in text and "\n  1  some rule is not" in text and "\n  2  usage or environment" in text


def test_new_writes_the_two_files_and_refuses_to_overwrite(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`rules new --source S NAME` prints the two paths it wrote; the same again is exit 1, naming the file."""
    pack = tmp_path / "rules"
    status, lines, errors = _rules(capsys, "new", "--source", "cloudtrail", "--pack", str(pack), "my_rule")
    rule = pack / "cloudtrail" / "my_rule.yml"
    assert status == 0 and lines == [str(rule), str(pack / "cloudtrail" / "my_rule.samples.yaml")]
    assert "edit every TODO" in errors[-1]
    status, lines, errors = _rules(capsys, "new", "--source", "cloudtrail", "--pack", str(pack), "my_rule")
    refusal = f"cloudsift: error: {rule}: already exists: rules new never overwrites a file"
    assert (status, lines, errors) == (1, [], [refusal])


def test_new_skeleton_fails_check(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A skeleton written into the default pack folder is refused by `rules check` until its TODOs are gone."""
    monkeypatch.chdir(tmp_path)
    assert _rules(capsys, "new", "--source", "vpcflow", "odd_port_from_internet")[0] == 0
    status, lines, _ = _rules(capsys, "check")
    assert status == 1 and lines and all(line.startswith("rules/vpcflow/odd_port_from_internet.yml: ")
                                         for line in lines)
    assert any("still a placeholder: title: TODO" in line for line in lines)
