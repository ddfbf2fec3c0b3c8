"""The rule pack on disk: one Sigma rule per file, its samples beside it (`<name>.samples.yml`)."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.rule import SigmaRule

from detection import fields
from detection.errors import RuleError

SAMPLES_SUFFIX = ".samples.yml"
# libyaml's safe loader when present: same safety as yaml.safe_load, ~10x faster on big sample files.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Sample:
    """One test case: raw native records of one source that the rule must (or must not) match."""

    name: str
    match: bool
    service: str
    records: tuple[str, ...]  # JSON objects or text lines, as AWS writes them
    header: str | None = None  # a flow log's header line (field order)


@dataclass(frozen=True, slots=True)
class RuleFile:
    """A rule file: its main rule (a correlation if it has one) and its samples."""

    path: Path
    rule: SigmaRule | SigmaCorrelationRule
    samples: tuple[Sample, ...]

    @property
    def is_correlation(self) -> bool:
        """Whether the main rule is a Sigma correlation rule."""
        return isinstance(self.rule, SigmaCorrelationRule)


def rule_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Rule files named by `paths` (files, or folders searched recursively), sorted, samples excluded."""
    found: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.update(p for p in path.rglob("*.yml") if not p.name.endswith(SAMPLES_SUFFIX))
        elif path.is_file():
            found.add(path)
        else:
            raise RuleError("no such rule file or folder", str(path))
    return sorted(found)


def load_collection(path: Path) -> SigmaCollection:
    """All Sigma documents of one file (a correlation file may carry its base rules too)."""
    try:
        return SigmaCollection.from_yaml(
            path.read_text(), source=SigmaRuleLocation(str(path)), resolve_references=False
        )
    except (OSError, SigmaError, yaml.YAMLError) as exc:
        raise RuleError(f"not a valid Sigma rule: {exc}", str(path)) from None


def main_rule(path: Path, collection: SigmaCollection) -> SigmaRule | SigmaCorrelationRule:
    """The rule a file stands for: its correlation rule, else its only rule."""
    correlations = [r for r in collection.rules if isinstance(r, SigmaCorrelationRule)]
    candidates = correlations or list(collection.rules)
    if len(candidates) != 1:
        raise RuleError(f"expected one rule (or one correlation) per file, found {len(candidates)}", str(path))
    return candidates[0]


def load_pack(
    paths: Iterable[str | Path], library: Iterable[str | Path] = ()
) -> tuple[list[RuleFile], SigmaCollection]:
    """Every rule file under `paths` with its samples, and one collection with references resolved.

    Rules under `library` (the whole pack, typically) only serve to resolve correlation references,
    so one correlation file can be compiled or tested alone.
    """
    files: list[RuleFile] = []
    rules: list[SigmaRule | SigmaCorrelationRule] = []
    chosen = rule_paths(paths)
    for path in chosen:
        collection = load_collection(path)
        rules.extend(collection.rules)
        rule = main_rule(path, collection)
        files.append(RuleFile(path, rule, load_samples(path, default_service(path, collection))))
    known = {p.resolve() for p in chosen}
    for path in rule_paths(library):
        if path.resolve() not in known:
            rules.extend(load_collection(path).rules)
    try:
        merged = SigmaCollection(rules)  # resolves correlation references
    except SigmaError as exc:
        raise RuleError(f"correlation references: {exc}") from None
    return files, merged


def default_service(path: Path, collection: SigmaCollection) -> str | None:
    """The source the file's samples come from: the logsource service of its (base) rules."""
    services = {r.logsource.service for r in collection.rules if isinstance(r, SigmaRule)}
    return services.pop() if len(services) == 1 else None


def samples_path(rule_path: Path) -> Path:
    """`rules/x/name.yml` → `rules/x/name.samples.yml`."""
    return rule_path.with_name(rule_path.name.removesuffix(".yml") + SAMPLES_SUFFIX)


def load_samples(rule_path: Path, service: str | None) -> tuple[Sample, ...]:
    """The samples beside a rule (none if the file is missing: `rules check` reports that)."""
    path = samples_path(rule_path)
    if not path.exists():
        return ()
    try:
        data = yaml.load(path.read_text(), Loader=_SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(f"samples file {path.name}: {exc}", str(rule_path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("samples"), list):
        raise RuleError(f"samples file {path.name}: expected a mapping with a `samples` list", str(rule_path))
    return tuple(_sample(item, n, service, rule_path) for n, item in enumerate(data["samples"], 1))


def _sample(item: object, number: int, service: str | None, rule_path: Path) -> Sample:
    where = f"sample {number}"
    if not isinstance(item, dict):
        raise RuleError(f"{where}: expected a mapping", str(rule_path))
    name = str(item.get("name") or where)
    match = item.get("match")
    if not isinstance(match, bool):
        raise RuleError(f"{where} ({name}): `match` must be true or false", str(rule_path))
    kind = item.get("type", service)
    if kind not in fields.SERVICES:
        raise RuleError(f"{where} ({name}): unknown source type {kind!r}; set `type:`", str(rule_path))
    records = list(_records(item, where, name, rule_path))
    header = item.get("header")
    if header is not None and not isinstance(header, str):
        raise RuleError(f"{where} ({name}): `header` must be a string", str(rule_path))
    return Sample(name, match, kind, tuple(records), header)


def _records(item: dict, where: str, name: str, rule_path: Path) -> Iterator[str]:
    # A record is kept as the raw text AWS would write, so the real reader splits it.
    given = [key for key in ("record", "records", "line", "lines") if key in item]
    if len(given) != 1:
        raise RuleError(f"{where} ({name}): give exactly one of record, records, line, lines", str(rule_path))
    value = item[given[0]]
    values = value if given[0].endswith("s") else [value]
    if not isinstance(values, list) or not values:
        raise RuleError(f"{where} ({name}): `{given[0]}` must not be empty", str(rule_path))
    for record in values:
        if given[0].startswith("record") and isinstance(record, dict):
            yield json.dumps(record, separators=(",", ":"))
        elif given[0].startswith("line") and isinstance(record, str):
            yield record
        else:
            raise RuleError(f"{where} ({name}): `{given[0]}` holds a {type(record).__name__}", str(rule_path))
