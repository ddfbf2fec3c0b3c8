"""ES|QL queries for rule files: FROM the source's data streams, for plain rules and every correlation.

A correlation becomes one aggregation: the events of its base rules, grouped, measured, compared.
`buckets=True` (the `esql` target) groups by fixed windows of the Sigma timespan as well, so the query
means the same over any time range; a Kibana rule (`buckets=False`) measures over the rule's own
look-back window instead, as Kibana's threshold rules do. Groups with no event never appear, so
`lt`/`lte` compare groups that have some events, as the DSL evaluation does.
"""
from __future__ import annotations

import re

from sigma.correlations import SigmaCorrelationRule

from detection import correlation, streams
from detection.conditions import Conditions
from detection.correlation import Correlation
from detection.errors import RuleError
from detection.pack import RuleFile

OPERATORS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "eq": "==", "neq": "!="}
# Names ES|QL reads without quoting; anything else is quoted with backticks.
_PLAIN_NAME = re.compile(r"[A-Za-z_@][A-Za-z0-9_.@]*")


def identifier(name: str) -> str:
    """A field name as ES|QL reads it."""
    return name if _PLAIN_NAME.fullmatch(name) else "`" + name.replace("`", "``") + "`"


def _from(service: str, product: str | None) -> str:
    return "FROM " + ", ".join(streams.index_patterns(service, product=product))


def query(file: RuleFile, conditions: Conditions, *, buckets: bool) -> str:
    """The ES|QL query of a rule file, one command a line."""
    rule = file.rule
    if not isinstance(rule, SigmaCorrelationRule):
        return "\n| ".join([f"{_from(rule.logsource.service, rule.logsource.product)} METADATA _id, _index, _version",
                            f"WHERE {conditions.rule(rule)}"])
    corr = correlation.build(rule, conditions.rule)
    if corr.flattened:
        raise RuleError(f"ES|QL: {', '.join(map(repr, corr.flattened))} is kept in a flattened field, which "
                        "ES|QL cannot read (Elasticsearch 9.2); the lucene and dsl targets can", str(file.path))
    return "\n| ".join(_correlation(corr, buckets))


def _correlation(corr: Correlation, buckets: bool) -> list[str]:
    conds = [c for _, c in corr.rules]
    lines = [_from(corr.service, corr.product), "WHERE " + (conds[0] if len(conds) == 1 else " OR ".join(f"({c})" for c in conds))]
    by = ["timebucket"] if buckets else []
    by += [identifier(g) for g in corr.group_by]
    by_clause = f" BY {', '.join(by)}" if by else ""
    if buckets:
        lines.append(f"EVAL timebucket = DATE_TRUNC({corr.timespan} seconds, @timestamp)")
    if corr.kind == "event_count":
        measure = "event_count"
        lines.append(f"STATS event_count = COUNT(*){by_clause}")
    elif corr.kind == "value_count":
        assert corr.field is not None  # correlation.build requires it
        measure = "value_count"
        lines.append(f"STATS value_count = COUNT_DISTINCT({identifier(corr.field)}){by_clause}")
    else:  # temporal: an event may match several base rules, so each rule gets its own flag
        measure = "rule_count"
        lines.append("EVAL " + ", ".join(f"matched_{i} = CASE({c}, 1, 0)" for i, c in enumerate(conds)))
        lines.append("STATS " + ", ".join(f"seen_{i} = MAX(matched_{i})" for i in range(len(conds))) + by_clause)
        lines.append("EVAL rule_count = " + " + ".join(f"seen_{i}" for i in range(len(conds))))
    lines.append(f"WHERE {measure} {OPERATORS[corr.op]} {corr.count}")
    return lines
