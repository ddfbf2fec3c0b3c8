"""`cloudsift rules check|test|compile`: the detection engineer's loop over the Sigma pack."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sigma.collection import SigmaCollection

from cloudsift.elastic import connect, settings_from_env
from cloudsift.errors import CloudsiftError
from detection import coverage, coverage_html
from detection.check import Problem, check
from detection.lock import LOCK_NAME, build, read_lock, relock, stale, write_lock
from detection.pack import RuleFile, load_all, load_pack
from detection.package import write_package
from detection.skeleton import SKELETONS, write
from detection.targets import TARGETS, Output, compile_files

DEFAULT_PATHS = ["rules"]
DEFAULT_LOCK = Path("rules") / LOCK_NAME
# `rules compile --format`: JSON records naming each query's rule, or Kibana's import file as is.
FORMATS = ("records", "kibana-import")
# `rules coverage --out DIR` writes these two files.
LAYER_FILE = "navigator-layer.json"
PAGE_FILE = "coverage.html"
EXIT_STATUS = """exit status:
  0  every rule is fine (check: no problem; test: every sample behaved; compile: every rule compiled)
  1  some rule is not: a problem, a failing sample, a rule that does not load or compile
  2  usage or environment: a bad option, an unreachable Elasticsearch"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the `rules` subcommand and its three actions."""
    p = sub.add_parser("rules", help="check, test and compile the Sigma rule pack",
                       description="Sigma rules with raw AWS samples beside them, proven on Elasticsearch.",
                       epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    c = actions.add_parser("check", help="schema, unique ids, ATT&CK tags, known fields, samples both ways",
                           epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders (default: rules/)")
    c.set_defaults(run=_check)

    t = actions.add_parser("test", help="normalize each rule's samples, index them, assert exactly the expected "
                                        "ones match", epilog=EXIT_STATUS,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders (default: rules/)")
    t.add_argument("--es", metavar="URL", help="Elasticsearch URL (default: ELASTICSEARCH_URL or the local node)")
    t.add_argument("--json", action="store_true", help="one JSON result per rule on stdout, for CI")
    t.set_defaults(run=_test)

    k = actions.add_parser(
        "compile", help="compile rules to an Elastic query language",
        description="One JSON record a line per rule: {id, title, file, target, query}. The query is text for "
                    "lucene, esql and eql (ES|QL and EQL span lines inside the JSON string), an object for dsl "
                    "(the search body) and kibana (the detection rule).",
        epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    k.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders (default: rules/)")
    k.add_argument("--target", choices=sorted(TARGETS), default="lucene",
                   help="lucene and dsl run on any Elasticsearch; esql and eql need a full cluster; "
                        "kibana is Kibana detection rules")
    k.add_argument("--format", choices=FORMATS, default="records",
                   help="records (default): one JSON record a line, as above; kibana-import (with --target "
                        "kibana): the detection rules alone, the NDJSON Kibana's rule import API takes")
    k.set_defaults(run=_compile)

    n = actions.add_parser(
        "new", help="write a rule skeleton and its samples file to fill in",
        description="Writes PACK/SOURCE/NAME.yml and NAME.samples.yaml: a small working rule with one matching "
                    "and one near-miss sample. Every line to adapt says TODO; rules check refuses the files until "
                    "none does. Existing files are never overwritten.",
        epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    n.add_argument("name", metavar="NAME", help="the rule's file name: lowercase letters, digits, underscores")
    n.add_argument("--source", required=True, choices=sorted(SKELETONS), help="the log source the rule reads")
    n.add_argument("--pack", type=Path, default=Path(DEFAULT_PATHS[0]), metavar="DIR",
                   help="the pack folder (default: rules/)")
    n.set_defaults(run=_new)

    v = actions.add_parser(
        "coverage", help="ATT&CK coverage of the pack: a Navigator layer and an HTML matrix",
        description="Writes DIR/navigator-layer.json (an ATT&CK Navigator layer: score = number of rules, comment = "
                    "their titles) and DIR/coverage.html (a self-contained page of the pack over ATT&CK's IaaS "
                    "matrix, linking each rule file, uncovered techniques marked).",
        epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders (default: rules/)")
    v.add_argument("--out", type=Path, required=True, metavar="DIR", help="the folder to write (created if missing)")
    v.set_defaults(run=_coverage)

    lock = actions.add_parser(
        "lock", help="record each rule's content hash and version in the version lock",
        description="Build every rule (Kibana rule and content hash) and bump the version of exactly the rules "
                    "whose content changed since the lock; new rules start at 1. Commit the lock with the rules.",
        epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    lock.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders (default: rules/)")
    lock.add_argument("--lock", type=Path, default=DEFAULT_LOCK, help=f"the lock file (default: {DEFAULT_LOCK})")
    lock.add_argument("--check", action="store_true", help="write nothing; exit 1 if the lock is not current")
    lock.set_defaults(run=_lock)

    pkg = actions.add_parser(
        "package", help="build the versioned release artifact that deploy and detect accept",
        description="Update the version lock, then write cloudsift-rules-<version>.tar.gz: the Sigma sources and "
                    "samples, the Kibana rules (NDJSON) and a manifest of ids, files, hashes and versions "
                    "(docs/deploy.md).", epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    pkg.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders (default: rules/)")
    pkg.add_argument("--lock", type=Path, default=DEFAULT_LOCK, help=f"the lock file (default: {DEFAULT_LOCK})")
    pkg.add_argument("--out", type=Path, default=Path("dist"), help="where to write the artifact (default: dist/)")
    pkg.set_defaults(run=_package)


def _library() -> list[str]:
    """The default pack folder, when it exists: it resolves correlation references of the named rules."""
    return [p for p in DEFAULT_PATHS if Path(p).is_dir()]


def load_rules(paths: list[str]) -> tuple[list[RuleFile], SigmaCollection]:
    """The rule files under `paths` (default: the pack), correlation references resolved by the pack."""
    return load_pack(paths or DEFAULT_PATHS, _library())


def _load(args: argparse.Namespace) -> tuple[list[RuleFile], SigmaCollection]:
    return load_rules(args.paths)


def _check(args: argparse.Namespace) -> int:
    # Every file is checked: one that does not load is a problem like any other, not the end of the run.
    files, collection, errors = load_all(args.paths or DEFAULT_PATHS, _library())
    pack = [Path(p) for p in _library()]
    found = check(files, list(collection.rules), pack[0] if pack else None)
    problems = sorted([Problem(e.path or "?", e.message) for e in errors] + found,
                      key=lambda p: p.path)  # stable: each file's problems keep their order
    for problem in problems:
        print(problem)
    print(f"{len(files) + len(errors)} rule file(s), {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


def _test(args: argparse.Namespace) -> int:
    files, _ = _load(args)
    # Imported here: the rule tests normalize samples (the native core); check and compile need only tables.
    from detection.ruletest import report, run

    results = run(connect(settings_from_env(args.es)), files)
    if args.json:
        for result in results:
            print(json.dumps(result.to_json()))
    else:
        print(report(results))
    return 0 if all(r.ok for r in results) else 1


def _compile(args: argparse.Namespace) -> int:
    if args.format == "kibana-import" and args.target != "kibana":
        raise CloudsiftError(f"--format kibana-import needs --target kibana, not {args.target}")
    files, _ = _load(args)
    failed = 0
    for out in compile_files(args.target, files):
        if isinstance(out, Output):
            print(json.dumps(out.query if args.format == "kibana-import" else out.record(), sort_keys=True))
        else:
            failed += 1
            print(f"cloudsift: error: {out}", file=sys.stderr)
    return 1 if failed else 0


def _new(args: argparse.Namespace) -> int:
    rule, samples = write(args.pack, args.source, args.name)
    print(rule)
    print(samples)
    print(f"next: edit every TODO, then `cloudsift rules check {rule}` and `cloudsift rules test {rule}`",
          file=sys.stderr)
    return 0


def _coverage(args: argparse.Namespace) -> int:
    files, _ = _load(args)
    found = coverage.build(files)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / LAYER_FILE).write_text(json.dumps(coverage.layer(found), indent=2) + "\n")
        (args.out / PAGE_FILE).write_text(coverage_html.render(found, args.out), encoding="utf-8")
    except OSError as exc:
        raise CloudsiftError(f"cannot write the coverage to {args.out}: {exc}") from None
    print(args.out / LAYER_FILE)
    print(args.out / PAGE_FILE)
    print(f"{found.covered}/{found.techniques} {coverage.MATRIX_PLATFORM} techniques covered by {len(found.rules)} "
          "rule(s)", file=sys.stderr)
    return 0


def _relock(args: argparse.Namespace, save: bool) -> tuple[list, dict, list]:
    """Build the pack and bring the lock up to date (on disk only if `write`): built, lock, bumps."""
    files, _ = _load(args)
    built = build(files)
    lock, bumps = relock(read_lock(args.lock), built, args.lock.parent)
    if save and (bumps or lock != read_lock(args.lock)):
        write_lock(args.lock, lock)
    return built, lock, bumps


def _lock(args: argparse.Namespace) -> int:
    if args.check:
        files, _ = _load(args)
        outdated = stale(read_lock(args.lock), build(files))
        for rule in outdated:
            print(f"{rule.file.path}: not in {args.lock} as it is now: run `cloudsift rules lock`")
        return 1 if outdated else 0
    _, _, bumps = _relock(args, save=True)
    for bump in bumps:
        print(f"{bump.file}: version {bump.old} → {bump.new}" if bump.old else f"{bump.file}: new, version 1")
    print(f"{args.lock}: {len(bumps)} version(s) changed" if bumps else f"{args.lock}: current, no changes")
    return 0


def _package(args: argparse.Namespace) -> int:
    built, lock, bumps = _relock(args, save=True)
    for bump in bumps:
        print(f"{bump.file}: version {bump.old} → {bump.new}", file=sys.stderr)
    path = write_package(built, lock, args.lock.parent, args.out)
    for rule in built:
        if rule.kibana is None:
            print(f"note: {rule.file.path}: no Kibana rule ({rule.kibana_error}); `cloudsift detect` runs it",
                  file=sys.stderr)
    print(path)
    return 0
