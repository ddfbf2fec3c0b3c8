"""Normalizer throughput per source on one core, beside the rate of only parsing the same bytes.

Builds a corpus of >= N records per source from the bundled sample_logs (in each source's native
object shape; S3 access logs and Security Hub findings, which sample_logs lacks, from the good
records of their golden inputs: access log lines, and findings one per line as Firehose writes
them, ASFF and OCSF in separate rows), then times (a) the floor of a Python pipeline: splitting the same bytes into records
and parsing each with orjson (str.split for flow-log text), (b) the whole normalize_stream, which
yields each record's document as JSON bytes ready for the sink. Then streams a
synthetic CloudTrail object of --big-mb megabytes (never written to disk) through the normalizer in
a child process and reports its peak RSS.

Application logs have no bundled samples: their corpus is synthetic, an app's JSON lines read with a
declared map (`applog`) and the same records as CloudWatch Logs subscription envelopes of 100 events
(`applog-cw`, whose floor parses each envelope and each event's message).

With --geoip-city / --geoip-asn (MaxMind databases), a last column times the same with IP enrichment
(normalizer/geo): each document holding an address decoded, looked up (cached) and re-encoded.

Usage: .venv/bin/python bench/normalize.py [--records 100000] [--big-mb 1024] [--geoip-city F --geoip-asn F]
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson

from normalizer.applog.spec import AppSpec
from normalizer.geo.lookup import GeoIP, open_geoip
from normalizer.records import Normalized, RawRecord
from normalizer.registry import LOG_TYPES, applog_type
from normalizer.securityhub import reader as securityhub_reader
from normalizer.securityhub.ocsf import is_ocsf
from normalizer.stream import normalize_stream

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_logs"
# Which sample objects feed which source's corpus (by a path segment AWS's layouts use).
SOURCES = {
    "cloudtrail": "/CloudTrail/",
    "vpcflow": "/vpcflowlogs/",
    "route53": "/vpcdnsquerylogs/",
    "waf": "/WAFLogs/",
    "guardduty": "/GuardDuty/",
}
GOLDEN = ROOT / "tests" / "normalizer" / "golden"
# Rows read from golden inputs: row name → (log type, golden folder); "bad" inputs are left out.
GOLDEN_SOURCES = {
    "s3access": ("s3access", "s3access"),
    "securityhub": ("securityhub", "securityhub"),
    "sh-ocsf": ("securityhub", "securityhub"),
}


def _golden_lines(row: str) -> list[bytes]:
    """The records of a row's golden inputs that normalize cleanly, one per line in the source's shape."""
    log_type, folder = GOLDEN_SOURCES[row]
    paths = sorted(p for p in (GOLDEN / folder).glob("*.log") if "bad" not in p.stem)
    if log_type == "s3access":
        lines = [line for p in paths for line in p.read_bytes().splitlines() if line.strip()]
    else:  # findings out of events, exports and arrays, one bare finding a line
        findings = [f for p in paths for f in _findings(p.read_bytes())]
        lines = [orjson.dumps(f) for f in findings if is_ocsf(f) == (row == "sh-ocsf")]
    return [line for line in lines if _clean(log_type, line)]


def _findings(data: bytes) -> list[dict]:
    """Every finding the Security Hub reader finds in an object (events, exports, arrays, lines)."""
    return [r.data for r in securityhub_reader.read(io.BytesIO(data), "bench")
            if isinstance(r, RawRecord) and isinstance(r.data, dict)]


def _clean(log_type: str, line: bytes) -> bool:
    results = list(normalize_stream(io.BytesIO(line + b"\n"), log_type, "bench"))
    return len(results) == 1 and isinstance(results[0], Normalized)


# The declared map of the synthetic application (bench/normalize.py's applog rows).
APP = AppSpec(dataset="bench_app", timestamp="time", message="msg", level="level", user="user.email",
              source_ip="client_ip", outcome="result", rename={"action": "event.action", "status": "http.response.status_code",
                                                               "path": "url.path", "trace": "trace.id"})
APP_SOURCES = ("applog", "applog-cw")
_ENVELOPE_EVENTS = 100


def _app_records(target: int) -> list[bytes]:
    """`target` JSON records an app might write: a sign-in service's events with a few nested fields."""
    return [orjson.dumps({
        "time": f"2026-12-03T09:{i // 600 % 60:02d}:{i // 10 % 60:02d}.{i % 1000:03d}Z", "level": "INFO" if i % 7 else "WARN",
        "msg": f"request {i} handled", "user": {"email": f"user{i % 500}@example.com", "tenant": f"t-{i % 13}"},
        "client_ip": f"198.51.{i % 250}.{i % 200 + 1}", "result": "ok" if i % 9 else "denied", "action": "user.login",
        "status": 200 if i % 9 else 401, "path": "/api/login", "trace": f"{i:032x}", "latency_ms": i % 300,
    }) for i in range(target)]


def app_corpus(source: str, target: int) -> bytes:
    """The synthetic application corpus: JSON lines, or CloudWatch Logs envelopes run together."""
    records = _app_records(target)
    if source == "applog":
        return b"\n".join(records) + b"\n"
    envelopes = []
    for start in range(0, len(records), _ENVELOPE_EVENTS):
        events = [{"id": f"{start + n:056d}", "timestamp": 1796288400000 + start + n, "message": r.decode()}
                  for n, r in enumerate(records[start : start + _ENVELOPE_EVENTS])]
        envelopes.append(orjson.dumps({"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/ecs/app",
                                       "logStream": "web/1", "subscriptionFilters": ["f"], "logEvents": events}))
    return b"".join(envelopes)


def _parse_envelopes(body: bytes) -> int:
    """Parse run-together envelopes and each event's message (the least any reader of them does)."""
    count, decoder, text, pos = 0, json.JSONDecoder(), body.decode(), 0
    while pos < len(text):
        envelope, pos = decoder.raw_decode(text, pos)
        for event in envelope["logEvents"]:
            orjson.loads(event["message"])
            count += 1
    return count


def sample_objects(segment: str) -> list[bytes]:
    paths = sorted(p for p in SAMPLES.rglob("*") if p.is_file() and segment in f"/{p.relative_to(SAMPLES)}/")
    out = []
    for path in paths:
        data = path.read_bytes()
        out.append(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    return out


def corpus(source: str, target: int) -> tuple[bytes, int]:
    """The native-shaped corpus for `source` with at least `target` records, and its record count."""
    if source in GOLDEN_SOURCES:
        lines = _golden_lines(source)
        reps = -(-target // len(lines))
        return b"\n".join(lines * reps) + b"\n", len(lines) * reps
    objects = sample_objects(SOURCES[source])
    if not objects:
        raise SystemExit(f"no sample objects for {source} under {SAMPLES}")
    if source == "cloudtrail":
        records = [r for obj in objects for r in orjson.loads(obj).get("Records", [])]
        items = [orjson.dumps(r) for r in records]
        reps = -(-target // len(items))
        body = b'{"Records":[' + b",".join(items * reps) + b"]}"
        return body, len(items) * reps
    if source == "vpcflow":
        # One object's header and lines: every line of the corpus then has the same field order.
        first = max(objects, key=lambda o: o.count(b"\n"))
        header, *lines = [line for line in first.splitlines() if line.strip()]
        reps = -(-target // len(lines))
        return header + b"\n" + b"\n".join(lines * reps) + b"\n", len(lines) * reps
    lines = [line for obj in objects for line in obj.splitlines() if line.strip()]
    reps = -(-target // len(lines))
    return b"\n".join(lines * reps) + b"\n", len(lines) * reps


def parse_floor(source: str, body: bytes) -> Callable[[], int]:
    """A function that only splits and parses `body` the cheapest way a Python pipeline could."""
    if source == "applog-cw":
        return lambda: _parse_envelopes(body)
    if source == "cloudtrail":
        return lambda: _parse_records(body)
    if source == "vpcflow":
        return lambda: sum(1 for line in body.decode().splitlines()[1:] if len(line.split(" ")))
    if source == "s3access":  # a text source: splitting on spaces is less than its quoted columns need
        return lambda: sum(1 for line in body.decode().splitlines() if len(line.split(" ")))
    return lambda: sum(1 for line in body.splitlines() if orjson.loads(line))


def _parse_records(body: bytes) -> int:
    """Parse a Records object one record at a time, cut where AWS's separator is, as a streaming
    reader must (one orjson.loads of the whole object is slower: it builds every record at once)."""
    count, pos, end = 0, body.index(b"[") + 1, body.rindex(b"]")
    while pos < end:
        cut = body.find(b'},{"eventVersion"', pos, end)
        stop = end if cut == -1 else cut + 1
        orjson.loads(body[pos:stop])
        count += 1
        pos = stop + 1
    return count


def normalize_all(source: str, body: bytes, geoip: GeoIP | None = None) -> Callable[[], int]:
    """A function that runs the whole normalizer over `body` (enriched by `geoip`, if any) and counts documents."""
    log_type = GOLDEN_SOURCES[source][0] if source in GOLDEN_SOURCES else source
    kind = applog_type(APP) if source in APP_SOURCES else LOG_TYPES[log_type]
    if geoip is not None:
        kind = geoip.enriching(kind)

    def run() -> int:
        count = 0
        for result in normalize_stream(io.BytesIO(body), kind, "bench"):
            if not isinstance(result, Normalized):
                raise SystemExit(f"{source}: corpus record rejected: {result}")
            count += 1
        return count
    return run


def best_of(func: Callable[[], int], repeat: int = 3) -> tuple[float, int]:
    """The fastest of `repeat` runs (seconds) and the count it returned."""
    best, count = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = func()
        best = min(best, time.perf_counter() - start)
    return best, count


class SyntheticCloudTrail(io.RawIOBase):
    """A {"Records":[...]} object of about `size` bytes, produced on the fly (never held whole)."""

    def __init__(self, records: list[bytes], size: int) -> None:
        self._parts = self._generate(records, size)
        self._pending = b""

    @staticmethod
    def _generate(records: list[bytes], size: int) -> Iterator[bytes]:
        yield b'{"Records":['
        written, i = 0, 0
        while written < size:
            chunk = b",".join(records[(i + k) % len(records)] for k in range(1000))
            yield (b"," if i else b"") + chunk
            written += len(chunk)
            i += 1000
        yield b"]}"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        while not self._pending:
            try:
                self._pending = next(self._parts)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _peak_rss_mb() -> float:
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across fork+exec, so a child
    # of this (large) benchmark process would report the parent's peak as its own.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmHWM in /proc/self/status: Linux only")


def big_object_child(size_mb: int) -> None:
    """Child process: normalize a synthetic CloudTrail object; print records and peak RSS."""
    records = [orjson.dumps(r) for obj in sample_objects(SOURCES["cloudtrail"]) for r in orjson.loads(obj)["Records"]]
    start = time.perf_counter()
    count = sum(1 for r in normalize_stream(SyntheticCloudTrail(records, size_mb << 20), "cloudtrail", "big")
                if isinstance(r, Normalized))
    elapsed = time.perf_counter() - start
    peak_mb = _peak_rss_mb()
    print(json.dumps({"records": count, "seconds": round(elapsed, 1), "peak_rss_mb": round(peak_mb, 1)}))


def main() -> int:
    """Run the per-source table and the big-object RSS check."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--big-mb", type=int, default=1024, help="size of the synthetic CloudTrail object (0 = skip)")
    ap.add_argument("--geoip-city", metavar="FILE.mmdb", help="also time normalizing with IP enrichment (a City database)")
    ap.add_argument("--geoip-asn", metavar="FILE.mmdb", help="… and an ASN database")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        big_object_child(args.child)
        return 0
    geoip = open_geoip(args.geoip_city, args.geoip_asn, env={})
    enriched = f" {'+geoip rec/s':>13}" if geoip else ""
    print(f"{'source':11} {'records':>8} {'normalize rec/s':>16} {'parse-only rec/s':>17} {'ratio':>6}{enriched}")
    for source in (*SOURCES, *GOLDEN_SOURCES, *APP_SOURCES):
        body = app_corpus(source, args.records) if source in APP_SOURCES else corpus(source, args.records)[0]
        floor_s, n_floor = best_of(parse_floor(source, body))
        norm_s, n_norm = best_of(normalize_all(source, body))
        if n_floor != n_norm:
            raise SystemExit(f"{source}: parsed {n_floor} records but normalized {n_norm}")
        if geoip is not None:
            geo_s, _ = best_of(normalize_all(source, body, geoip))
            enriched = f" {n_norm / geo_s:13,.0f}"
        print(f"{source:11} {n_norm:8d} {n_norm / norm_s:16,.0f} {n_floor / floor_s:17,.0f} {floor_s / norm_s:6.2f}"
              f"{enriched}")
    if args.big_mb:
        out = subprocess.run([sys.executable, __file__, "--child", str(args.big_mb)], capture_output=True, text=True,
                             check=True).stdout
        big = json.loads(out)
        print(f"cloudtrail object of {args.big_mb} MB: {big['records']} records in {big['seconds']} s, "
              f"peak RSS {big['peak_rss_mb']} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
