"""Sigma correlations (event_count, value_count, temporal) as Query DSL aggregations cloudsift evaluates.

The aggregation runs on any Elasticsearch (the local node too): buckets per group-by value and
per second, with per-rule counts (temporal) or distinct values (value_count). cloudsift then
slides the Sigma timespan over the buckets, so a burst that straddles a fixed boundary still fires.
"""
from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sigma.correlations import SigmaCorrelationConditionOperator as Op
from sigma.correlations import SigmaCorrelationRule, SigmaCorrelationType
from sigma.rule import SigmaRule

from detection import fields
from detection.errors import RuleError

KINDS = {
    SigmaCorrelationType.EVENT_COUNT: "event_count",
    SigmaCorrelationType.VALUE_COUNT: "value_count",
    SigmaCorrelationType.TEMPORAL: "temporal",
}
OPERATORS: dict[Op, tuple[str, Callable[[int, int], bool]]] = {
    Op.LT: ("lt", operator.lt), Op.LTE: ("lte", operator.le), Op.GT: ("gt", operator.gt),
    Op.GTE: ("gte", operator.ge), Op.EQ: ("eq", operator.eq), Op.NEQ: ("neq", operator.ne),
}
# Enough for a rule test or one detector run; more groups than this is a rule to rethink.
MAX_GROUPS = 1000
MAX_VALUES = 1000


@dataclass(frozen=True, slots=True)
class Correlation:
    """A correlation with its field names in ECS and its base rules compiled (Lucene, or another language)."""

    kind: str
    service: str  # the source of every base rule
    rules: tuple[tuple[str, str], ...]  # (base rule name, its query)
    group_by: tuple[str, ...]
    timespan: int  # seconds
    op: str
    count: int
    field: str | None  # value_count: the field whose distinct values are counted
    # Native names of group-by / value fields kept in flattened fields, which ES|QL and EQL cannot read.
    flattened: tuple[str, ...] = ()
    product: str | None = None  # the base rules' logsource product (application logs: the app's dataset)

    def query(self) -> str:
        """Lucene for the events that feed the correlation (any base rule)."""
        return " OR ".join(f"({q})" for _, q in self.rules)

    def aggregation(self) -> dict:
        """The `aggs` body: groups → seconds → per-rule counts / distinct values."""
        per_second: dict = {"date_histogram": {"field": "@timestamp", "fixed_interval": "1s", "min_doc_count": 1}}
        if self.kind == "temporal":
            filters = {name: {"query_string": {"query": q, "analyze_wildcard": True}} for name, q in self.rules}
            per_second["aggs"] = {"rules": {"filters": {"filters": filters}}}
        elif self.kind == "value_count":
            per_second["aggs"] = {"values": {"terms": {"field": self.field, "size": MAX_VALUES}}}
        if not self.group_by:
            return {"seconds": per_second}
        sources = [{name: {"terms": {"field": name}}} for name in self.group_by]
        return {"groups": {"composite": {"size": MAX_GROUPS, "sources": sources}, "aggs": {"seconds": per_second}}}

    def search_body(self, extra_filter: dict | None = None) -> dict:
        """A complete search: the feeding events, optionally narrowed, aggregated."""
        filters: list[dict] = [{"query_string": {"query": self.query(), "analyze_wildcard": True}}]
        if extra_filter:
            filters.append(extra_filter)
        return {"size": 0, "query": {"bool": {"filter": filters}}, "aggs": self.aggregation()}

    def evaluate(self, response: dict) -> list[dict]:
        """Groups whose events satisfy the condition within some window of `timespan` seconds."""
        aggs = response.get("aggregations", {})
        groups = aggs["groups"]["buckets"] if "groups" in aggs else [{"key": {}, "seconds": aggs["seconds"]}]
        return [hit for group in groups if (hit := self._window(group)) is not None]

    def _window(self, group: dict) -> dict | None:
        seconds = [(b["key"] // 1000, b) for b in group["seconds"]["buckets"]]
        compare = OPERATORS_BY_NAME[self.op]
        for i, (start, _) in enumerate(seconds):
            inside = [b for t, b in seconds[i:] if t < start + self.timespan]
            value = self.measure(inside)
            if compare(value, self.count):
                return {"group": group["key"], "start": _iso(start), "value": value}
        return None

    def measure(self, buckets: list[dict]) -> int:
        """The condition's measure over some per-second buckets: events, distinct values or base rules seen."""
        if self.kind == "event_count":
            return sum(b["doc_count"] for b in buckets)
        if self.kind == "value_count":
            return len({v["key"] for b in buckets for v in b["values"]["buckets"]})
        return len({name for b in buckets for name, r in b["rules"]["buckets"].items() if r["doc_count"]})


OPERATORS_BY_NAME = dict(OPERATORS.values())


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()


def build(rule: SigmaCorrelationRule, compile_base: Callable[[SigmaRule], str]) -> Correlation:
    """The Correlation of a Sigma correlation rule; `compile_base` compiles a base rule to a query."""
    where = str(rule.source.path) if rule.source and rule.source.path else None
    kind = KINDS.get(rule.type)
    if kind is None:
        raise RuleError(f"correlation type {rule.type.name.lower()} is not supported (use {', '.join(KINDS.values())})",
                        where)
    if rule.aliases and rule.aliases.aliases:
        raise RuleError("correlation aliases are not supported yet", where)
    bases = [ref.rule for ref in rule.rules]
    services = {b.logsource.service for b in bases if isinstance(b, SigmaRule)}
    if len(services) != 1 or len(bases) != len([b for b in bases if isinstance(b, SigmaRule)]):
        raise RuleError("a correlation's base rules must be plain rules of one source", where)
    service = services.pop()
    products = {b.logsource.product for b in bases if isinstance(b, SigmaRule)}
    if len(products) != 1:
        raise RuleError("a correlation's base rules must be plain rules of one source (one logsource product)", where)

    flattened: list[str] = []

    def ecs(native: str) -> str:
        try:
            target = fields.resolve(service, native)
        except fields.UnknownField as exc:
            raise RuleError(exc.describe(service), where) from None
        if target.type == "flattened":
            flattened.append(native)
        return target.ecs

    op, count = rule.condition.op, rule.condition.count
    fieldref = rule.condition.fieldref
    if isinstance(fieldref, list):
        fieldref = fieldref[0] if len(fieldref) == 1 else None
    if kind == "value_count" and not fieldref:
        raise RuleError("value_count needs exactly one condition field", where)
    group_by = tuple(ecs(g) for g in rule.group_by or ())
    field = ecs(fieldref) if kind == "value_count" and fieldref else None
    return Correlation(
        kind=kind,
        service=service,
        rules=tuple((_name(b), compile_base(b)) for b in bases),
        group_by=group_by,
        timespan=int(rule.timespan.seconds),
        op=OPERATORS[op][0],
        count=int(count),
        field=field,
        flattened=tuple(flattened),
        product=products.pop(),
    )


def _name(rule: SigmaRule) -> str:
    return rule.name or str(rule.id)


