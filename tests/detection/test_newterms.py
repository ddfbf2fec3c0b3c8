"""cloudsift's new-terms extension: a Kibana new_terms rule, refused by the other targets, checked by `rules check`."""
from __future__ import annotations

from pathlib import Path

import pytest

from detection.check import check
from detection.errors import RuleError
from detection.pack import load_pack
from detection.targets import TARGETS, Output, compile_files

from .conftest import PACK

RULE = PACK / "cloudtrail" / "console_login_new_source_ip.yml"
EXTENSION = """cloudsift:
  new_terms:
    fields:
      - userIdentity.arn
      - sourceIPAddress
    history_window: 14d
"""


def _compile(path: Path, target: str) -> Output | RuleError:
    [out] = compile_files(target, load_pack([path], [PACK])[0])
    return out


def test_kibana_export_is_a_new_terms_rule() -> None:
    """The rule becomes Kibana's new_terms type: ECS fields, the history window as date math, the base query."""
    out = _compile(RULE, "kibana")
    assert isinstance(out, Output) and isinstance(out.query, dict)
    rule = out.query
    assert rule["type"] == "new_terms" and rule["language"] == "lucene"
    assert rule["new_terms_fields"] == ["aws.cloudtrail.user_identity.arn", "source.address"]
    assert rule["history_window_start"] == "now-14d" and rule["from"] == "now-360s"
    assert rule["index"] == ["logs-aws.cloudtrail.cloudsift-*"]
    assert rule["query"] == ("event.dataset:aws.cloudtrail AND (event.provider.caseless:signin.amazonaws.com AND "
                             "event.action.caseless:consolelogin AND event.outcome.caseless:success)")
    assert rule["note"].startswith("Ask the user whether the sign-in was theirs")


@pytest.mark.parametrize("target", sorted(set(TARGETS) - {"kibana"}))
def test_other_targets_refuse_it_naming_kibana(target: str) -> None:
    """Lucene, DSL, ES|QL and EQL have no first-seen condition: the rule is refused, not half-compiled."""
    out = _compile(RULE, target)
    assert isinstance(out, RuleError) and out.path == str(RULE)
    assert "runs only as a Kibana new_terms rule (--target kibana)" in out.message


BAD = {
    "unknown key": (EXTENSION.replace("  new_terms:", "  first_seen: {}\n  new_terms:"), "holds one key, new_terms"),
    "four fields": (EXTENSION.replace("      - sourceIPAddress\n", "      - sourceIPAddress\n      - awsRegion\n"
                                      "      - userAgent\n"), "a list of 1 to 3 distinct field names"),
    "unknown field": (EXTENSION.replace("sourceIPAddress", "sourceIp"), "'sourceIp' is not in cloudsift's field map"),
    "flattened field": (EXTENSION.replace("sourceIPAddress", "requestParameters.bucketName"),
                        "kept in a flattened field"),
    "no unit": (EXTENSION.replace("14d", "14"), "a duration such as 14d"),
    "too short": (EXTENSION.replace("14d", "6h"), "shorter than a day"),
    "no window": (EXTENSION.replace("    history_window: 14d\n", ""), "exactly `fields` and `history_window`"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_extension_is_a_check_problem(tmp_path: Path, case: str) -> None:
    """`rules check` names what is wrong with `cloudsift.new_terms`, at the rule file."""
    extension, expected = BAD[case]
    text = RULE.read_text()
    assert EXTENSION in text
    path = tmp_path / RULE.name
    path.write_text(text.replace(EXTENSION, extension))
    path.with_name(RULE.stem + ".samples.yaml").write_text(RULE.with_name(RULE.stem + ".samples.yaml").read_text())
    files, collection = load_pack([path])
    problems = [str(p) for p in check(files, list(collection.rules))]
    assert [p for p in problems if p.startswith(f"{path}: ") and expected in p], problems


def test_extension_on_a_correlation_is_refused(tmp_path: Path) -> None:
    """A correlation already has its own condition: new terms go on a plain rule."""
    source = PACK / "cloudtrail" / "console_login_failures.yml"
    path = tmp_path / source.name
    path.write_text(source.read_text() + EXTENSION)
    path.with_name(source.stem + ".samples.yaml").write_text(source.with_name(source.stem + ".samples.yaml").read_text())
    files, collection = load_pack([path])
    assert any("goes on a plain rule, not a correlation" in p.message for p in check(files, list(collection.rules)))
