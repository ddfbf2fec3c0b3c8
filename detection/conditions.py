"""Base-rule conditions in ES|QL and EQL, from pySigma's Elasticsearch backends.

The backends turn a rule's detection into a condition; cloudsift writes the rest of each query
(esql.py, eql.py): the backends' own `FROM *` searches every index, and their correlations are
wrong in places (EQL joins a value_count on the counted field and drops a temporal's time span;
ES|QL counts an event that matches two base rules of a temporal for the first one only).

ES|QL compares a missing field as null, `not null` is null, and WHERE drops null, so the backend's
`not X` would miss every event that lacks X's fields, where Sigma (and the lucene target's `NOT`)
matches them. Each negation therefore reads null as false first: `not coalesce(X, false)`, unless X
can never be null (`is null`, `is not null`, another negation, and/or of those).
"""
from __future__ import annotations

import copy

from sigma.backends.elasticsearch import EqlBackend, ESQLBackend
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionItem,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.conversion.base import Backend
from sigma.conversion.deferred import DeferredQueryExpression
from sigma.conversion.state import ConversionState
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule
from sigma.types import SigmaExists, SigmaNull

from detection import pipeline
from detection.errors import RuleError, from_sigma

_Condition = ConditionItem | ConditionFieldEqualsValueExpression | ConditionValueExpression


def _never_null(cond: _Condition) -> bool:
    """Whether the ES|QL this backend writes for `cond` is true or false on every event, never null."""
    if isinstance(cond, ConditionNOT):
        return True  # _EsqlCondition writes every negation two-valued
    if isinstance(cond, ConditionAND | ConditionOR):
        return all(_never_null(arg) for arg in cond.args)
    # `field: null` and `|exists` test the field itself (`is null`, `is not null`); any other value is
    # compared, and a comparison with a missing field is null.
    return isinstance(cond, ConditionFieldEqualsValueExpression) and isinstance(cond.value, SigmaNull | SigmaExists)


class _EsqlCondition(ESQLBackend):
    """pySigma's ES|QL backend, stopping at the WHERE condition, with Sigma's two-valued `not`."""

    def finalize_query_default(self, rule: SigmaRule, query: str, index: int, state: ConversionState) -> str:
        return query

    def convert_condition_not(self, cond: ConditionNOT, state: ConversionState) -> str | DeferredQueryExpression | None:
        arg = cond.args[0]
        if arg is None or _never_null(arg):
            return super().convert_condition_not(cond, state)
        # A function argument is a whole boolean expression, so the operand needs no parentheses of its own.
        operand = self.convert_condition(arg, state)
        if operand is None:
            return None
        if isinstance(operand, DeferredQueryExpression):  # as the base backend does
            return operand.negate()
        return f"{self.not_token}{self.token_separator}coalesce({operand}, {self.bool_values[False]})"


class _EqlCondition(EqlBackend):
    """pySigma's EQL backend, stopping at the condition after `any where`."""

    def finalize_query_default(self, rule: SigmaRule, query: str, index: int, state: ConversionState) -> str:
        return query


class Conditions:
    """Compiles each base rule once to a condition of one language."""

    def __init__(self, backend: Backend, language: str) -> None:
        self.language = language
        self._backend = backend
        self._done: dict[int, str] = {}

    def rule(self, rule: SigmaRule) -> str:
        """The condition of a plain rule, dataset restriction included."""
        key = id(rule)
        if key not in self._done:
            where = str(rule.source.path) if rule.source and rule.source.path else None
            try:
                work = copy.deepcopy(rule)  # the pipeline rewrites what it converts
                self._backend.convert_rule(work)
                # A correlation's base rule outputs nothing of its own but keeps its conversion result.
                queries = work.get_conversion_result()
            except (SigmaError, NotImplementedError) as exc:
                raise from_sigma(exc, where, f"{self.language}: ") from None
            if len(queries) != 1:
                raise RuleError(f"{self.language}: compiled to {len(queries)} queries, expected one", where)
            self._done[key] = str(queries[0])
        return self._done[key]


def esql() -> Conditions:
    """ES|QL conditions: exact fields (`==` and `like` are case-sensitive), flattened fields refused."""
    return Conditions(_EsqlCondition(pipeline.build(caseless=False, plain_cased=True,
                                                    flattened_unreadable_by="ES|QL")), "ES|QL")


def eql() -> Conditions:
    """EQL conditions: exact fields (`:` ignores case), `|exists` as `?field != null`, flattened refused."""
    return Conditions(_EqlCondition(pipeline.build(caseless=False, exists_as_null=True,
                                                   flattened_unreadable_by="EQL")), "EQL")
