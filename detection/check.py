"""`rules check`: everything that can be wrong with a rule before it touches Elasticsearch."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule
from sigma.validation import SigmaValidator
from sigma.validators.core import validators as core_validators

from detection import attack, metadata, newterms
from detection.compiler import LuceneCompiler
from detection.errors import RuleError
from detection.pack import RuleFile, samples_path

# pySigma validators that download ATT&CK/D3FEND data at run time; attack.py checks ATT&CK tags offline.
_ONLINE = {"attacktag", "d3_fendtag"}
VALIDATORS = [cls for name, cls in sorted(core_validators.items()) if name not in _ONLINE]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of `rules check`, located at its rule file."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def check(
    files: list[RuleFile], all_rules: list[SigmaRule | SigmaCorrelationRule], pack: Path | None = None
) -> list[Problem]:
    """Schema, unique ids, ATT&CK tags, fields known to the map, samples both ways; [] when all is well.

    `all_rules` may hold more than `files` (the library that resolves correlation references): the
    validators see them all, so an id that collides with a library rule is found, but problems are
    reported for the checked files only, in file order. Files under `pack` must also say what the
    pack requires of a rule (metadata.py); no file may keep a TODO placeholder.
    """
    problems: list[Problem] = []
    by_path = {str(f.path): f for f in files}
    for issue in SigmaValidator(VALIDATORS).validate_rules(iter(all_rules)):
        for rule in issue.rules:
            path = str(rule.source.path) if rule.source else "?"
            if path in by_path:
                problems.append(Problem(path, f"{type(issue).__name__}: {issue.description}"))
    for rule in all_rules:
        path = str(rule.source.path) if rule.source else "?"
        if path in by_path:
            problems.extend(Problem(path, f"Sigma error: {error}") for error in rule.errors)
            problems.extend(Problem(path, message) for message in _tag_problems(rule))
    compiler = LuceneCompiler()
    in_pack = pack.resolve() if pack is not None else None
    for path, file in by_path.items():
        complete = in_pack is not None and file.path.resolve().is_relative_to(in_pack)
        problems.extend(Problem(path, message) for message in _file_problems(file, compiler, complete))
    order = {path: n for n, path in enumerate(by_path)}
    return sorted(problems, key=lambda p: order[p.path])


def _file_problems(file: RuleFile, compiler: LuceneCompiler, complete: bool) -> list[str]:
    """What is wrong with one file beyond pySigma's validators; `complete`: what the pack requires too."""
    out = []
    try:
        compiler.file(file)  # unknown fields, bad modifiers, unknown logsource
        newterms.of(file.rule)  # cloudsift's extension, when the rule has one
    except RuleError as exc:
        out.append(exc.message)
    out.extend(_sample_problems(file))
    out.extend(metadata.placeholder_problems(file))
    if complete:
        out.extend(metadata.pack_problems(file.rule))
    return out


def _tag_problems(rule: SigmaRule | SigmaCorrelationRule) -> tuple[str, ...]:
    return attack.resolve(t.name for t in rule.tags if t.namespace == "attack").problems


def _sample_problems(file: RuleFile) -> list[str]:
    if not file.samples:
        return [f"no samples: add {samples_path(file.path).name} with match: true and match: false cases"]
    out = []
    if not any(s.match for s in file.samples):
        out.append("no positive sample (match: true)")
    if all(s.match for s in file.samples):
        out.append("no negative sample (match: false)")
    return out
