"""Compiling: the generated pipeline and its errors (targets: test_targets.py; sigma-cli: test_sigma_cli.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from detection import fields
from detection.errors import RuleError
from detection.pack import load_pack
from detection.regex import RegexError, to_lucene
from detection.targets import Output, compile_files
from normalizer.registry import LOG_TYPES

from .conftest import PACK

RULE = """title: t
id: 0f0e0d0c-0b0a-4909-8807-060504030201
status: test
logsource: {{product: aws, service: {service}}}
detection:
  selection: {{{field}: x}}
  condition: selection
level: low
"""


def _write(tmp_path: Path, service: str = "cloudtrail", field: str = "eventName") -> Path:
    path = tmp_path / "rule.yml"
    path.write_text(RULE.format(service=service, field=field))
    return path


def _lucene(path: Path) -> str:
    """The Lucene query of one rule file; its RuleError raised."""
    [out] = compile_files("lucene", load_pack([path])[0])
    if isinstance(out, RuleError):
        raise out
    assert isinstance(out.query, str)
    return out.query


def test_every_native_name_of_the_field_map_resolves() -> None:
    """The pipeline is generated from LOG_TYPES: each native name maps to an ECS field of its source."""
    for service in fields.SERVICES:
        for row in LOG_TYPES[service].fields:
            if row.native and row.type != "object":
                assert fields.resolve(service, row.native).ecs


def test_unknown_field_names_rule_file_and_field(tmp_path: Path) -> None:
    """A field the map lacks is an error naming the rule file and the field."""
    path = _write(tmp_path, field="noSuchField")
    with pytest.raises(RuleError) as caught:
        _lucene(path)
    assert caught.value.path == str(path) and "'noSuchField'" in caught.value.message
    assert str(path) not in caught.value.message  # named once, by the RuleError


def test_unknown_logsource_is_an_error(tmp_path: Path) -> None:
    """A rule for a source cloudsift does not ship cannot compile."""
    with pytest.raises(RuleError, match="logsource"):
        _lucene(_write(tmp_path, service="s3access"))


def test_regex_is_anchored_and_escapes_lucene_operators() -> None:
    """Sigma's unanchored PCRE becomes a whole-value Lucene regexp with @ and < escaped."""
    assert to_lucene("a@b<c") == ".*(a\\@b\\<c).*"
    assert to_lucene("^ab$") == "(ab)"
    assert to_lucene("[a-c]x", ignore_case=True) == ".*([a-cA-C][xX]).*"


def test_regex_lookaround_is_refused() -> None:
    """Lookarounds have no Lucene equivalent and are refused, not silently changed."""
    with pytest.raises(RegexError):
        to_lucene("a(?=b)")


def test_wildcard_on_a_number_is_a_compile_error(tmp_path: Path) -> None:
    """`dstport: 22*` cannot run on a long field, so it fails at compile time, not at search time."""
    path = _write(tmp_path, service="vpcflow", field="dstport")
    path.write_text(path.read_text().replace("dstport: x", "dstport: '22*'"))
    with pytest.raises(RuleError, match="dstport"):
        _lucene(path)


def test_one_correlation_file_compiles_with_the_pack_as_library() -> None:
    """A correlation whose base rule lives in another file resolves it from the pack."""
    path = PACK / "cloudtrail" / "console_login_success_after_failures.yml"
    [out] = compile_files("dsl", load_pack([path], [PACK])[0])
    assert isinstance(out, Output) and isinstance(out.query, dict)
    assert set(out.query["aggs"]["groups"]["aggs"]["seconds"]["aggs"]["rules"]["filters"]["filters"]) == {
        "aws_console_login_failure", "aws_console_login_success"}


def test_native_name_with_several_fields_queries_the_verbatim_one() -> None:
    """GuardDuty `severity` lands in event.severity (a long) and verbatim: rules query the verbatim value."""
    from detection import fields

    assert fields.resolve("guardduty", "severity").ecs == "aws.guardduty.severity.code"


def test_derived_field_is_named_by_its_ecs_name(tmp_path: Path) -> None:
    """A field the normalizer derives (event.outcome) has no native name: a rule names it in ECS, and it compiles."""
    path = _write(tmp_path, field="event.outcome")
    assert "event.outcome.caseless:x" in _lucene(path)
    [esql] = compile_files("esql", load_pack([path])[0])
    assert isinstance(esql, Output) and 'event.outcome=="x"' in str(esql.query)


def test_ecs_name_of_a_native_field_is_refused_with_the_native_name(tmp_path: Path) -> None:
    """`event.action` is what `eventName` becomes: the rule must name `eventName`, and the error says so."""
    with pytest.raises(RuleError, match="ECS field of 'eventName'"):
        _lucene(_write(tmp_path, field="event.action"))


def test_only_searchable_derived_fields_are_reachable() -> None:
    """Objects, flattened fields and fields kept in _source only are no derived targets of rules."""
    from normalizer.mapping import NOT_INDEXED

    for service in fields.SERVICES:
        for name in ("event.original", "aws.cloudtrail.flattened.unmapped"):
            with pytest.raises(fields.UnknownField):
                fields.resolve(service, name)
        assert "event.original" in NOT_INDEXED
