"""End-to-end shipping rate vs. raw `elasticsearch.helpers.bulk` of the same documents, same node, same run.

    .venv/bin/python bench/ship.py [--objects 20] [--records 10000] [--big 1000000] [--workers 1] [--rounds 3]
                                   [--queue-workers 1,2,4] [--alone 50000]

Needs a running node (`cloudsift es start`, or ELASTICSEARCH_URL + credentials). Starts its own
moto server, uploads generated VPC flow logs, then measures:
  1. raw: helpers.bulk(create) of the already-normalized documents (and parallel_bulk, 2 threads),
  2. ship: `cloudsift ship --from s3://… --once` (list, download, gunzip, normalize, bulk),
and prints records/s of both, their ratio, and the peak RSS of a shipping worker; with --big,
also the peak RSS while shipping one object of that many records. Then:
  3. queue: the same objects announced on one SQS queue, drained by `cloudsift ship --from sqs://…
     --workers N` for each N of --queue-workers (one message per receive, so the work spreads), each
     beside a helpers.bulk run of the same round: records/s, the speed-up over one worker, peak RSS;
  4. storage: bytes per flow record on disk in a shipped stream, after a force merge (bench/storage.py
     measures every dataset);
  5. a worker alone, per source: `cloudsift ship --from DIR --to FILE` of --alone sample-like records
     (bench/storage.py's corpus), so no Elasticsearch shares the run: read, gunzip, normalize, serialize
     on one core; records/s, document bytes, the rate of gzipping them as the client does for bulk
     requests (in the sender threads), both together, and peak RSS.
The machine may be shared: compare the ratios of a round, not its absolute rates, across runs.
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3
import urllib3
import yaml
from elasticsearch import helpers
from normalize import SOURCES
from storage import corpus, primary_bytes

from cloudsift.elastic import connect, settings_from_env
from normalizer.records import Normalized
from normalizer.stream import normalize_stream
from shipper.templates import data_stream, install

ROOT = Path(__file__).resolve().parents[1]
HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"


def flow_object(records: int, seed: int) -> bytes:
    """A gzipped VPC flow log of `records` lines."""
    buf = io.StringIO()
    buf.write(HEADER + "\n")
    for i in range(records):
        buf.write(f"2 123456789012 eni-{seed:04x} 10.{seed % 250}.{i // 250 % 250}.{i % 250} 172.16.0.{i % 200} "
                  f"{1024 + i % 60000} 443 6 {i % 90 + 1} {840 + i} 1763596800 1763596860 ACCEPT OK\n")
    return gzip.compress(buf.getvalue().encode(), compresslevel=6)


def key(n: int) -> str:
    return (f"AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/20/"
            f"123456789012_vpcflowlogs_us-east-1_fl-0abc_20261120T{n:04d}Z_bench{n:04d}.log.gz")


def moto_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib3.request("GET", url + "/moto-api/", timeout=2, retries=False)
            return proc, url
        except urllib3.exceptions.HTTPError:
            time.sleep(0.2)
    raise SystemExit("moto server did not start")


def ship(bucket: str, namespace: str, workers: int, env: dict, *source: str) -> tuple[dict, int]:
    """Run `cloudsift ship` in a child; (summary, peak RSS in MB of the largest worker, as it reports)."""
    source = source or ("--from", f"s3://{bucket}")
    out = subprocess.run([sys.executable, "-m", "cloudsift.cli", "ship", *source, "--once",
                          "--namespace", namespace, "--state-index", f"{namespace}-state", "--workers", str(workers),
                          "--progress", "json"], env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    summary = json.loads(out.splitlines()[-1])
    return summary, summary["peak_rss_mb"]


def announce(queue: str, bucket: str, keys: list[str]) -> None:
    """One S3 event notification per object on the queue, as S3 would send them."""
    sqs = boto3.client("sqs")
    for start in range(0, len(keys), 10):
        entries = [{"Id": str(i), "MessageBody": json.dumps({"Records": [{
            "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": bucket}, "object": {"key": k, "size": 1}}}]})}
            for i, k in enumerate(keys[start:start + 10])]
        sqs.send_message_batch(QueueUrl=queue, Entries=entries)


def worker_alone(records: int, env: dict) -> None:
    """Each source's sample-like object through `cloudsift ship --to FILE`: the worker's own ceiling, then
    the cost of gzipping what it wrote at the level the Elasticsearch client uses for bulk bodies (9)."""
    print(f"{'worker alone':13} {'records/s':>10} {'doc B/rec':>10} {'gzip-9 rec/s':>13} {'both rec/s':>11} "
          f"{'peak RSS MB':>12}   ({records} records per source, --to FILE, no Elasticsearch)")
    for source, segment in SOURCES.items():
        sample = next(p for p in sorted((ROOT / "sample_logs").rglob("*.gz")) if segment in f"/{p.relative_to(ROOT)}/")
        body, _ = corpus(source, records, seed=3)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "in" / sample.relative_to(ROOT / "sample_logs")  # the AWS layout routes it
            path.parent.mkdir(parents=True)
            path.write_bytes(gzip.compress(body, compresslevel=6))
            docs = Path(tmp) / "docs.ndjson"
            out = subprocess.run([sys.executable, "-m", "cloudsift.cli", "ship", "--from", str(Path(tmp) / "in"),
                                  "--to", str(docs), "--progress", "json"], env=env, cwd=ROOT, capture_output=True,
                                 text=True, check=True).stdout
            written = docs.read_bytes()
        summary = json.loads(out.splitlines()[-1])
        if summary["records"] != records:
            raise SystemExit(f"{source}: {summary['records']} records shipped of {records}")
        started = time.perf_counter()
        gzip.compress(written)
        gzip_rate = records / (time.perf_counter() - started)
        rate = summary["records_per_s"]
        print(f"{source:13} {rate:10,.0f} {len(written) / records:10.0f} {gzip_rate:13,.0f} "
              f"{1 / (1 / rate + 1 / gzip_rate):11,.0f} {summary['peak_rss_mb']:12d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=20)
    parser.add_argument("--records", type=int, default=10_000, help="records per object")
    parser.add_argument("--big", type=int, default=0, help="records in one extra big object (RSS check)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are compared")
    parser.add_argument("--queue-workers", default="1,2,4", help="worker counts for the SQS run ('' to skip)")
    parser.add_argument("--alone", type=int, default=50_000, help="records per source for a worker alone (0: skip)")
    args = parser.parse_args()

    settings = settings_from_env()
    client = connect(settings, request_timeout=120, http_compress=True)
    run = uuid.uuid4().hex[:6]
    moto, endpoint = moto_server()
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_DEFAULT_REGION": "us-east-1", "ELASTICSEARCH_URL": settings.url,
           "ELASTICSEARCH_USERNAME": settings.username or "", "ELASTICSEARCH_PASSWORD": settings.password or ""}
    os.environ.update({k: env[k] for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                            "AWS_DEFAULT_REGION")})
    try:
        s3 = boto3.client("s3")
        bucket = f"bench-{run}"
        s3.create_bucket(Bucket=bucket)
        bodies = [flow_object(args.records, i) for i in range(args.objects)]
        for i, body in enumerate(bodies):
            s3.put_object(Bucket=bucket, Key=key(i), Body=body)
        total = args.objects * args.records
        print(f"{args.objects} objects x {args.records} records = {total} records "
              f"({sum(map(len, bodies)) / 1e6:.1f} MB gzipped) on {settings.url}")

        # The same documents, already normalized and serialized: what Elasticsearch alone can take.
        docs = []
        for i, body in enumerate(bodies):
            for result in normalize_stream(io.BytesIO(body), "vpcflow", key(i)):
                if isinstance(result, Normalized):
                    docs.append((result.doc_id, result.body.decode()))

        def actions(namespace: str) -> list[dict]:
            install(client, namespace)
            stream = data_stream("aws.vpcflow", namespace)
            return [{"_op_type": "create", "_index": stream, "_id": i, "_source": d} for i, d in docs]

        def raw(namespace: str) -> float:
            batch = actions(namespace)
            started = time.perf_counter()
            ok, _ = helpers.bulk(client, batch, chunk_size=2000, max_chunk_bytes=8 * 1024 * 1024,
                                 raise_on_error=True, filter_path="errors,items.*.status")
            return ok / (time.perf_counter() - started)

        def parallel(namespace: str) -> float:
            batch = actions(namespace)
            started = time.perf_counter()
            done = sum(1 for ok, _ in helpers.parallel_bulk(client, batch, thread_count=2, chunk_size=2000,
                                                             max_chunk_bytes=8 * 1024 * 1024) if ok)
            return done / (time.perf_counter() - started)

        # Rounds alternate the three so that background merges and a busy machine hit each alike;
        # each run writes fresh data streams. Medians are compared.
        rates: dict[str, list[float]] = {"raw": [], "par": [], "ship": []}
        rss = 0
        for r in range(args.rounds):
            rates["raw"].append(raw(f"benchraw{run}r{r}"))
            summary, peak = ship(bucket, f"benchship{run}r{r}", args.workers, env)
            rates["ship"].append(summary["records_per_s"])
            rss = max(rss, peak)
            rates["par"].append(parallel(f"benchpar{run}r{r}"))
            print(f"round {r + 1}: helpers.bulk {rates['raw'][-1]:,.0f}  cloudsift ship {rates['ship'][-1]:,.0f}  "
                  f"parallel_bulk {rates['par'][-1]:,.0f} records/s")
        raw_rate, ship_rate, par_rate = (statistics.median(rates[k]) for k in ("raw", "ship", "par"))
        print(f"raw helpers.bulk : {raw_rate:10,.0f} records/s  (median; sequential)")
        print(f"parallel_bulk x2 : {par_rate:10,.0f} records/s  (median; 2 threads)")
        print(f"cloudsift ship   : {ship_rate:10,.0f} records/s  (median; {args.workers} worker(s), "
              "S3 list + get + gunzip + normalize + bulk)")
        print(f"ratio            : {ship_rate / raw_rate:10.2f}  vs helpers.bulk (goal >= 0.9); "
              f"{ship_rate / par_rate:.2f} vs parallel_bulk")
        print(f"peak RSS         : {rss:10d} MB per worker (goal <= 200)")
        if args.queue_workers:
            queue = boto3.client("sqs").create_queue(QueueName=f"bench-{run}")["QueueUrl"]
            config = Path(f"/tmp/bench-ship-{run}.yml")
            config.write_text(yaml.safe_dump({"sources": [{"url": f"sqs://{queue}", "max_messages": 1}]}))
            base = None
            for workers in (int(n) for n in args.queue_workers.split(",")):
                peer = raw(f"benchqraw{run}w{workers}")
                announce(queue, bucket, [key(i) for i in range(args.objects)])
                summary, peak = ship(bucket, f"benchq{run}w{workers}", workers, env, "--config", str(config))
                rate = summary["records_per_s"]
                base = base or rate
                print(f"queue, {workers} worker(s): {rate:10,.0f} records/s  x{rate / base:.2f} of 1 worker  "
                      f"{rate / peer:.2f} of helpers.bulk this round ({peer:,.0f})  peak RSS {peak} MB/worker")
            config.unlink()
            stream = data_stream("aws.vpcflow", f"benchship{run}r0")
            client.indices.forcemerge(index=stream, max_num_segments=1)
            print(f"storage          : {primary_bytes(client, stream) / total:10.0f} bytes per flow record on disk "
                  "(force-merged; every dataset: bench/storage.py)")
        if args.alone:
            worker_alone(args.alone, env)
        if args.big:
            big_bucket = f"bench-big-{run}"
            s3.create_bucket(Bucket=big_bucket)
            body = flow_object(args.big, 9999)
            s3.put_object(Bucket=big_bucket, Key=key(9999), Body=body)
            summary, rss = ship(big_bucket, f"benchbig{run}", 1, env)
            print(f"one big object   : {args.big} records ({len(body) / 1e6:.0f} MB gzipped): "
                  f"{summary['records_per_s']:,.0f} records/s, peak RSS {rss} MB")
    finally:
        moto.terminate()
        moto.wait()


if __name__ == "__main__":
    main()
