"""`cloudsift normalize`: a raw AWS log file → ECS documents on stdout, rejects on stderr."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import BinaryIO

from cloudsift.errors import CloudsiftError
from normalizer.errors import NormalizationError
from normalizer.geo.lookup import GeoIPError, open_geoip
from normalizer.records import Normalized, Skipped
from normalizer.registry import LOG_TYPES, LogType, log_type
from normalizer.stream import normalize_stream


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the `normalize` subcommand."""
    p = sub.add_parser(
        "normalize",
        help="normalize one raw AWS log file to ECS JSON lines",
        description="Raw native file (gzip or plain) → one ECS JSON document per line on stdout; "
        "each rejected record → one line on stderr, then one summary line (records in, out, rejected); "
        "exit 1 if any record was rejected, 141 (quietly) if stdout's reader left early.",
    )
    p.add_argument("--type", required=True, choices=sorted(LOG_TYPES), dest="log_type", help="the log source")
    p.add_argument("path", nargs="?", default="-", help="the file to read, or - for stdin (default)")
    p.add_argument("--original", action="store_true", help="keep each raw record in event.original")
    p.add_argument("--applog", metavar="FILE.yaml", type=Path,
                   help="--type applog: the application's field map (what a shipper source's `applog:` section "
                   "holds); without it, records are read as ECS JSON")
    p.add_argument("--geoip-city", metavar="FILE.mmdb",
                   help="a MaxMind City database: add <side>.geo to each address (default: CLOUDSIFT_GEOIP_CITY)")
    p.add_argument("--geoip-asn", metavar="FILE.mmdb",
                   help="a MaxMind ASN database: add <side>.as to each address (default: CLOUDSIFT_GEOIP_ASN)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Normalize the file; exit status 1 when any record was rejected."""
    args.kind = _kind(args)
    try:
        geoip = open_geoip(args.geoip_city, args.geoip_asn)
    except GeoIPError as exc:
        raise CloudsiftError(str(exc)) from None
    if geoip is not None:
        args.kind = geoip.enriching(log_type(args.kind))
    if args.path == "-":
        return _normalize(sys.stdin.buffer, "<stdin>", args)
    with _open(args.path) as fh:
        return _normalize(fh, args.path, args)


def _kind(args: argparse.Namespace) -> str | LogType:
    """The log type to read with: its name, or the one of the application `--applog` declares."""
    if args.applog is None:
        return args.log_type
    if args.log_type != "applog":
        raise CloudsiftError("--applog goes with --type applog")
    from normalizer.registry import applog_type
    from shipper.config import load_applog
    from shipper.errors import ShipperError
    try:
        return applog_type(load_applog(args.applog))
    except ShipperError as exc:
        raise CloudsiftError(str(exc)) from None


def _open(path: str) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise CloudsiftError(f"cannot read {path}: {exc.strerror}") from None


def _normalize(stream: BinaryIO, source: str, args: argparse.Namespace) -> int:
    out = sys.stdout.buffer
    written = rejected = skipped = 0
    try:
        for result in normalize_stream(stream, args.kind, source, original=args.original):
            if isinstance(result, Normalized):
                out.write(result.body)
                out.write(b"\n")
                written += 1
            elif isinstance(result, NormalizationError):
                rejected += 1
                print(str(result), file=sys.stderr)
            elif isinstance(result, Skipped):
                skipped += result.count
    except BrokenPipeError:
        raise  # stdout's reader left: the CLI's quiet exit, not a read error
    except OSError as exc:  # the file failed mid-read (an I/O error, a vanished network mount)
        raise CloudsiftError(f"cannot read {source}: {exc.strerror or exc}") from None
    out.flush()
    summary = f"{source}: {written + rejected + skipped} records in, {written} out, {rejected} rejected"
    if skipped:
        summary += f", {skipped} skipped on purpose (e.g. digest files, CloudWatch Logs control messages)"
    print(f"cloudsift normalize: {summary}", file=sys.stderr)
    return 1 if rejected else 0
