"""The rule pack on disk: one Sigma rule per file, its samples beside it (`<name>.samples.yaml`).

Samples end in `.yaml`, rules in `.yml`: sigma-cli reads every `*.yml` of a folder as a Sigma rule,
so `sigma convert rules/` would otherwise choke on each samples file.
"""
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

RULE_SUFFIX = ".yml"
SAMPLES_SUFFIX = ".samples.yaml"
# The samples suffix before it changed: such a file is neither a rule nor found as samples.
_OLD_SAMPLES_SUFFIX = ".samples.yml"
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
    product: str | None = None  # application logs: the rule's logsource product (the app's dataset)


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
    """Rule files named by `paths` (files, or folders searched recursively for `*.yml`), sorted."""
    found: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.update(path.rglob(f"*{RULE_SUFFIX}"))
        elif path.is_file():
            found.add(path)
        else:
            raise RuleError("no such rule file or folder", str(path))
    for path in found:
        if path.name.endswith(_OLD_SAMPLES_SUFFIX):
            new = path.name.removesuffix(_OLD_SAMPLES_SUFFIX) + SAMPLES_SUFFIX
            raise RuleError(f"samples files end in {SAMPLES_SUFFIX} (sigma-cli reads every *.yml as a rule): "
                            f"rename it to {new}", str(path))
    return sorted(found)


def load_collection(path: Path, text: str | None = None) -> SigmaCollection:
    """All Sigma documents of one file (a correlation file may carry its base rules too); `text`: its
    content when it comes from elsewhere than `path` (a rule package)."""
    try:
        # pySigma's from_yaml parses with the pure-Python loader; libyaml's is ~10x faster on a big pack.
        documents = list(yaml.load_all(path.read_text() if text is None else text, Loader=_SAFE_LOADER))
        return SigmaCollection.from_dicts(documents, source=SigmaRuleLocation(str(path)), resolve_references=False)
    except yaml.YAMLError as exc:
        raise RuleError(f"not a valid Sigma rule: {_yaml_problem(exc)}", str(path)) from None
    except (OSError, SigmaError) as exc:
        raise RuleError(f"not a valid Sigma rule: {exc}", str(path)) from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML error on one line, with its position (PyYAML's own text spans several, quoting the input)."""
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None)
    if problem is None:
        return str(exc).splitlines()[0]
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else problem


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
    so one correlation file can be compiled or tested alone. The first broken file is raised.
    """
    files, collection, errors = load_all(paths, library)
    if errors:
        raise errors[0]
    return files, collection


def load_all(
    paths: Iterable[str | Path], library: Iterable[str | Path] = ()
) -> tuple[list[RuleFile], SigmaCollection, list[RuleError]]:
    """`load_pack` that goes on past broken files: the good ones, and an error for each broken one.

    A file is broken when it is no valid Sigma, its samples do not load, or a correlation of it
    names a rule that no file defines.
    """
    errors: list[RuleError] = []
    loaded: list[tuple[RuleFile | None, SigmaCollection]] = []
    chosen = rule_paths(paths)
    known = {p.resolve() for p in chosen}
    extra = [p for p in rule_paths(library) if p.resolve() not in known]
    for path in [*chosen, *extra]:
        try:
            collection = load_collection(path)
            file = None
            if path.resolve() in known:
                rule = main_rule(path, collection)
                file = RuleFile(path, rule, load_samples(path, default_service(path, collection),
                                                         default_product(collection)))
        except RuleError as exc:
            errors.append(exc)
            continue
        loaded.append((file, collection))
    pool = SigmaCollection([r for _, c in loaded for r in c.rules], resolve_references=False)
    kept = []
    for file, collection in loaded:
        dangling = _dangling_reference(collection, pool)
        if dangling is None:
            kept.append((file, collection))
        else:
            errors.append(dangling)
    try:
        merged = SigmaCollection([r for _, c in kept for r in c.rules])  # resolves correlation references
    except SigmaError as exc:
        raise RuleError(f"correlation references: {exc}") from None
    return [f for f, _ in kept if f is not None], merged, errors


def _dangling_reference(collection: SigmaCollection, pool: SigmaCollection) -> RuleError | None:
    """The error of a correlation in `collection` that names a rule `pool` lacks, if any."""
    for rule in collection.rules:
        if not isinstance(rule, SigmaCorrelationRule):
            continue
        for ref in rule.rules:
            try:
                pool[ref.reference]
            except SigmaError:
                where = str(rule.source.path) if rule.source else None
                return RuleError(f"correlation names rule {ref.reference!r}, which no rule file defines "
                                 "(a base rule needs `name:`; give its file or folder too)", where)
    return None


def default_service(path: Path, collection: SigmaCollection) -> str | None:
    """The source the file's samples come from: the logsource service of its (base) rules."""
    services = {r.logsource.service for r in collection.rules if isinstance(r, SigmaRule)}
    return services.pop() if len(services) == 1 else None


def default_product(collection: SigmaCollection) -> str | None:
    """The logsource product of the file's (base) rules, when they agree (application logs: the app's dataset)."""
    products = {r.logsource.product for r in collection.rules if isinstance(r, SigmaRule)}
    return products.pop() if len(products) == 1 else None


def samples_path(rule_path: Path) -> Path:
    """`rules/x/name.yml` → `rules/x/name.samples.yaml`."""
    return rule_path.with_name(rule_path.name.removesuffix(RULE_SUFFIX) + SAMPLES_SUFFIX)


def load_samples(rule_path: Path, service: str | None, product: str | None = None) -> tuple[Sample, ...]:
    """The samples beside a rule (none if the file is missing: `rules check` reports that)."""
    path = samples_path(rule_path)
    if not path.exists():
        return ()
    try:
        data = yaml.load(path.read_text(), Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise RuleError(f"samples file {path.name}: {_yaml_problem(exc)}", str(rule_path)) from None
    except OSError as exc:
        raise RuleError(f"samples file {path.name}: {exc}", str(rule_path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("samples"), list):
        raise RuleError(f"samples file {path.name}: expected a mapping with a `samples` list", str(rule_path))
    return tuple(_sample(item, n, service, rule_path, product) for n, item in enumerate(data["samples"], 1))


def _sample(item: object, number: int, service: str | None, rule_path: Path, product: str | None = None) -> Sample:
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
    return Sample(name, match, kind, tuple(records), header, product if kind == fields.APPLOG else None)


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
