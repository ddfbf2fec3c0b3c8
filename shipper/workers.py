"""Running `cloudsift ship`'s workers: one in this process, or N processes partitioned by key hash (or by prefix).

Each worker builds its own clients (nothing crosses a process but settings, a connect function and
counters): sources in turn, each through a Shipper into an Elasticsearch (or NDJSON) sink.
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from shipper import aws
from shipper.checkpoint import CheckpointStore, listing_scope
from shipper.config import Settings, SourceConfig
from shipper.errors import ShipperError
from shipper.objects import WHOLE, DirectorySource, Partition, Source
from shipper.pipeline import Shipper
from shipper.progress import Reporter, peak_rss_mb, total
from shipper.routing import Router
from shipper.s3clients import S3Clients
from shipper.s3source import S3ListingSource
from shipper.sink import ElasticsearchSink, NdjsonSink, Sink
from shipper.sqssource import SqsSource

# Connects to Elasticsearch; module-level functions (or partials of them) only: it is sent to worker processes.
Connect = Callable[[], Elasticsearch]


def run(settings: Settings, connect: Connect, tty: bool) -> list[dict]:
    """Every worker's counters, once all have finished."""
    if settings.workers == 1:
        return [_run_worker(settings, Partition.parse(settings.partition), Reporter(tty), None, connect)]
    return _run_workers(settings, connect, tty)


def _run_worker(settings: Settings, partition: Partition, reporter: Reporter, updates: Any, connect: Connect) -> dict:
    """One worker: every source in turn; returns its counters."""
    stop = threading.Event()
    previous = _on_signals(stop, reporter)
    try:
        return _ship_sources(settings, partition, reporter, updates, stop, connect)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _ship_sources(settings: Settings, partition: Partition, reporter: Reporter, updates: Any,
                  stop: threading.Event, connect: Connect) -> dict:
    enrich = settings.geoip_databases()  # each worker process opens its own, before anything else
    client = None if settings.to else connect()
    parts: list[dict] = []
    for src in settings.sources:
        if stop.is_set():
            break
        sink: Sink
        if settings.to:
            sink = NdjsonSink(settings.to)
        else:
            assert client is not None  # connected above whenever there is no --to
            sink = ElasticsearchSink(client, settings.limits(), on_retry=lambda m: reporter.log("warning", m))
        done = list(parts)

        def progress(stats: Any, done: list = done) -> None:
            counters = total([*done, stats.as_dict()])
            if updates is not None:
                updates.put((partition.index, counters, False))
            else:
                reporter.progress(counters)

        source = _source(src, settings, client, partition, reporter)
        shipper = Shipper(source, sink, Router(settings.overrides(src)), settings.namespace, stop=stop,
                          log=reporter.log, original=settings.original, object_attempts=settings.retry.object_attempts,
                          max_object_bytes=settings.max_object_bytes, progress=progress, apps=settings.applog_types(),
                          geoip=enrich)
        parts.append(shipper.run().as_dict())
    counters = total(parts)
    counters["peak_rss_mb"] = peak_rss_mb()
    if updates is None:
        reporter.progress(counters, force=True)
        reporter.done()
    if client is not None:
        client.close()
    return counters


def _source(src: SourceConfig, settings: Settings, client: Elasticsearch | None, partition: Partition,
            reporter: Reporter) -> Source:
    if src.kind == "dir":
        return DirectorySource(Path(src.url), partition)
    session = aws.session(src)
    s3 = S3Clients(session, settings.bucket_regions())
    if src.kind == "sqs":
        return SqsSource(session.client("sqs"), s3, src.url[len("sqs://"):], once=settings.once,
                         wait_seconds=src.wait_seconds, visibility_timeout=src.visibility_timeout,
                         max_messages=src.max_messages, log=reporter.log)
    if client is None:
        raise ShipperError("a bucket listing keeps its checkpoint in Elasticsearch: it cannot run with --to")
    bucket = src.url[len("s3://"):].partition("/")[0]
    prefixes = src.listing_prefixes()
    if src.prefixes:
        # Split by prefix: this worker lists only its own prefixes, whole. Each one's checkpoint is the one a
        # process given just that prefix would keep, so the prefixes can be dealt out anew at any time.
        prefixes, partition = prefixes[partition.index::partition.count], WHOLE
    listings = [(prefix, CheckpointStore(client, settings.state_index,
                                         listing_scope(bucket, prefix, partition, settings.namespace,
                                                       settings.overrides(src)),
                                         retry_seconds=settings.retry.max_seconds)) for prefix in prefixes]
    return S3ListingSource(s3.client(bucket, src.region), bucket, listings, partition=partition,
                           once=settings.once, poll_seconds=src.poll_seconds, log=reporter.log)


def _on_signals(stop: threading.Event, reporter: Reporter) -> dict:
    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():  # a second signal: the operator means it
            raise KeyboardInterrupt
        reporter.log("info", f"{signal.Signals(signum).name}: finishing the current batch, then exiting")
        stop.set()
    return {signum: signal.signal(signum, handler) for signum in (signal.SIGTERM, signal.SIGINT)}


def _child(settings: Settings, index: int, updates: Any, connect: Connect) -> None:
    reporter = Reporter(False, fields={"worker": index})
    try:
        counters = _run_worker(settings, Partition(index, settings.workers), reporter, updates, connect)
    except Exception as exc:  # noqa: BLE001  the worker's end, reported with its reason, not lost with it
        reporter.log("error", str(exc))
        counters = total([])
        counters["errors"] = [str(exc)]
        counters["fatal"] = 1
    updates.put((index, counters, True))


def _run_workers(settings: Settings, connect: Connect, tty: bool) -> list[dict]:
    """N processes, partitioned by key hash or by prefix (listing), or simply N consumers (SQS)."""
    settings.geoip_databases()  # one that cannot be used stops the run here, before any worker starts
    ctx = multiprocessing.get_context("spawn")
    updates = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(settings, i, updates, connect), name=f"cloudsift-ship-{i}")
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
