"""`cloudsift report`: one self-contained HTML page of the events, alerts, attack stories and dead letters."""
from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cloudsift.errors import CloudsiftError

DEFAULT_RULES = "rules"
# With no data at all, the page covers the last hour (and says there is nothing).
EMPTY_RANGE = timedelta(hours=1)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the `report` subcommand."""
    p = sub.add_parser("report", help="write a self-contained HTML report of the data and alerts",
                       description="Write one HTML page (no script, nothing fetched when it is opened): events per "
                       "dataset over time, alerts per rule and severity over time, attack stories as timelines, "
                       "the top principals and source IPs behind alerts, dead letters by reason, and the rule "
                       "pack's ATT&CK coverage. See docs/report.md.")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="the page to write (folders created)")
    p.add_argument("--namespace", metavar="NS", help="report this namespace only (default: every namespace)")
    p.add_argument("--since", metavar="ISO8601|DURATION", help="start here (2026-11-20T00:00:00Z, or 1d before "
                   "now); default: the first event or alert present")
    p.add_argument("--until", metavar="ISO8601|DURATION", help="end here; default: now with --since, else the "
                   "last event or alert present")
    p.add_argument("--rules", action="append", metavar="PATH", help="the rule pack whose ATT&CK coverage the report "
                   "shows (default: rules/ when present); may be given more than once")
    p.add_argument("--es", metavar="URL", help="Elasticsearch URL (default: ELASTICSEARCH_URL or the local node)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Ask the cluster, render the page, write it; print where it is and what it holds."""
    from cloudsift.elastic import connect, settings_from_env
    from detection import coverage
    from detection.detect.timing import TimingError, parse_since
    from detection.pack import load_pack
    from report import page
    from report.contents import gather
    from report.query import Indices, Queries
    from report.span import Span

    now = datetime.now(UTC)
    try:  # a usage error (exit 2), not a rule's problem as detection's errors are
        since = parse_since(args.since, now) if args.since else None
        until = parse_since(args.until, now) if args.until else None
    except TimingError as exc:
        raise CloudsiftError(str(exc)) from None
    paths = args.rules or ([DEFAULT_RULES] if Path(DEFAULT_RULES).is_dir() else [])
    pack = coverage.build(load_pack(paths)[0]) if paths else None
    client = connect(settings_from_env(args.es))
    queries = Queries(client, Indices.of(args.namespace))
    present = queries.present() if since is None or until is None else None
    fallback = Span(now - EMPTY_RANGE, now)
    start = since or (present or fallback).start
    end = until or (now if since is not None else (present or fallback).end)
    if end < start:
        raise CloudsiftError(f"the report would end ({end.isoformat()}) before it starts ({start.isoformat()})")
    report = gather(queries, Span(start, end, explicit=since is not None or until is not None), args.namespace,
                    pack, now)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page.render(report), encoding="utf-8")
    print(f"wrote {args.out}: {report.events.total} events, {report.alerts_by_rule.total} alerts, "
          f"{len(report.stories)} attack stories, {sum(r.count for r in report.deadletters)} dead letters")
    return 0
