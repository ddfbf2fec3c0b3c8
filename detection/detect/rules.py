"""The rules a detector runs: the pack loaded and compiled, each with the indices it searches.

From a checkout, a file that does not load or compile is reported as that rule's failure; the
others still run. From a rule package (`rules package`), the package is checked against its
manifest first and refused whole if anything in it was altered; then each rule must compile here to
the very content hash it was packaged with, so the detector runs exactly what was tested, or says
which rule it cannot (another cloudsift or pySigma would write another query).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from detection import newterms, streams
from detection.compiler import Compiled, LuceneCompiler
from detection.detect.alerts import RuleInfo
from detection.errors import RuleError
from detection.lock import content_hash
from detection.newterms import NewTerms
from detection.pack import RuleFile, load_all
from detection.package import load_package


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
            rules.append(_ready(compiler.file(file), data_namespace, index))
        except RuleError as exc:
            errors.append(exc if exc.path else RuleError(exc.message, str(file.path)))
    return rules, errors


def from_package(package: Path, data_namespace: str, index: str | None) -> tuple[list[PackRule], list[RuleError]]:
    """Every rule of a package that compiles here to its packaged content hash, and an error for each
    one that does not; a package that does not match its manifest raises RuleError (nothing runs)."""
    compiler = LuceneCompiler()
    rules: list[PackRule] = []
    errors: list[RuleError] = []
    for packaged in load_package(package):
        try:
            compiled = compiler.file(packaged.source)
            found = content_hash(packaged.kibana, compiled)
            if found != packaged.sha256:
                raise RuleError(f"package {package}: compiles here to content sha256 {found}, not the packaged "
                                f"{packaged.sha256} (the package's compilers are not these): not run")
            rules.append(_ready(compiled, data_namespace, index))
        except RuleError as exc:
            errors.append(exc if exc.path else RuleError(exc.message, packaged.file))
    return rules, errors


def _ready(compiled: Compiled, data_namespace: str, index: str | None) -> PackRule:
    file: RuleFile = compiled.file
    corr = compiled.correlation
    service, product = (corr.service, corr.product) if corr else \
        (file.rule.logsource.service, file.rule.logsource.product)
    patterns = index or ",".join(streams.index_patterns(service, data_namespace, product))
    return PackRule(compiled, RuleInfo.of(compiled), patterns, newterms.of(file.rule))
