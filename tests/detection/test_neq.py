"""`|neq` negates its whole detection item, on a real node, also when its values land in two fields."""
from __future__ import annotations

import copy
from pathlib import Path

import yaml
from elasticsearch import Elasticsearch

from detection.compiler import LuceneCompiler
from detection.pack import load_pack
from detection.ruletest import run

from .conftest import MODIFIER_RULES

NEQ = MODIFIER_RULES / "neq_matches_missing_field.yml"


def test_neq_over_a_number_and_a_string_excludes_both(es: Elasticsearch, tmp_path: Path) -> None:
    """403 compares the exact field, AccessDenied the caseless one: not (a or b) becomes (not a) and (not b)."""
    rule = tmp_path / "neq_number_and_string.yml"
    rule.write_text(NEQ.read_text().replace("      - NoSuchBucket\n", "      - 403\n"))
    samples = yaml.safe_load(NEQ.with_name(NEQ.stem + ".samples.yaml").read_text())["samples"]
    number = copy.deepcopy(samples[-1])
    number.update(name="no match: the listed number")
    number["record"].update(errorCode="403", eventID="11111111-0000-4000-8000-910000000005")
    rule.with_name(rule.stem + ".samples.yaml").write_text(
        yaml.safe_dump({"samples": [*samples[:3], number]}, sort_keys=False))
    files, _ = load_pack([rule, NEQ])
    [mine] = [f for f in files if f.path == rule]  # the pack's order is by path, and tmp_path may sort first
    query = LuceneCompiler().file(mine).lucene
    assert "(NOT aws.cloudtrail.error_code.caseless:accessdenied) AND (NOT aws.cloudtrail.error_code:403)" in query
    results = run(es, files)
    assert len(results) == 2 and all(r.ok for r in results), results
