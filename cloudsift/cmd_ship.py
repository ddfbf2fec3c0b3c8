"""`cloudsift ship`: wire config, clients, sources and the sink together, and run the workers."""
from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import orjson
from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials
from elasticsearch import Elasticsearch

from cloudsift.elastic import EsSettings, connect, settings_from_env
from cloudsift.errors import CloudsiftError
from shipper import config_yaml, templates
from shipper.checkpoint import CheckpointStore
from shipper.config import Settings, SourceConfig, load
from shipper.errors import ShipperError
from shipper.objects import DirectorySource, Partition, Source
from shipper.pipeline import Shipper
from shipper.progress import Reporter, peak_rss_mb, total
from shipper.routing import Router
from shipper.s3clients import S3Clients
from shipper.s3source import S3ListingSource
from shipper.sink import ElasticsearchSink, Limits, NdjsonSink, Sink
from shipper.sqssource import SqsSource

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
    p.add_argument("--namespace", help="data stream namespace (default: default)")
    p.add_argument("--state-index", help="index holding bucket-listing checkpoints (default: cloudsift-state)")
    p.add_argument("--batch-docs", type=int, help="documents per bulk request (default 2000)")
    p.add_argument("--batch-bytes", type=int, help="bytes per bulk request (default 8 MiB)")
    p.add_argument("--senders", type=int, help="concurrent bulk requests per worker (default 2)")
    p.add_argument("--retry-seconds", type=float, help="how long to keep retrying a batch (default 900)")
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
        overrides["sources"] = [source]
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
    settings = settings_from_args(args)
    tty = settings.progress == "tty" or (settings.progress == "auto" and sys.stderr.isatty())
    started = time.monotonic()
    if settings.to is None:
        client = _connect(settings)
        try:
            templates.install(client, settings.namespace)
        except ShipperError as exc:
            raise CloudsiftError(str(exc)) from None
        finally:
            client.close()
    shipping = time.monotonic()
    if settings.workers == 1:
        partition = _partition(settings.partition)
        parts = [_run_worker(settings, partition, Reporter(tty), None)]
    else:
        parts = _run_workers(settings, tty)
    summary = total(parts)
    now = time.monotonic()
    # The rate counts shipping time only, not connecting and installing templates.
    summary.update(elapsed_s=round(now - started, 3),
                   records_per_s=round(summary["records"] / max(now - shipping, 1e-9), 1),
                   workers=settings.workers, namespace=settings.namespace)
    sys.stdout.write(orjson.dumps(summary).decode() + "\n")
    sys.stdout.flush()
    if summary["failed_objects"] or summary["fatal"]:
        return EXIT_FAILED
    return EXIT_REPORTED if summary["deadlettered"] or summary["unroutable"] else 0


def _partition(text: str | None) -> Partition:
    if text is None:
        return Partition()
    index, count = text.split("/")
    return Partition(int(index), int(count))


def _es_settings(settings: Settings) -> EsSettings:
    cfg = settings.elasticsearch
    base = settings_from_env(cfg.url)
    if cfg.url is None:
        return base
    env = os.environ
    return EsSettings(cfg.url, env.get(cfg.username_env), env.get(cfg.password_env), env.get(cfg.api_key_env),
                      cfg.ca_certs or base.ca_certs, cfg.verify_certs and base.verify_certs)


def _connect(settings: Settings) -> Elasticsearch:
    return connect(_es_settings(settings), request_timeout=settings.elasticsearch.request_timeout,
                   http_compress=settings.elasticsearch.compress)


def _session(src: SourceConfig) -> boto3.Session:
    """boto3's own chain (profile by name), then the source's role assumed with refreshing credentials."""
    base = boto3.Session(profile_name=src.profile, region_name=src.region)
    if not src.role_arn:
        return base
    extra = {"RoleSessionName": "cloudsift-ship"}
    if src.external_id_env:
        extra["ExternalId"] = os.environ.get(src.external_id_env, "")
    fetcher = AssumeRoleCredentialFetcher(base._session.create_client, base.get_credentials(), src.role_arn,
                                          extra_args=extra)
    core = botocore.session.Session()
    core._credentials = DeferredRefreshableCredentials(refresh_using=fetcher.fetch_credentials, method="assume-role")
    return boto3.Session(botocore_session=core, region_name=src.region or base.region_name)


def _source(src: SourceConfig, settings: Settings, client: Elasticsearch | None, partition: Partition,
            reporter: Reporter) -> Source:
    if src.kind == "dir":
        return DirectorySource(Path(src.url), partition)
    session = _session(src)
    s3 = S3Clients(session, settings.bucket_regions())
    if src.kind == "sqs":
        return SqsSource(session.client("sqs"), s3, src.url[len("sqs://"):], once=settings.once,
                         wait_seconds=src.wait_seconds, visibility_timeout=src.visibility_timeout,
                         max_messages=src.max_messages, log=reporter.log)
    if client is None:
        raise CloudsiftError("a bucket listing keeps its checkpoint in Elasticsearch: it cannot run with --to")
    bucket, _, prefix = src.url[len("s3://"):].partition("/")
    store = CheckpointStore(client, settings.state_index, checkpoint_scope(settings, bucket, prefix, partition),
                            retry_seconds=settings.retry.max_seconds)
    return S3ListingSource(s3.client(bucket, src.region), bucket, prefix, store, partition=partition, once=settings.once,
                           poll_seconds=src.poll_seconds, log=reporter.log)


def checkpoint_scope(settings: Settings, bucket: str, prefix: str, partition: Partition) -> str:
    """What a bucket listing's checkpoint belongs to: everything that makes a run's output different.

    The namespace (other data streams) and the routing overrides (other log types) are part of it, so
    shipping the same bucket into another namespace, or with other routes, starts from the beginning.
    """
    routes = orjson.dumps([[o.prefix, o.log_type, o.bucket] for o in settings.overrides()]).decode()
    return f"s3://{bucket}/{prefix}#{partition}@{settings.namespace}#routes={routes}"


def _run_worker(settings: Settings, partition: Partition, reporter: Reporter, updates: Any) -> dict:
    """One worker: every source in turn; returns its counters."""
    stop = threading.Event()
    previous = _on_signals(stop, reporter)
    try:
        return _ship_sources(settings, partition, reporter, updates, stop)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _ship_sources(settings: Settings, partition: Partition, reporter: Reporter, updates: Any,
                  stop: threading.Event) -> dict:
    client = None if settings.to else _connect(settings)
    parts = []
    for src in settings.sources:
        if stop.is_set():
            break
        sink: Sink
        if settings.to:
            sink = NdjsonSink(settings.to)
        else:
            batch, retry = settings.batch, settings.retry
            limits = Limits(batch.max_docs, batch.max_bytes, batch.max_inflight, batch.senders,
                            retry.max_seconds, retry.backoff_base, retry.backoff_cap)
            sink = ElasticsearchSink(client, limits, on_retry=lambda m: reporter.log("warning", m))
        done = list(parts)

        def progress(stats: Any, done: list = done) -> None:
            counters = total([*done, stats.as_dict()])
            if updates is not None:
                updates.put((partition.index, counters, False))
            else:
                reporter.progress(counters)

        try:
            source = _source(src, settings, client, partition, reporter)
        except ShipperError as exc:
            raise CloudsiftError(str(exc)) from None
        shipper = Shipper(source, sink, Router(settings.overrides()), settings.namespace, stop=stop,
                          log=reporter.log, original=settings.original, progress=progress)
        parts.append(shipper.run().as_dict())
    counters = total(parts)
    counters["peak_rss_mb"] = peak_rss_mb()
    if updates is None:
        reporter.progress(counters, force=True)
        reporter.done()
    if client is not None:
        client.close()
    return counters


def _on_signals(stop: threading.Event, reporter: Reporter) -> dict:
    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():  # a second signal: the operator means it
            raise KeyboardInterrupt
        reporter.log("info", f"{signal.Signals(signum).name}: finishing the current batch, then exiting")
        stop.set()
    return {signum: signal.signal(signum, handler) for signum in (signal.SIGTERM, signal.SIGINT)}


def _child(settings: Settings, index: int, updates: Any) -> None:
    reporter = Reporter(False, fields={"worker": index})
    try:
        counters = _run_worker(settings, Partition(index, settings.workers), reporter, updates)
    except CloudsiftError as exc:
        reporter.log("error", str(exc))
        counters = total([])
        counters["errors"] = [str(exc)]
        counters["fatal"] = 1
    updates.put((index, counters, True))


def _run_workers(settings: Settings, tty: bool) -> list[dict]:
    """N processes, partitioned by key hash (listing) or simply N consumers (SQS)."""
    ctx = multiprocessing.get_context("spawn")
    updates = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(settings, i, updates), name=f"cloudsift-ship-{i}")
             for i in range(settings.workers)]
    for proc in procs:
        proc.start()
    reporter = Reporter(tty)
    # Workers stop on their own signal; a SIGTERM to the parent alone is passed on to them.
    stop = threading.Event()
    _on_signals(stop, reporter)
    latest: dict[int, dict] = {}
    finished: set[int] = set()
    while len(finished) < len(procs):
        if stop.is_set():
            for proc in procs:
                if proc.is_alive() and proc.pid:
                    os.kill(proc.pid, signal.SIGTERM)
            stop.clear()
        try:
            index, counters, final = updates.get(timeout=0.5)
        except queue.Empty:
            for i, proc in enumerate(procs):  # a worker killed outright never reports its end
                if not proc.is_alive() and i not in finished and proc.exitcode not in (0, None):
                    finished.add(i)
                    latest[i] = {**total([]), "fatal": 1, "errors": [f"worker {i} died ({proc.exitcode})"]}
            continue
        latest[index] = counters
        if final:
            finished.add(index)
        reporter.progress(total(list(latest.values())))
    for proc in procs:
        proc.join()
    reporter.progress(total(list(latest.values())), force=True)
    reporter.done()
    return list(latest.values())
