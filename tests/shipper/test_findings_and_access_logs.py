"""S3 access logs and Security Hub / Prowler findings in the layouts AWS and Prowler write, shipped from a
directory into their data streams on the real node."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from shipper.templates import data_stream

from .conftest import ROOT, count, ship, write_dir

GOLDEN = ROOT / "tests" / "normalizer" / "golden"
ACCESS_LINES = [line for line in (GOLDEN / "s3access" / "features.log").read_text().splitlines() if line]
FINDINGS = [json.loads(line) for line in (GOLDEN / "securityhub" / "bare.log").read_text().splitlines() if line]
PROWLER_ASFF = (GOLDEN / "securityhub" / "prowler_asff.log").read_bytes()
PROWLER_OCSF = (GOLDEN / "securityhub" / "prowler_ocsf.log").read_bytes()
# Security Hub findings and Prowler output have no AWS key layout (Firehose's prefix and Prowler's output
# folder are the user's choice): the config names their prefixes, as docs/fields/securityhub.md says.
CONFIG = "routes:\n  - {prefix: securityhub/, type: securityhub}\n  - {prefix: prowler/, type: securityhub}\n"


def _event(findings: list[dict], n: int) -> dict:
    """An EventBridge event of Security Hub as Firehose delivers it."""
    return {"version": "0", "id": f"0e5e0d9c-0000-4000-8000-00000000000{n}", "detail-type": "Security Hub Findings - Imported",
            "source": "aws.securityhub", "account": "123456789012", "time": "2026-11-20T10:00:08Z",
            "region": "eu-west-1", "resources": [], "detail": {"findings": findings}}


def _layout() -> tuple[dict[str, bytes], int, int]:
    """The objects (key → bytes), and how many access-log records and findings they hold."""
    access = "\n".join(ACCESS_LINES) + "\n"
    # Firehose without a delimiter runs the events together; gzip is Firehose's compression setting.
    events = json.dumps(_event(FINDINGS[:2], 1)) + json.dumps(_event(FINDINGS[2:], 2))
    objects = {
        "logs/2026-11-20-10-15-02-1A2B3C4D5E6F7A8B": access.encode(),
        "logs/123456789012/eu-west-1/shop-data/2026/11/20/2026-11-20-11-15-02-8B7A6F5E4D3C2B1A": access.encode(),
        "securityhub/2026/11/20/10/sh-findings-1-2026-11-20-10-05-00-6d1f3c2a-4b5e-4f60-8a7b-9c0d1e2f3a4b.gz":
            gzip.compress(events.encode()),
        "prowler/output/json-asff/prowler-output-123456789012-20261120100000.asff.json": PROWLER_ASFF,
        "prowler/output/json-ocsf/prowler-output-123456789012-20261120100000.ocsf.json": PROWLER_OCSF,
    }
    findings = len(FINDINGS) + len(json.loads(PROWLER_ASFF)) + len(json.loads(PROWLER_OCSF))
    return objects, 2 * len(ACCESS_LINES), findings


def test_access_logs_and_findings_reach_their_data_streams(es: Elasticsearch, es_env, ns: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture) -> None:
    """Both access-log layouts and every findings shape are indexed, each record once; a rerun adds nothing."""
    objects, access_records, findings = _layout()
    src = write_dir(tmp_path / "bucket", objects)
    config = tmp_path / "cloudsift.yaml"
    config.write_text(CONFIG)
    status, summary = ship(ns, "--from", str(src), "--config", str(config), capsys=capsys)
    assert status == 0, summary
    assert summary["indexed"] == access_records + findings and summary["deadlettered"] == 0
    assert count(es, data_stream("aws.s3access", ns)) == access_records
    sh = data_stream("aws.securityhub_findings", ns)
    assert count(es, sh) == findings
    ocsf = es.search(index=sh, query={"exists": {"field": "aws.securityhub_findings.ocsf.class_uid"}}, size=10)
    assert {h["_source"]["rule"]["id"] for h in ocsf["hits"]["hits"]} == {
        "prowler-iam_root_mfa_enabled", "prowler-cloudtrail_multi_region_enabled", "prowler-s3_bucket_public_access"}

    status, again = ship(ns, "--from", str(src), "--config", str(config), capsys=capsys)
    assert status == 0 and again["indexed"] == 0 and again["duplicates"] == access_records + findings
    assert count(es, sh) == findings


def test_findings_without_a_route_are_reported_not_guessed(es: Elasticsearch, es_env, ns: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture) -> None:
    """Without the config's routes, findings objects are unroutable (counted); access logs still ship."""
    objects, access_records, _ = _layout()
    src = write_dir(tmp_path / "bucket", objects)
    status, summary = ship(ns, "--from", str(src), capsys=capsys)
    assert status == 1 and summary["unroutable"] == 3
    assert count(es, data_stream("aws.s3access", ns)) == access_records
