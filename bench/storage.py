"""Disk bytes per event, per dataset, on the production mapping: sample-like records indexed, then measured.

    .venv/bin/python bench/storage.py [--records 20000] [--modes standard,logsdb-stored,logsdb]

Needs a running node (`cloudsift es start`, or ELASTICSEARCH_URL + credentials). For each source,
--records records are made from the bundled sample_logs: every copy of a sample record gets fresh
UUIDs, times spread over a day and addresses drawn from a pool of a thousand, so that repeats do not
compress better than real logs would. They are normalized (normalize_stream) and bulk-indexed into a
fresh namespace through the production templates (shipper.templates.install), once per mode:
  standard:  no storage settings (the local node, or a cluster without `deploy es`, before 9.0);
  logsdb:    deploy/lifecycle.py's storage component for this node's version under an enterprise
             license (logsdb + sort, synthetic _source: the integ-test node has no license check);
  logsdb-stored: the same under a basic license, which stores _source.
Each stream is flushed and force-merged to one segment, as its older backing indices settle, and the
size of its primary segments is read (the segments API; _stats/store lags by up to 10 s). Prints bytes per event on disk, the raw (uncompressed
native) and gzipped bytes per event of the corpus (how repetitive it is: real logs vary more than
copies of a few dozen samples), and disk / raw.
"""
from __future__ import annotations

import argparse
import gzip
import io
import random
import re
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import orjson
from elasticsearch import Elasticsearch, helpers
from normalize import SOURCES, sample_objects

from cloudsift.elastic import connect, settings_from_env
from deploy.lifecycle import ClusterInfo, plan
from normalizer.records import Normalized
from normalizer.stream import normalize_stream
from shipper.templates import data_stream, install

_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX_ID = re.compile(rb"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")  # GuardDuty finding ids
_IPV4 = re.compile(rb"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_ISO = re.compile(rb"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")
_EPOCH = re.compile(rb"(?<!\d)1[6-9]\d{8}(?:\d{3})?(?!\d)")  # seconds or milliseconds since 1970
DAY = 86_400


class Varier:
    """Makes copy `i` of a sample record: new UUIDs, a time within the day, addresses from a pool."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._pool = [f"10.{self._rng.randrange(256)}.{self._rng.randrange(256)}.{self._rng.randrange(1, 255)}".encode()
                      for _ in range(1000)]
        self._start = datetime(2026, 11, 20, tzinfo=UTC)

    def copy(self, record: bytes) -> bytes:
        """The record with its ids, times and addresses replaced (same shape, same lengths of numbers)."""
        offset = self._rng.uniform(0, DAY)
        when = self._start + timedelta(seconds=offset)
        record = _UUID.sub(lambda m: str(uuid.UUID(int=self._rng.getrandbits(128), version=4)).encode(), record)
        record = _HEX_ID.sub(lambda m: b"%032x" % self._rng.getrandbits(128), record)
        record = _IPV4.sub(lambda m: self._rng.choice(self._pool), record)
        record = _ISO.sub(lambda m: when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:23].encode() + b"Z"
                          if b"." in m[0] else when.strftime("%Y-%m-%dT%H:%M:%SZ").encode(), record)
        epoch = when.timestamp()
        return _EPOCH.sub(lambda m: str(int(epoch * 1000) if len(m[0]) == 13 else int(epoch)).encode(), record)


def corpus(source: str, target: int, seed: int) -> tuple[bytes, int]:
    """A native-shaped object of `target` varied records of `source`, and its raw size in bytes."""
    objects = sample_objects(SOURCES[source])
    varier = Varier(seed)
    if source == "cloudtrail":
        records = [orjson.dumps(r) for obj in objects for r in orjson.loads(obj).get("Records", [])]
        made = [varier.copy(records[i % len(records)]) for i in range(target)]
        return b'{"Records":[' + b",".join(made) + b"]}", sum(map(len, made))
    if source == "vpcflow":
        first = max(objects, key=lambda o: o.count(b"\n"))
        header, *lines = [line for line in first.splitlines() if line.strip()]
        made = [varier.copy(lines[i % len(lines)]) for i in range(target)]
        return header + b"\n" + b"\n".join(made) + b"\n", sum(len(m) + 1 for m in made)
    lines = [line for obj in objects for line in obj.splitlines() if line.strip()]
    made = [varier.copy(lines[i % len(lines)]) for i in range(target)]
    return b"\n".join(made) + b"\n", sum(len(m) + 1 for m in made)


def actions(body: bytes, source: str, namespace: str) -> Iterator[dict]:
    """Bulk create actions for every normalized record of `body`."""
    for result in normalize_stream(io.BytesIO(body), source, f"s3://bench/{source}"):
        if not isinstance(result, Normalized):
            raise SystemExit(f"{source}: a varied record was rejected: {result}")
        yield {"_op_type": "create", "_index": data_stream(result.dataset, namespace), "_id": result.doc_id,
               "_source": result.body.decode()}


def measure(client: Elasticsearch, source: str, body: bytes, namespace: str) -> tuple[int, int]:
    """Index `body` into `namespace`; (documents, primary store bytes) of the source's streams."""
    ok, _ = helpers.bulk(client, actions(body, source, namespace), chunk_size=2000, raise_on_error=True,
                         filter_path="errors,items.*.status")
    streams = data_stream("*", namespace)
    client.indices.refresh(index=streams)
    client.indices.flush(index=streams)
    client.options(request_timeout=600).indices.forcemerge(index=streams, max_num_segments=1)
    return ok, primary_bytes(client, streams)


def primary_bytes(client: Elasticsearch, index: str) -> int:
    """Bytes of the primary shards' segments of `index` (a pattern or stream names).

    The segments, not _stats/store: store sizes are cached for index.store.stats_refresh_interval (10 s),
    so right after a merge they would still count the segments it replaced."""
    indices = client.indices.segments(index=index).body["indices"]
    return sum(segment["size_in_bytes"] for found in indices.values() for copies in found["shards"].values()
               for shard in copies if shard["routing"]["primary"] for segment in shard["segments"].values())


def main() -> int:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=20_000, help="records per source")
    ap.add_argument("--modes", default="standard,logsdb-stored,logsdb")
    args = ap.parse_args()
    client = connect(settings_from_env(), request_timeout=300)
    version = next(iter(client.nodes.info(node_id="_local", metric="_none").body["nodes"].values()))["version"]
    licence = client.options(ignore_status=(400, 404)).license.get().body
    cluster = ClusterInfo.parse(version, licence, ilm=False)
    run = uuid.uuid4().hex[:6]
    print(f"Elasticsearch {version}, license {cluster.license}; {args.records} records per source; "
          f"flushed and force-merged to one segment")
    print(f"{'source':11} {'mode':14} {'docs':>7} {'disk B/event':>13} {'raw B/event':>12} {'gz B/event':>11} "
          f"{'disk/raw':>9}")
    for source in SOURCES:
        body, raw = corpus(source, args.records, seed=7)
        gz = len(gzip.compress(body, compresslevel=6))
        for mode in args.modes.split(","):
            namespace = f"benchstore{run}{source}{mode.replace('-', '')}"
            if mode != "standard":
                licensed = replace(cluster, license="enterprise" if mode == "logsdb" else "basic")
                for name, component in plan(licensed, namespace).components.items():
                    client.cluster.put_component_template(name=name, **component)
            install(client, namespace)
            started = time.perf_counter()
            docs, size = measure(client, source, body, namespace)
            if docs != args.records:
                raise SystemExit(f"{source}: {docs} documents indexed of {args.records}")
            print(f"{source:11} {mode:14} {docs:7d} {size / docs:13.0f} {raw / docs:12.0f} {gz / docs:11.0f} "
                  f"{size / raw:9.2f}   ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
