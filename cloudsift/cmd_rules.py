"""`cloudsift rules check|test|compile`: the detection engineer's loop over the Sigma pack."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sigma.collection import SigmaCollection

from cloudsift.elastic import connect, settings_from_env
from detection.check import check
from detection.errors import RuleError
from detection.pack import RuleFile, load_pack
from detection.ruletest import report, run
from detection.targets import TARGETS

DEFAULT_PATHS = ["rules"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the `rules` subcommand and its three actions."""
    p = sub.add_parser("rules", help="check, test and compile the Sigma rule pack",
                       description="Sigma rules with raw AWS samples beside them, proven on Elasticsearch.")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    c = actions.add_parser("check", help="schema, unique ids, ATT&CK tags, known fields, samples both ways")
    c.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders (default: rules/)")
    c.set_defaults(run=_check)

    t = actions.add_parser("test", help="normalize each rule's samples, index them, assert exactly the expected "
                                        "ones match")
    t.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders (default: rules/)")
    t.add_argument("--es", metavar="URL", help="Elasticsearch URL (default: ELASTICSEARCH_URL or the local node)")
    t.add_argument("--json", action="store_true", help="one JSON result per rule on stdout, for CI")
    t.set_defaults(run=_test)

    k = actions.add_parser("compile", help="compile rules to an Elastic query language")
    k.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders (default: rules/)")
    k.add_argument("--target", choices=sorted(TARGETS), default="lucene",
                   help="lucene and dsl run on any Elasticsearch; esql and eql need a full cluster; "
                        "kibana is detection-rule NDJSON for Kibana's import API")
    k.set_defaults(run=_compile)


def _load(args: argparse.Namespace) -> tuple[list[RuleFile], SigmaCollection]:
    """The named rules; the default pack folder resolves correlation references when it exists."""
    library = [p for p in DEFAULT_PATHS if Path(p).is_dir()]
    return load_pack(args.paths or DEFAULT_PATHS, library)


def _check(args: argparse.Namespace) -> int:
    files, collection = _load(args)
    problems = check(files, list(collection.rules))
    for problem in problems:
        print(problem)
    print(f"{len(files)} rule file(s), {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


def _test(args: argparse.Namespace) -> int:
    files, _ = _load(args)
    results = run(connect(settings_from_env(args.es)), files)
    if args.json:
        for result in results:
            print(json.dumps(result.to_json()))
    else:
        print(report(results))
    return 0 if all(r.ok for r in results) else 1


def _compile(args: argparse.Namespace) -> int:
    files, collection = _load(args)
    failed = 0
    for file in files:  # one rule at a time, so one bad rule does not hide the others' output
        try:
            lines = TARGETS[args.target]([file], collection)
        except RuleError as exc:
            failed += 1
            print(f"cloudsift: error: {exc}", file=sys.stderr)
            continue
        for line in lines:
            print(line)
    return 1 if failed else 0
