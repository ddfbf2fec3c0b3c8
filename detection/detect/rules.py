"""The rules a detector runs: the pack loaded and compiled, each with the indices it searches.

A file that does not load or compile is reported as that rule's failure; the others still run.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from detection import newterms, streams
from detection.compiler import Compiled, LuceneCompiler
from detection.detect.alerts import RuleInfo
from detection.errors import RuleError
from detection.newterms import NewTerms
from detection.pack import load_all


@dataclass(frozen=True, slots=True)
class PackRule:
    """One compiled rule ready to run."""

    compiled: Compiled
    info: RuleInfo
    index: str  # comma-separated patterns
    new_terms: NewTerms | None = None  # a new-terms rule alerts on first-seen combinations only

    @property
    def id(self) -> str:
        """The Sigma rule id."""
        return self.info.id

    @property
    def query(self) -> dict:
        """A plain rule's query (Query DSL)."""
        return self.compiled.dsl()["query"]


def load(paths: Iterable[str | Path], library: Iterable[str | Path], data_namespace: str,
         index: str | None) -> tuple[list[PackRule], list[RuleError]]:
    """Every loadable, compilable rule under `paths`, and an error for each one that is not."""
    files, _, errors = load_all(paths, library)
    compiler = LuceneCompiler()
    rules: list[PackRule] = []
    for file in files:
        try:
            compiled = compiler.file(file)
            corr = compiled.correlation
            service, product = (corr.service, corr.product) if corr else \
                (file.rule.logsource.service, file.rule.logsource.product)
            patterns = index or ",".join(streams.index_patterns(service, data_namespace, product))
            rules.append(PackRule(compiled, RuleInfo.of(compiled), patterns, newterms.of(file.rule)))
        except RuleError as exc:
            errors.append(exc if exc.path else RuleError(exc.message, str(file.path)))
    return rules, errors
