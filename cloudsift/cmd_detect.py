"""`cloudsift detect`: run the rule pack against Elasticsearch, write alerts, notify the new ones.

stdout carries only alerts (one JSON line per new alert, the interface contract); everything
else (per-rule failures, the summary) goes to stderr.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cloudsift.errors import CloudsiftError

if TYPE_CHECKING:  # the rest is imported when the command runs: `cloudsift --help` must start fast
    from detection.detect.engine import Outcome
    from detection.detect.settings import Settings

DEFAULT_RULES = "rules"
EXIT_STATUS = """exit status:
  0  every rule ran (its alerts written and notified)
  1  some rule did not load, compile or run, or a notification was not delivered (the next run retries it)
  2  usage or environment: a bad option, an unreachable Elasticsearch"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the `detect` subcommand."""
    p = sub.add_parser("detect", help="run the rule pack against Elasticsearch and write alerts",
                       description="Run every Sigma rule and correlation of the pack over a look-back window "
                       "(with overlap), write one alert per matched event or correlation window into "
                       "logs-cloudsift.alerts-<namespace>, and print one JSON line per NEW alert. Each rule's "
                       "last completed window is kept in Elasticsearch: reruns and restarts neither miss nor "
                       "repeat alerts.", epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--once", action="store_true", help="run every rule once and exit (default: each rule on its "
                   "interval until stopped)")
    p.add_argument("--since", metavar="ISO8601|DURATION",
                   help="start the window here (2026-11-20T10:00:00Z, or 15m, 2h, 1d before now) instead of "
                   "where each rule's last run ended (without --once: each rule's first run)")
    p.add_argument("--index", metavar="PATTERN", help="search this index pattern instead of each rule's own "
                   "data streams (logs-<dataset>.cloudsift-*)")
    p.add_argument("--namespace", metavar="NS", help="search the data streams of this namespace only, and write "
                   "alerts to logs-cloudsift.alerts-NS (default: search all, write to default)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--rules", action="append", metavar="PATH", help="rule files or folders (default: rules/); "
                        "may be given more than once")
    source.add_argument("--package", type=Path, metavar="ARTIFACT",
                        help="run exactly the rules of this `rules package` artifact (or its unpacked folder); "
                        "refused whole if any file differs from its manifest")
    p.add_argument("--config", type=Path, help="YAML settings: intervals, overlap, suppression, webhook, per-rule "
                   "overrides (see docs/detect.md)")
    p.add_argument("--es", metavar="URL", help="Elasticsearch URL (default: ELASTICSEARCH_URL or the local node)")
    p.add_argument("--state-index", help="index holding each rule's last window (default: cloudsift-detector-state)")
    p.add_argument("--interval", metavar="DURATION", help="how often each rule runs (default 5m)")
    p.add_argument("--overlap", metavar="DURATION", help="how far each run re-reads before the last window's end "
                   "(default 5m)")
    p.add_argument("--time-field", help="the field windows are on (default event.ingested: when the event was "
                   "indexed, so late AWS deliveries are still searched)")
    p.add_argument("--webhook", metavar="URL", help="POST each new alert as JSON to this URL")
    p.add_argument("--webhook-header", action="append", default=[], metavar="NAME=ENV",
                   help="send header NAME with the value of environment variable ENV (a secret stays out of "
                   "the command line)")
    p.set_defaults(run=run)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The config file with the flags on top."""
    from detection.detect.settings import SettingsError, load

    overrides: dict = {"namespace": args.namespace, "data_namespace": args.namespace, "index": args.index,
                       "state_index": args.state_index, "interval": args.interval, "overlap": args.overlap,
                       "time_field": args.time_field}
    if args.webhook or args.webhook_header:
        headers = {}
        for item in args.webhook_header:
            name, sep, env = item.partition("=")
            if not sep:
                raise CloudsiftError(f"--webhook-header {item!r}: expected NAME=ENV")
            headers[name.strip()] = env.strip()
        overrides["webhook"] = {"url": args.webhook, "headers_from_env": headers}
    try:
        return load(args.config, overrides)
    except SettingsError as exc:
        raise CloudsiftError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    """Load and compile the pack, connect, then run once or until stopped."""
    import orjson

    from cloudsift.elastic import connect, settings_from_env
    from detection.detect import rules as pack
    from detection.detect.engine import Detector
    from detection.detect.notify import Notifier, StdoutNotifier, WebhookNotifier
    from detection.detect.timing import parse_since
    from detection.errors import DetectorError

    settings = settings_from_args(args)
    since = parse_since(args.since, datetime.now(UTC)) if args.since else None
    if args.package is not None:
        rules, problems = pack.from_package(args.package, settings.data_namespace, settings.index)
    else:
        library = [DEFAULT_RULES] if Path(DEFAULT_RULES).is_dir() else []
        rules, problems = pack.load(args.rules or [DEFAULT_RULES], library, settings.data_namespace, settings.index)
    for problem in problems:
        print(f"cloudsift: detect: {problem}", file=sys.stderr)
    notifiers: list[Notifier] = [StdoutNotifier()]
    if settings.webhook is not None:
        notifiers.append(WebhookNotifier(settings.webhook))
    client = connect(settings_from_env(args.es))
    _install_templates(client, settings.namespace)
    detector = Detector(client, settings, rules, notifiers)
    try:
        detector.prepare()
    except DetectorError as exc:  # the cluster is not ready for this detector: environment, not a rule
        raise CloudsiftError(str(exc)) from None
    failed = len(problems)

    def report(outcome: Outcome) -> None:
        nonlocal failed
        if outcome.error:
            failed += 1
            print(f"cloudsift: detect: rule {outcome.rule_id} ({outcome.title}): {outcome.error}", file=sys.stderr)
        elif not args.once:
            print(orjson.dumps(outcome.to_json()).decode(), file=sys.stderr)

    started = time.monotonic()
    if args.once:
        outcomes = detector.run_once(since, report)
        summary = {"rules": len(outcomes) + len(problems), "failed": failed,
                   "new": sum(o.new for o in outcomes), "duplicates": sum(o.duplicates for o in outcomes),
                   "suppressed": sum(o.suppressed for o in outcomes),
                   "seconds": round(time.monotonic() - started, 3), "alerts": detector.alerts_stream}
        print(orjson.dumps(summary).decode(), file=sys.stderr)
        return 1 if failed else 0
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    detector.run_forever(stop, report, since)
    return 0


def _install_templates(client: object, namespace: str) -> None:
    """The alerts stream's template (with the data streams'); a detector without the right to put
    templates goes on when `deploy es` has put them, and says so otherwise."""
    from elasticsearch import AuthorizationException

    from shipper import templates
    from shipper.errors import ShipperError

    try:
        templates.install(client, namespace)  # type: ignore[arg-type]
    except (AuthorizationException, ShipperError) as exc:
        print(f"cloudsift: detect: cannot check the alerts stream's template ({exc}); "
              "if alerts are refused, run `cloudsift deploy es` first", file=sys.stderr)
