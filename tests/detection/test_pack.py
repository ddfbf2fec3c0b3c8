"""The rule pack and the modifier rules: every rule checks clean and its samples behave on Elasticsearch."""
from __future__ import annotations

from pathlib import Path

import pytest

from detection.check import Problem
from detection.pack import load_pack, rule_paths
from detection.ruletest import RuleResult, report

from .conftest import MODIFIER_RULES, PACK

RULES = rule_paths([PACK, MODIFIER_RULES])
IDS = [str(p.relative_to(PACK.parent)) for p in RULES]


def test_pack_has_rules_for_every_aws_source_and_correlations() -> None:
    """The pack covers every AWS source (findings and access logs too) and holds at least two correlations."""
    files, _ = load_pack([PACK])
    sources = {"cloudtrail", "vpcflow", "route53", "waf", "guardduty", "securityhub", "s3access", "applog"}
    assert sources <= {p.parent.name for p in rule_paths([PACK])}
    assert sum(f.is_correlation for f in files) >= 2


@pytest.mark.parametrize("path", RULES, ids=IDS)
def test_rule_checks_clean(path: Path, pack_problems: list[Problem]) -> None:
    """`rules check` finds nothing wrong with the rule file."""
    problems = [str(p) for p in pack_problems if p.path == str(path)]
    assert not problems, problems


@pytest.mark.parametrize("path", RULES, ids=IDS)
def test_rule_samples_match_as_declared(path: Path, pack_results: dict[str, RuleResult]) -> None:
    """Exactly the rule's `match: true` samples match on the real node."""
    result = pack_results[str(path)]
    assert result.ok, report([result])
