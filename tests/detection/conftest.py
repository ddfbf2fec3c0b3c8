"""Fixtures for the rule tooling tests: the pack and the modifier rules, tested once per session."""
from __future__ import annotations

from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from detection.check import Problem, check
from detection.pack import load_pack
from detection.ruletest import RuleResult, run

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "rules"
MODIFIER_RULES = Path(__file__).resolve().parent / "modifier_rules"


@pytest.fixture(scope="session")
def pack_results(es: Elasticsearch) -> dict[str, RuleResult]:
    """`rules test` over the whole pack and the modifier rules, in one run (one index, one msearch)."""
    files, _ = load_pack([PACK, MODIFIER_RULES])
    return {result.path: result for result in run(es, files)}


@pytest.fixture(scope="session")
def pack_problems() -> list[Problem]:
    """`rules check` over the pack and the modifier rules, once: the pack's rules must say all a pack rule says."""
    files, collection = load_pack([PACK, MODIFIER_RULES])
    return check(files, list(collection.rules), PACK)
