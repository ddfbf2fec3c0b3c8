"""`cloudsift ship`: settings from the config file and flags, then the workers (shipper.workers), then the summary."""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cloudsift.errors import CloudsiftError
from shipper.limits import DEFAULT_LIMITS

if TYPE_CHECKING:  # the rest is imported when the command runs: `cloudsift --help` must start fast
    from elasticsearch import Elasticsearch

    from cloudsift.elastic import EsSettings
    from shipper.config import Settings

# CLI flag → dotted config key: every setting can be overridden without editing the file.
FLAGS = {
    "es": "elasticsearch.url", "namespace": "namespace", "workers": "workers", "partition": "partition",
    "state_index": "state_index", "batch_docs": "batch.max_docs", "batch_bytes": "batch.max_bytes",
    "retry_seconds": "retry.max_seconds", "senders": "batch.senders", "to": "to", "progress": "progress",
}
EXIT_REPORTED, EXIT_FAILED = 1, 3


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the `ship` subcommand."""
    p = sub.add_parser("ship", help="ship AWS logs from S3, SQS or a directory to Elasticsearch",
                       description="Read objects (bucket listing, S3 event notifications on SQS, or a local "
                       "directory laid out like a bucket), normalize every record to ECS and bulk-index it. "
                       "Exit 0: all shipped; 1: some records or objects dead-lettered (reported); "
                       "3: some objects could not be shipped and stay for the next run.")
    p.add_argument("--from", dest="source", metavar="SOURCE",
                   help="s3://bucket[/prefix], sqs://<queue-url> or a directory (overrides the config's sources)")
    p.add_argument("--config", type=Path, help="YAML settings file")
    p.add_argument("--es", metavar="URL", help="Elasticsearch URL (default: ELASTICSEARCH_URL, else the local node)")
    p.add_argument("--once", action="store_true", default=None, help="drain what is there now, then exit")
    p.add_argument("--workers", type=int, help="worker processes (default 1)")
    p.add_argument("--partition", metavar="I/N", help="be worker I of N separate `cloudsift ship` processes")
    p.add_argument("--prefixes", metavar="P1,P2,…",
                   help="bucket listing: only these prefixes below the s3:// URL's, each with its own checkpoint; "
                   "workers (--workers / --partition) then split them, worker I taking prefixes I, I+N, …")
    p.add_argument("--namespace", help="data stream namespace (default: default)")
    p.add_argument("--state-index", help="index holding bucket-listing checkpoints (default: cloudsift-state)")
    p.add_argument("--batch-docs", type=int, help=f"documents per bulk request (default {DEFAULT_LIMITS.max_docs})")
    p.add_argument("--batch-bytes", type=int, help=f"bytes per bulk request (default {DEFAULT_LIMITS.max_bytes >> 20} MiB)")
    p.add_argument("--senders", type=int, help=f"concurrent bulk requests per worker (default {DEFAULT_LIMITS.senders})")
    p.add_argument("--retry-seconds", type=float, help=f"how long to keep retrying a batch (default {DEFAULT_LIMITS.retry_seconds:.0f})")
    p.add_argument("--region", help="AWS region of the bucket or queue")
    p.add_argument("--profile", help="AWS profile for the source's credentials")
    p.add_argument("--role-arn", help="IAM role to assume for the source")
    p.add_argument("--original", action="store_true", default=None, help="keep raw records in event.original")
    p.add_argument("--no-compress", action="store_true", help="send bulk requests uncompressed")
    p.add_argument("--poll-seconds", type=float, help="bucket listing interval without --once (default 60)")
    p.add_argument("--wait-seconds", type=int, help="SQS long polling wait (default 20)")
    p.add_argument("--visibility-timeout", type=int, help="SQS visibility timeout, kept alive while working (300)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="any other setting by its dotted config path, e.g. --set batch.max_inflight=4 "
                   "(VALUE is read as YAML)")
    p.add_argument("--to", metavar="FILE.ndjson", help="write documents to a file instead of Elasticsearch")
    p.add_argument("--progress", choices=("auto", "tty", "json"), help="progress display (default: auto)")
    p.set_defaults(run=run)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The config file with every given flag on top; all problems at once, before any work."""
    from shipper import config_yaml
    from shipper.config import load
    from shipper.errors import ShipperError

    overrides: dict[str, Any] = {key: getattr(args, flag) for flag, key in FLAGS.items()
                                 if getattr(args, flag) is not None}
    for flag in ("once", "original"):
        if getattr(args, flag):
            overrides[flag] = True
    if args.no_compress:
        overrides["elasticsearch.compress"] = False
    for item in args.set:
        dotted, sep, value = item.partition("=")
        if not sep or not dotted:
            raise CloudsiftError(f"--set {item!r}: expected KEY=VALUE")
        try:
            overrides[dotted.strip()] = config_yaml.parse(value, f"--set {dotted.strip()}")
        except ShipperError as exc:
            raise CloudsiftError(str(exc)) from None
    if args.source:
        source = {"url": args.source}
        for flag in ("region", "profile", "role_arn", "poll_seconds", "wait_seconds", "visibility_timeout"):
            if getattr(args, flag) is not None:
                source[flag] = getattr(args, flag)
        if args.prefixes is not None:
            source["prefixes"] = [p.strip() for p in args.prefixes.split(",")]
        overrides["sources"] = [source]
    elif args.prefixes is not None:
        raise CloudsiftError("--prefixes splits the --from s3://… listing: give --from, or `prefixes:` in the config")
    try:
        settings = load(args.config, overrides)
    except ShipperError as exc:
        raise CloudsiftError(str(exc)) from None
    if not settings.once and any(s.kind == "dir" for s in settings.sources):
        settings = load(args.config, {**overrides, "once": True})  # a directory has no notifications
    if not settings.once and len(settings.sources) > 1:
        raise CloudsiftError("continuous mode ships one source: run one `cloudsift ship` per source, or use --once")
    return settings


def run(args: argparse.Namespace) -> int:
    """Validate, connect, install templates, run the workers, print the summary."""
    import functools

    import orjson

    from cloudsift.elastic import connect
    from shipper import templates, workers
    from shipper.errors import ShipperError
    from shipper.progress import total

    settings = settings_from_args(args)
    tty = settings.progress == "tty" or (settings.progress == "auto" and sys.stderr.isatty())
    started = time.monotonic()
    since = datetime.now(UTC).isoformat(timespec="milliseconds")
    client = None
    if settings.to is None:
        client = connect(_es_settings(settings), request_timeout=settings.elasticsearch.request_timeout)
        try:
            templates.install(client, settings.namespace, settings.applog_datasets())
        except ShipperError as exc:
            client.close()
            raise CloudsiftError(str(exc)) from None
    shipping = time.monotonic()
    connect_es = functools.partial(connect, _es_settings(settings), request_timeout=settings.elasticsearch.request_timeout,
                                   http_compress=settings.elasticsearch.compress)
    parts = workers.run(settings, connect_es, tty)  # a ShipperError is the CLI's to report
    summary = total(parts)
    if client is not None:
        summary["ignored_values"] = _ignored(client, settings.namespace, since)
        client.close()
    now = time.monotonic()
    # The rate counts shipping time only, not connecting and installing templates.
    summary.update(elapsed_s=round(now - started, 3),
                   records_per_s=round(summary["records"] / max(now - shipping, 1e-9), 1),
                   workers=settings.workers, namespace=settings.namespace)
    sys.stdout.write(orjson.dumps(summary).decode() + "\n")
    sys.stdout.flush()
    if summary["failed_objects"] or summary["fatal"]:
        return EXIT_FAILED
    return EXIT_REPORTED if summary["deadlettered"] or summary["unroutable"] or summary["objects_deadlettered"] else 0


def _ignored(client: Elasticsearch, namespace: str, since: str) -> int | None:
    """This run's documents with a value too long to index (None if the count could not be had)."""
    from elasticsearch import ApiError, TransportError

    from shipper import templates
    try:
        client.indices.refresh(index=templates.data_stream("*", namespace), ignore_unavailable=True,
                               allow_no_indices=True)
        return templates.ignored_since(client, namespace, since)
    except (ApiError, TransportError):
        return None


def _es_settings(settings: Settings) -> EsSettings:
    from cloudsift.elastic import EsSettings, settings_from_env

    cfg = settings.elasticsearch
    base = settings_from_env(cfg.url)
    if cfg.url is None:
        return base
    env = os.environ
    return EsSettings(cfg.url, env.get(cfg.username_env), env.get(cfg.password_env), env.get(cfg.api_key_env),
                      cfg.ca_certs or base.ca_certs, cfg.verify_certs and base.verify_certs)


