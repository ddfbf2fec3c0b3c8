"""Where each source's objects go and what their bytes look like: AWS's delivery layouts.

A `Stream` is one delivery stream (a source in one account, VPC or web ACL). Its objects' keys follow
the layouts `shipper/routing.py` routes; Security Hub (Firehose), S3 server access logs and the
application's log sit under prefixes of our choosing (routed by `scripts/demo.yml`).
Objects are written streaming, one record at a time, and gzip'd with no time stamp in the header,
so the same records give the same bytes.
"""
from __future__ import annotations

import gzip
import io
import json
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sampleday.records import V2_FIELDS, V5_FIELDS
from sampleday.world import REGION


@dataclass(frozen=True, slots=True)
class Stream:
    """One delivery stream: `kind` is the log type, the rest names where AWS delivers it."""

    kind: str  # cloudtrail, vpcflow, route53, waf, guardduty, securityhub, s3access, applog
    account: str
    name: str = ""  # flow log id, VPC id, web ACL, bucket, application
    version: int = 2  # flow-log format

    def key(self, delivered: float, rng: random.Random) -> str:
        """The object key of a delivery at `delivered` (epoch seconds)."""
        t = datetime.fromtimestamp(delivered, UTC)
        day, stamp = t.strftime("%Y/%m/%d"), t.strftime("%Y%m%dT%H%MZ")
        short = rng.randbytes(4).hex()
        root = f"AWSLogs/{self.account}"
        if self.kind == "cloudtrail":
            suffix = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                             for _ in range(16))
            return f"{root}/CloudTrail/{REGION}/{day}/{self.account}_CloudTrail_{REGION}_{stamp}_{suffix}.json.gz"
        if self.kind == "vpcflow":
            return (f"{root}/vpcflowlogs/{REGION}/{day}/{self.account}_vpcflowlogs_{REGION}_{self.name}_{stamp}_"
                    f"{short}.log.gz")
        if self.kind == "route53":
            return f"{root}/vpcdnsquerylogs/{self.name}/{day}/{self.name}_vpcdnsquerylogs_{self.account}_{stamp}_{short}.log.gz"
        if self.kind == "waf":
            return (f"{root}/WAFLogs/{REGION}/{self.name}/{day}/{t:%H/%M}/{self.account}_waflogs_{REGION}_"
                    f"{self.name}_{stamp}_{short}.log.gz")
        if self.kind == "guardduty":
            return f"{root}/GuardDuty/{REGION}/{day}/{uuid.UUID(int=rng.getrandbits(128), version=4)}.jsonl.gz"
        if self.kind == "securityhub":  # Firehose: <prefix>YYYY/MM/DD/HH/<stream>-<version>-<time>-<uuid>
            return (f"firehose/securityhub/{day}/{t:%H}/securityhub-findings-1-{t:%Y-%m-%d-%H-%M-%S}-"
                    f"{uuid.UUID(int=rng.getrandbits(128), version=4)}.gz")
        if self.kind == "s3access":  # the date-partitioned key format of server access logging
            unique = rng.randbytes(8).hex().upper()
            return f"s3-access/{self.account}/{REGION}/{self.name}/{day}/{t:%Y-%m-%d-%H-%M-%S}-{unique}"
        if self.kind == "applog":
            return f"app/{self.name}/{day}/{t:%H}/{self.name}-web-{stamp}-{short}.json.gz"
        raise ValueError(f"unknown stream kind {self.kind!r}")


def _dumps(record: Any) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def write_object(path: Path, stream: Stream, records: Iterable[Any]) -> int:
    """Write one object of `stream` holding `records` (in order); the number written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw:
        if stream.kind == "s3access":  # S3 writes access logs uncompressed
            return _body(raw, stream, records)
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            return _body(gz, stream, records)


def _body(out: io.BufferedIOBase, stream: Stream, records: Iterable[Any]) -> int:
    n = 0
    if stream.kind == "cloudtrail":
        out.write(b'{"Records":[')
        for n, record in enumerate(records, 1):
            out.write((b"," if n > 1 else b"") + _dumps(record).encode())
        out.write(b"]}")
        return n
    if stream.kind == "vpcflow":
        out.write(((V5_FIELDS if stream.version == 5 else V2_FIELDS) + "\n").encode())
    for n, record in enumerate(records, 1):
        line = record if isinstance(record, str) else _dumps(record)
        out.write(line.encode() + b"\n")
    return n


def write_digest(root: Path, account: str, delivered: float, trail: str) -> Path:
    """A CloudTrail digest file (skipped by the shipper, but AWS delivers it beside the logs)."""
    t = datetime.fromtimestamp(delivered, UTC)
    path = root / (f"AWSLogs/{account}/CloudTrail-Digest/{REGION}/{t:%Y/%m/%d}/{account}_CloudTrail-Digest_"
                   f"{REGION}_{trail}_{REGION}_{t:%Y%m%dT%H%M%S}Z.json.gz")
    digest: dict[str, Any] = {"awsAccountId": account, "digestStartTime": f"{t:%Y-%m-%dT00:00:00}Z",
              "digestEndTime": f"{t:%Y-%m-%dT%H:%M:%S}Z", "digestS3Bucket": "org-log-archive-210987654321",
              "digestS3Object": str(path.relative_to(root)), "digestPublicKeyFingerprint":
              "3d7a6f1e2c9b8a7f6e5d4c3b2a190817", "digestSignatureAlgorithm": "SHA256withRSA",
              "newestEventTime": f"{t:%Y-%m-%dT%H:%M:%S}Z", "oldestEventTime": f"{t:%Y-%m-%dT00:00:00}Z",
              "previousDigestS3Bucket": None, "previousDigestSignature": None, "logFiles": []}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(_dumps(digest).encode())
    return path
