"""The detector tests' helpers: the pack's samples shipped by the real shipper into data streams.

Plain rules' samples share one namespace: each of their alerts names one event, so a sample's
documents say which alerts it raised. Each correlation sample is a scenario of its own (the
samples of one rule overlap in time and group), so each gets a namespace of its own.
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import orjson
import yaml
from elasticsearch import Elasticsearch

from cloudsift.cli import main
from cloudsift.elastic import EsSettings
from detection.pack import RuleFile, Sample
from detection.ruletest import raw_object
from normalizer.applog.spec import ecs_json
from normalizer.records import Normalized
from normalizer.registry import LogType, applog_type
from normalizer.stream import normalize_stream

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "rules"
# Where AWS delivers each source's objects (shipper/routing.py routes them by these layouts).
LAYOUT = {
    "cloudtrail": "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/20/{name}.json",
    "vpcflow": "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/20/{name}.log",
    "route53": "AWSLogs/123456789012/vpcdnsquerylogs/vpc-0a1b2c3d/2026/11/20/{name}.log",
    "waf": "AWSLogs/123456789012/WAFLogs/us-east-1/shop/2026/11/20/{name}.log",
    "guardduty": "AWSLogs/123456789012/GuardDuty/us-east-1/2026/11/20/{name}.jsonl",
    # An access log object's name ends with S3's 16-character unique string: one folder per sample.
    "s3access": "access-logs/{name}/2026-11-20-10-00-00-1A2B3C4D5E6F7A8B",
    # Findings have no AWS layout: the route below names Firehose's prefix (docs/fields/securityhub.md).
    "securityhub": "securityhub/2026/11/20/10/{name}.json",
    # No AWS layout: a folder shipped as a source with an `applog:` section (the ECS JSON map, as the
    # rule tests read these samples), into an app of its own.
    "applog": "firehose/pack-app/2026/12/03/{name}.jsonl",
}
# Findings have no AWS layout: this route names the prefix the samples use.
ROUTES = [{"prefix": "securityhub/", "type": "securityhub"}]
PACK_APP = ecs_json("pack_app")


@dataclass(frozen=True)
class Case:
    """One sample of one rule, as shipped: the documents' ids it became."""

    file: RuleFile
    number: int
    sample: Sample
    ids: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.file.path.relative_to(ROOT)}#{self.number} ({self.sample.name})"


@dataclass(frozen=True)
class Shipped:
    """Samples shipped into one namespace."""

    namespace: str
    cases: tuple[Case, ...]

    @property
    def index(self) -> str:
        """Every data stream of the namespace."""
        return f"logs-*.cloudsift-{self.namespace}"


def run_cli(*argv: str) -> tuple[int, str]:
    """`cloudsift …` in this process (no interpreter start-up): exit status and stdout."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(list(argv))
    return status, out.getvalue()


def cli_env(es_settings: EsSettings) -> dict[str, str]:
    """The environment a `cloudsift` child needs to reach the suite's node."""
    return {**os.environ, "ELASTICSEARCH_URL": es_settings.url, "ELASTICSEARCH_USERNAME": es_settings.username or "",
            "ELASTICSEARCH_PASSWORD": es_settings.password or "", "PYTHONPATH": str(ROOT)}


def spawn(es_settings: EsSettings, *argv: str, stdout: object = subprocess.PIPE) -> subprocess.Popen:
    """`cloudsift …` as a child process (one a test can kill)."""
    return subprocess.Popen([sys.executable, "-m", "cloudsift.cli", *argv], cwd=ROOT, env=cli_env(es_settings),
                            stdout=stdout, stderr=subprocess.PIPE, text=True)


def ship(root: Path, cases: list[tuple[RuleFile, int, Sample]], namespace: str) -> Shipped:
    """Write each sample as the object AWS would deliver, then `cloudsift ship` the folder in one run
    (application logs: a folder of their own, a second source with the app's map)."""
    bucket, apps = root / f"bucket-{namespace}", root / f"apps-{namespace}"
    shipped = [_write(apps if sample.service == "applog" else bucket, file, number, sample)
               for file, number, sample in cases]
    sources: list[dict] = [{"url": str(bucket)}] if bucket.exists() else []
    if apps.exists():
        section = {**dataclasses.asdict(PACK_APP), "outcome_values": {
            k: list(v) for k, v in dataclasses.asdict(PACK_APP.outcome_values).items()}}
        sources.append({"url": str(apps), "applog": section})
    config = root / f"ship-{namespace}.yml"
    config.write_text(yaml.safe_dump({"sources": sources, "routes": ROUTES}))
    status, out = run_cli("ship", "--config", str(config), "--namespace", namespace, "--progress", "json")
    summary = orjson.loads(out.splitlines()[-1])
    assert status == 0 and summary["indexed"] == sum(len(c.ids) for c in shipped), out
    return Shipped(namespace, tuple(shipped))


def _write(bucket: Path, file: RuleFile, number: int, sample: Sample) -> Case:
    """The sample's object written under `bucket`, and the ids the shipper gives its documents (the
    normalizer's, for this object's URL)."""
    key = LAYOUT[sample.service].format(name=f"{file.path.stem}-{number}")
    path = bucket / key
    path.parent.mkdir(parents=True, exist_ok=True)
    body = raw_object(sample)
    path.write_bytes(body)
    kind: str | LogType = applog_type(PACK_APP) if sample.service == "applog" else sample.service
    ids = tuple(r.doc_id for r in normalize_stream(io.BytesIO(body), kind, f"s3://{bucket.name}/{key}")
                if isinstance(r, Normalized))
    return Case(file, number, sample, ids)


def alert_docs(es: Elasticsearch, namespace: str) -> list[dict]:
    """Every alert document of the namespace, with its _id."""
    stream = f"logs-cloudsift.alerts-{namespace}"
    es.options(ignore_status=404).indices.refresh(index=stream)
    found = es.options(ignore_status=404).search(index=stream, size=10_000, query={"match_all": {}},
                                                 ignore_unavailable=True)
    return [{"_id": h["_id"], **h["_source"]} for h in found.body.get("hits", {}).get("hits", [])]


def lines(out: str) -> list[dict]:
    """The JSON lines of a detect run's stdout."""
    return [orjson.loads(line) for line in out.splitlines() if line.strip()]
