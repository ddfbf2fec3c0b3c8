"""Base-rule conditions in ES|QL and EQL, from pySigma's Elasticsearch backends.

The backends turn a rule's detection into a condition; cloudsift writes the rest of each query
(esql.py, eql.py): the backends' own `FROM *` searches every index, and their correlations are
wrong in places (EQL joins a value_count on the counted field and drops a temporal's time span;
ES|QL counts an event that matches two base rules of a temporal for the first one only).
"""
from __future__ import annotations

import copy

from sigma.backends.elasticsearch import EqlBackend, ESQLBackend
from sigma.conversion.base import Backend
from sigma.conversion.state import ConversionState
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from detection import pipeline
from detection.errors import RuleError, from_sigma


class _EsqlCondition(ESQLBackend):
    """pySigma's ES|QL backend, stopping at the WHERE condition."""

    def finalize_query_default(self, rule: SigmaRule, query: str, index: int, state: ConversionState) -> str:
        return query


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
