"""ES|QL negations keep Sigma's two-valued meaning: `not X` matches an event that lacks X's fields.

ES|QL compares a missing field as null, `not null` is null and WHERE drops null (Elastic's "Working
with NULL values in ES|QL"). The local node cannot run ES|QL, so these tests check the structure of
what is compiled: every logical `not` applies to an operand that cannot be null — `coalesce(…, false)`,
`field is [not] null`, another such negation, or a parenthesized and/or of those.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sigma.rule import SigmaRule

from detection import conditions
from detection.pack import load_pack
from detection.targets import Output, compile_files

from .conftest import MODIFIER_RULES, PACK

TARGET_RULES = Path(__file__).resolve().parent / "target_rules"

# Strings and quoted names first, so that words inside them are never read as operators.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|`(?:[^`]|``)*`|[A-Za-z_@][\w.@]*|\d+(?:\.\d+)?|==|!=|<=|>=|[<>(),*]')
_ENDS_OPERAND = {"and", "or", ")", ","}


def _tokens(condition: str) -> list[str]:
    tokens = _TOKEN.findall(condition)
    assert not _TOKEN.sub(" ", condition).strip(), f"untokenized text in {condition!r}"
    return [t.lower() if t[0] not in '"`' else t for t in tokens]


def _closing(tokens: list[str], open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(tokens)):
        depth += {"(": 1, ")": -1}.get(tokens[i], 0)
        if depth == 0:
            return i
    raise AssertionError(f"unbalanced parentheses in {' '.join(tokens)}")


def _never_null_term(tokens: list[str], at: int) -> int | None:
    """The end of a term at `at` that cannot be null, or None if the term there can be."""
    tok = tokens[at] if at < len(tokens) else None
    if tok == "not":
        return _never_null_term(tokens, at + 1)
    if tok == "coalesce" and tokens[at + 1] == "(":
        close = _closing(tokens, at + 1)
        return close + 1 if tokens[close - 2:close] == [",", "false"] else None
    if tok == "(":
        close = _closing(tokens, at)
        inner = tokens[at + 1:close]
        return close + 1 if _never_null_expression(inner) else None
    if tok is not None and (tok[0].isalpha() or tok[0] in "`@_"):  # a field name
        rest = tokens[at + 1:at + 4]
        if rest[:2] == ["is", "null"]:
            return at + 3
        if rest == ["is", "not", "null"]:
            return at + 4
    return None


def _never_null_expression(tokens: list[str]) -> bool:
    at = 0
    while True:
        end = _never_null_term(tokens, at)
        if end is None:
            return False
        if end == len(tokens):
            return True
        if tokens[end] not in ("and", "or"):
            return False
        at = end + 1


def unsafe_negations(condition: str) -> list[str]:
    """Each logical `not` of an ES|QL condition whose operand may be null, with the text after it."""
    tokens = _tokens(condition)
    unsafe = []
    for i, tok in enumerate(tokens):
        if tok != "not" or (i and tokens[i - 1] == "is"):  # `is not null` is a null test, not a negation
            continue
        end = _never_null_term(tokens, i + 1)
        if end is None or (end < len(tokens) and tokens[end] not in _ENDS_OPERAND):
            unsafe.append(" ".join(tokens[i:i + 8]))
    return unsafe


def _where(query: str) -> list[str]:
    """The conditions of a compiled ES|QL query: its WHERE lines and the CASE conditions of a temporal."""
    found = []
    for line in query.split("\n| "):
        if line.startswith("WHERE "):
            found.append(line.removeprefix("WHERE "))
        elif line.startswith("EVAL matched_"):
            found += re.findall(r"CASE\((.*?), 1, 0\)(?:, |$)", line)
    return found


def test_the_checker_flags_what_es_ql_reads_three_valued() -> None:
    """The structural check itself: the backend's plain `not X` fails it, every null-safe form passes."""
    assert unsafe_negations('a=="x" and not b=="y"') == ['not b == "y"']
    assert unsafe_negations("not (b like \"*x*\" or c is null)")
    assert unsafe_negations("not coalesce(b==\"y\", true)")
    assert unsafe_negations("not b is null == true")
    assert not unsafe_negations('a=="x" and not coalesce(b=="y" or not coalesce(c in ("not x", "y"), false), false)')
    assert not unsafe_negations("not b is not null and not (c is null or not `d e` is null)")


def _condition(detection: dict) -> str:
    rule = SigmaRule.from_dict({"title": "t", "logsource": {"product": "aws", "service": "cloudtrail"},
                                "detection": detection})
    return conditions.esql().rule(rule).removeprefix('event.dataset=="aws.cloudtrail" and ')


FILTERS = {"sel": {"eventName": "A"}, "filter_code": {"errorCode": "X"},
           "filter_agent": {"userAgent|contains": "aws"}}


@pytest.mark.parametrize(("detection", "expected"), [
    ({**FILTERS, "condition": "sel and not filter_code"},
     'event.action=="A" and not coalesce(aws.cloudtrail.error_code=="X", false)'),
    ({**FILTERS, "condition": "sel and not 1 of filter_*"},
     'event.action=="A" and not coalesce(aws.cloudtrail.error_code=="X" or user_agent.original like "*aws*", false)'),
    ({**FILTERS, "condition": "sel and not (filter_code or filter_agent)"},
     'event.action=="A" and not coalesce(aws.cloudtrail.error_code=="X" or user_agent.original like "*aws*", false)'),
    ({**FILTERS, "condition": "sel and not (filter_code and not filter_agent)"},
     ('event.action=="A" and not coalesce(aws.cloudtrail.error_code=="X" and '
     'not coalesce(user_agent.original like "*aws*", false), false)')),
    ({"sel": {"eventName": "A"}, "f": {"errorCode|exists": True}, "condition": "sel and not f"},
     'event.action=="A" and not aws.cloudtrail.error_code is not null'),
    ({"sel": {"eventName": "A"}, "f": {"errorCode": None}, "condition": "sel and not f"},
     'event.action=="A" and not aws.cloudtrail.error_code is null'),
    ({"sel": {"eventName": "A"}, "f": {"errorCode": None, "userAgent": "x"}, "condition": "sel and not f"},
     'event.action=="A" and not coalesce(aws.cloudtrail.error_code is null and user_agent.original=="x", false)'),
    ({"sel": {"eventName": "A"}, "f": {"errorCode": None}, "g": {"userAgent|exists": False},
      "condition": "sel and not (f or g)"},
     'event.action=="A" and not (aws.cloudtrail.error_code is null or user_agent.original is null)'),
    ({"f": {"errorCode": ["a", "b"]}, "condition": "not not f"},
     'not (not coalesce(aws.cloudtrail.error_code in ("a", "b"), false))'),
], ids=["not", "not-1-of", "not-or", "nested-not", "not-exists", "not-null", "null-and-value", "null-tests",
        "double-not"])
def test_each_negation_reads_null_as_false(detection: dict, expected: str) -> None:
    """A negated comparison is wrapped in coalesce(…, false); a negated null or existence test is not."""
    condition = _condition(detection)
    assert condition == expected
    assert not unsafe_negations(condition)


def test_every_compiled_es_ql_condition_negates_only_null_safe_operands() -> None:
    """The pack, the modifier rules and the target rules: every ES|QL condition, and every Kibana ES|QL rule."""
    files, _ = load_pack([PACK, MODIFIER_RULES, TARGET_RULES], [PACK])
    queries = [out.query for out in compile_files("esql", files) if isinstance(out, Output)]
    queries += [out.query["query"] for out in compile_files("kibana", files)
                if isinstance(out, Output) and isinstance(out.query, dict) and out.query["type"] == "esql"]
    assert all(isinstance(q, str) for q in queries)
    found = [c for q in queries for c in _where(str(q))]
    negated = [c for c in found if "not" in _tokens(c)]
    assert len(negated) > 100  # most pack rules filter something out
    assert {c: unsafe_negations(c) for c in found if unsafe_negations(c)} == {}
