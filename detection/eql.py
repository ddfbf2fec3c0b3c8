"""EQL queries for rule files: `any where` for plain rules, a `sequence … with runs` for event counts.

EQL counts events only as repeated sequence steps, so an event_count with `gt`/`gte` (up to EQL's
limit of 100 runs) is the one correlation it expresses exactly. value_count (distinct values),
temporal (`sample` has no time span, `sequence` imposes an order) and the other operators are
refused; the dsl and kibana targets express them.
"""
from __future__ import annotations

from sigma.correlations import SigmaCorrelationRule

from detection import correlation
from detection.conditions import Conditions
from detection.errors import RuleError
from detection.esql import identifier
from detection.pack import RuleFile

MAX_RUNS = 100  # EQL's own bound on `with runs`


def query(file: RuleFile, conditions: Conditions) -> str:
    """The EQL query of a rule file."""
    rule = file.rule
    where = str(file.path)
    if not isinstance(rule, SigmaCorrelationRule):
        return f"any where {conditions.rule(rule)}"
    corr = correlation.build(rule, conditions.rule)
    if corr.flattened:
        raise RuleError(f"EQL: {', '.join(map(repr, corr.flattened))} is kept in a flattened field, which EQL "
                        "cannot read (Elasticsearch 9.2); the lucene and dsl targets can", where)
    if corr.kind != "event_count":
        raise RuleError(f"EQL cannot express a {corr.kind} correlation exactly: use the dsl or kibana targets", where)
    if corr.op not in ("gt", "gte"):
        raise RuleError(f"EQL cannot express an event count `{corr.op}`: use the dsl or kibana targets", where)
    runs = corr.count + (1 if corr.op == "gt" else 0)
    if runs > MAX_RUNS:
        raise RuleError(f"EQL repeats a sequence step at most {MAX_RUNS} times; this count needs {runs}", where)
    conds = [c for _, c in corr.rules]
    condition = conds[0] if len(conds) == 1 else " or ".join(f"({c})" for c in conds)
    if runs <= 1:  # one event is enough
        return f"any where {condition}"
    # EQL's identifiers follow the same quoting as ES|QL's: backticks around anything unusual.
    by = f" by {', '.join(identifier(g) for g in corr.group_by)}" if corr.group_by else ""
    return f"sequence{by} with maxspan={corr.timespan}s\n  [any where {condition}] with runs={runs}"
