"""Rule versions by content: a rule's version moves only when what it compiles to (or says) changes.

Every rule is built once: its Kibana detection rule (when Kibana can run it) and a content hash of
what it compiles to: the Kibana rule, and what `cloudsift detect` runs (the Query DSL search and, for
a correlation, its parameters: kind, group-by, timespan, condition). Whatever does
not reach either (comments, layout, `status`, `date`, the samples) does not move the version; a new
compiler that writes another query does. The version lock (`rules/version.lock.json`, kept in the repository, as
Elastic's detection-rules keeps its own) records each rule id's hash and version: `rules lock`
bumps the version of exactly the rules whose hash changed, and `deploy kibana` and `rules package`
take the versions from it. A rule that left the pack keeps its entry, so coming back it goes on
from its last version instead of starting again below what Kibana holds.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from detection.compiler import Compiled, LuceneCompiler
from detection.errors import RuleError
from detection.pack import RuleFile
from detection.targets import Output, compile_files

LOCK_NAME = "version.lock.json"


@dataclass(frozen=True, slots=True)
class BuiltRule:
    """One rule file as the pack ships it: its Kibana rule (or why Kibana cannot run it) and its hash."""

    file: RuleFile
    rule_id: str
    title: str
    sha256: str
    kibana: dict | None
    kibana_error: str | None = None


@dataclass(frozen=True, slots=True)
class Locked:
    """A rule's entry in the version lock."""

    title: str
    file: str  # relative to the lock file's folder
    sha256: str
    version: int


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# Set per deployment from the lock, so never part of the content they describe.
_NOT_CONTENT = frozenset({"version", "meta"})


def content_hash(kibana: dict | None, detector: Compiled) -> str:
    """sha256 over a rule's compiled forms: its Kibana rule without version and meta, its DSL search and
    correlation."""
    compiled = {k: v for k, v in kibana.items() if k not in _NOT_CONTENT} if kibana is not None else None
    correlation = asdict(detector.correlation) if detector.correlation is not None else None
    content = {"kibana": compiled, "dsl": detector.dsl(), "correlation": correlation}
    return hashlib.sha256(_canonical(content)).hexdigest()


def build(files: Iterable[RuleFile]) -> list[BuiltRule]:
    """Every rule file compiled for Kibana (or refused, with the reason) and hashed, in file order."""
    files = list(files)
    detector = LuceneCompiler()  # every rule compiles to a search (else it is no rule of the pack: RuleError)
    out = []
    for file, kibana in zip(files, compile_files("kibana", files), strict=True):
        rule = kibana.query if isinstance(kibana, Output) and isinstance(kibana.query, dict) else None
        error = kibana.message if isinstance(kibana, RuleError) else None
        out.append(BuiltRule(file, str(file.rule.id), file.rule.title, content_hash(rule, detector.file(file)),
                             rule, error))
    return out


def read_lock(path: Path) -> dict[str, Locked]:
    """Rule id → its entry; {} when there is no lock yet."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
        return {rule_id: Locked(e["title"], e["file"], e["sha256"], int(e["version"]))
                for rule_id, e in data.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RuleError(f"not a version lock: {exc}", str(path)) from None


def write_lock(path: Path, lock: dict[str, Locked]) -> None:
    """The lock as sorted, indented JSON (one line per field: a change reads well in a diff)."""
    data = {rule_id: {"title": e.title, "file": e.file, "sha256": e.sha256, "version": e.version}
            for rule_id, e in sorted(lock.items())}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@dataclass(frozen=True, slots=True)
class Bump:
    """A rule whose version the lock moves: from 0 for a rule new to the lock."""

    rule_id: str
    file: str
    old: int
    new: int


def relock(lock: dict[str, Locked], built: Iterable[BuiltRule],
           root: Path) -> tuple[dict[str, Locked], list[Bump]]:
    """The lock with every built rule at its current hash, and the versions that moved."""
    out = dict(lock)
    bumps = []
    for rule in built:
        where = _relative(rule.file.path, root)
        known = lock.get(rule.rule_id)
        if known is None:
            out[rule.rule_id] = Locked(rule.title, where, rule.sha256, 1)
            bumps.append(Bump(rule.rule_id, where, 0, 1))
        elif known.sha256 != rule.sha256:
            out[rule.rule_id] = Locked(rule.title, where, rule.sha256, known.version + 1)
            bumps.append(Bump(rule.rule_id, where, known.version, known.version + 1))
        elif (known.title, known.file) != (rule.title, where):  # moved or renamed: same content, same version
            out[rule.rule_id] = replace(known, title=rule.title, file=where)
    return out, bumps


def stale(lock: dict[str, Locked], built: Iterable[BuiltRule]) -> list[BuiltRule]:
    """The rules whose content the lock does not record (new, or changed since `rules lock`)."""
    return [r for r in built if r.rule_id not in lock or lock[r.rule_id].sha256 != r.sha256]


def kibana_sha256(rule: dict) -> str:
    """sha256 of a deployed Kibana rule as the package's NDJSON holds it (sorted keys), for the manifest."""
    return hashlib.sha256(_canonical(rule)).hexdigest()


def versioned(rule: BuiltRule, version: int) -> dict | None:
    """The Kibana rule with its version from the lock and its hash in `meta` (what deploy compares)."""
    if rule.kibana is None:
        return None
    return {**rule.kibana, "version": version, "meta": {"cloudsift": {"sha256": rule.sha256}}}


def deployable(built: Iterable[BuiltRule], lock: dict[str, Locked]) -> list[dict]:
    """The Kibana rules of `built`, versioned from `lock`; a RuleError names every rule the lock does not
    record as it is (a version must never be guessed: run `rules lock` and commit the lock)."""
    built = list(built)
    outdated = stale(lock, built)
    if outdated:
        names = ", ".join(str(r.file.path) for r in outdated)
        raise RuleError(f"the version lock does not record these rules as they are: {names}; "
                        "run `cloudsift rules lock` (and commit the lock)")
    return [rule for b in built if (rule := versioned(b, lock[b.rule_id].version)) is not None]


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
