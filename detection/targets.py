"""`rules compile --target`: target name → compiler over a loaded pack (one dict, no magic)."""
from __future__ import annotations

import copy
import json
from collections.abc import Callable

from sigma.backends.elasticsearch import EqlBackend, ESQLBackend
from sigma.collection import SigmaCollection
from sigma.conversion.base import Backend
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from detection import kibana, pipeline
from detection.compiler import LuceneCompiler
from detection.errors import RuleError
from detection.pack import RuleFile

Target = Callable[[list[RuleFile], SigmaCollection], list[str]]


def _lucene(files: list[RuleFile], _: SigmaCollection) -> list[str]:
    compiler = LuceneCompiler()
    return [compiler.file(f).lucene for f in files]


def _dsl(files: list[RuleFile], _: SigmaCollection) -> list[str]:
    compiler = LuceneCompiler()
    return [json.dumps(compiler.file(f).dsl(), sort_keys=True) for f in files]


def _convert(backend: Backend, rule: SigmaRule | SigmaCorrelationRule) -> list:
    """Convert a copy (the pipeline rewrites what it converts); a correlation's base rules go first."""
    work = copy.deepcopy(rule)
    if isinstance(work, SigmaCorrelationRule):
        for ref in work.rules:
            backend.convert_rule(ref.rule)
        return backend.convert_correlation_rule(work)
    return backend.convert_rule(work)


def _backend(cls: type[Backend], **options: bool) -> Target:
    """ES|QL / EQL via pySigma's Elasticsearch backends, on exact field names (full clusters only)."""

    def run(files: list[RuleFile], _: SigmaCollection) -> list[str]:
        backend = cls(pipeline.build(caseless=False, **options))
        out = []
        for f in files:
            try:
                queries = _convert(backend, f.rule)
            except (SigmaError, NotImplementedError) as exc:
                raise RuleError(f"{cls.__name__}: {exc}", str(f.path)) from None
            out.extend(str(q) for q in queries)
        return out

    return run


def _kibana(files: list[RuleFile], collection: SigmaCollection) -> list[str]:
    compiler = LuceneCompiler()
    esql_backend = ESQLBackend(pipeline.build(caseless=False, plain_cased=True))
    out = []
    for f in files:
        esql = None
        if isinstance(f.rule, SigmaCorrelationRule) and f.rule.type.name == "TEMPORAL":
            esql = str(_convert(esql_backend, f.rule)[0])
        out.append(json.dumps(kibana.rule(compiler.file(f), esql), sort_keys=True))
    return out


TARGETS: dict[str, Target] = {
    "lucene": _lucene,
    "dsl": _dsl,
    "esql": _backend(ESQLBackend, plain_cased=True),
    "eql": _backend(EqlBackend, exists_as_null=True),
    "kibana": _kibana,
}
