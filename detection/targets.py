"""`rules compile --target`: target name → a compiler of one rule file (one dict, no magic).

Each compiled rule is an Output: the rule's id, title and file beside the query, so a script can
tell which query belongs to which rule (`rules compile` prints one JSON record a line).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from detection import conditions, eql, esql, kibana, newterms
from detection.compiler import LuceneCompiler
from detection.errors import RuleError
from detection.pack import RuleFile

Query = str | dict  # text for lucene, esql, eql; a JSON object for dsl and kibana
Compile = Callable[[RuleFile], Query]


@dataclass(frozen=True, slots=True)
class Output:
    """One rule file compiled for one target."""

    file: RuleFile
    target: str
    query: Query

    def record(self) -> dict:
        """The JSON record `rules compile` prints: which rule, which target, the query."""
        rule = self.file.rule
        return {"id": str(rule.id), "title": rule.title, "file": str(self.file.path), "target": self.target,
                "query": self.query}


def _lucene() -> Compile:
    compiler = LuceneCompiler()
    return lambda file: compiler.file(file).lucene


def _dsl() -> Compile:
    compiler = LuceneCompiler()
    return lambda file: compiler.file(file).dsl()


def _esql() -> Compile:
    compiled = conditions.esql()
    return lambda file: esql.query(file, compiled, buckets=True)


def _eql() -> Compile:
    compiled = conditions.eql()
    return lambda file: eql.query(file, compiled)


def _kibana() -> Compile:
    lucene, compiled = LuceneCompiler(), conditions.esql()
    return lambda file: kibana.rule(lucene.file(file), lambda: esql.query(file, compiled, buckets=False))


# Target name → a factory of its compiler (compilers keep per-run state: each base rule compiles once).
TARGETS: dict[str, Callable[[], Compile]] = {
    "lucene": _lucene,
    "dsl": _dsl,
    "esql": _esql,
    "eql": _eql,
    "kibana": _kibana,
}


# The targets that express cloudsift's new-terms rules; the others' query would fire on every selected event.
NEW_TERMS_TARGETS = frozenset({"kibana"})


def compile_files(target: str, files: Iterable[RuleFile]) -> Iterator[Output | RuleError]:
    """Each file compiled for `target`, or the error that stopped it (one bad rule hides no other)."""
    compile_one = TARGETS[target]()
    for file in files:
        try:
            if target not in NEW_TERMS_TARGETS and newterms.of(file.rule) is not None:
                raise RuleError(f"a new-terms rule (`{newterms.KEY}.{newterms.NEW_TERMS}`) runs only as a Kibana "
                                f"new_terms rule (--target kibana): {target} has no first-seen condition, and "
                                "its query alone would fire on every selected event", str(file.path))
            yield Output(file, target, compile_one(file))
        except RuleError as exc:
            yield exc
