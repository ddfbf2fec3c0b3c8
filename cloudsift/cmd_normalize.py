"""`cloudsift normalize`: a raw AWS log file → ECS documents on stdout, rejects on stderr."""
from __future__ import annotations

import argparse
import sys
from typing import BinaryIO

from cloudsift.errors import CloudsiftError
from normalizer.errors import NormalizationError
from normalizer.records import Normalized, Skipped
from normalizer.registry import LOG_TYPES
from normalizer.stream import normalize_stream


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the `normalize` subcommand."""
    p = sub.add_parser(
        "normalize",
        help="normalize one raw AWS log file to ECS JSON lines",
        description="Raw native file (gzip or plain) → one ECS JSON document per line on stdout; "
        "each rejected record → one line on stderr; exit 1 if any record was rejected.",
    )
    p.add_argument("--type", required=True, choices=sorted(LOG_TYPES), dest="log_type", help="the log source")
    p.add_argument("path", nargs="?", default="-", help="the file to read, or - for stdin (default)")
    p.add_argument("--original", action="store_true", help="keep each raw record in event.original")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Normalize the file; exit status 1 when any record was rejected."""
    if args.path == "-":
        return _normalize(sys.stdin.buffer, "<stdin>", args)
    try:
        with open(args.path, "rb") as fh:
            return _normalize(fh, args.path, args)
    except OSError as exc:
        raise CloudsiftError(f"cannot read {args.path}: {exc.strerror}") from None


def _normalize(stream: BinaryIO, source: str, args: argparse.Namespace) -> int:
    out = sys.stdout.buffer
    rejected = skipped = 0
    for result in normalize_stream(stream, args.log_type, source, original=args.original):
        if isinstance(result, Normalized):
            out.write(result.body)
            out.write(b"\n")
        elif isinstance(result, NormalizationError):
            rejected += 1
            print(str(result), file=sys.stderr)
        elif isinstance(result, Skipped):
            skipped += result.count
    out.flush()
    if skipped:
        print(f"skipped {skipped} record(s) on purpose (e.g. digest files)", file=sys.stderr)
    return 1 if rejected else 0
