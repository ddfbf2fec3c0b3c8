"""Compile rules with pySigma and cloudsift's pipeline: Lucene (and the DSL around it) per rule."""
from __future__ import annotations

import copy
from dataclasses import dataclass

from sigma.backends.elasticsearch import LuceneBackend
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from detection import correlation, pipeline
from detection.correlation import Correlation
from detection.errors import RuleError, from_sigma
from detection.pack import RuleFile


@dataclass(frozen=True, slots=True)
class Compiled:
    """A rule file compiled: its Lucene query, and for a correlation the aggregation to evaluate."""

    file: RuleFile
    lucene: str
    correlation: Correlation | None = None

    def dsl(self) -> dict:
        """The Query DSL search body (a correlation's carries its aggregation, size 0)."""
        if self.correlation is not None:
            return self.correlation.search_body()
        return {"query": {"bool": {"filter": [{"query_string": {"query": self.lucene, "analyze_wildcard": True}}]}}}


def _where(rule: SigmaRule | SigmaCorrelationRule) -> str | None:
    return str(rule.source.path) if rule.source and rule.source.path else None


class LuceneCompiler:
    """Compiles each Sigma rule once (pySigma pipelines change the rule they process)."""

    def __init__(self) -> None:
        self._backend = LuceneBackend(pipeline.build())
        self._done: dict[int, str] = {}

    def rule(self, rule: SigmaRule) -> str:
        """The Lucene query of one plain rule, dataset condition included."""
        key = id(rule)
        if key not in self._done:
            try:
                # pySigma pipelines rewrite the rule they process: compile a copy, keep the loaded rule as written.
                work = copy.deepcopy(rule)
                self._backend.convert_rule(work)
                # A correlation's base rule returns no output of its own, but keeps its conversion result.
                queries = work.get_conversion_result()
            except SigmaError as exc:
                raise from_sigma(exc, _where(rule)) from None
            if len(queries) != 1:
                raise RuleError(f"compiled to {len(queries)} queries, expected one", _where(rule))
            self._done[key] = str(queries[0])
        return self._done[key]

    def file(self, file: RuleFile) -> Compiled:
        """A rule file compiled for search on Elasticsearch."""
        if isinstance(file.rule, SigmaCorrelationRule):
            corr = correlation.build(file.rule, self.rule)
            return Compiled(file, corr.query(), corr)
        return Compiled(file, self.rule(file.rule))
