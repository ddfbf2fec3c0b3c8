"""Golden files: each input under golden/<source>/ normalizes to exactly its expected results.

Set CLOUDSIFT_UPDATE_GOLDEN=1 to rewrite the expected files after a deliberate change (and read
the diff). GuardDuty and flow logs keep their own golden tests: their cases carry extra context.
An application log case (golden/applog/) is read with the field map beside it (`<case>.applog.yaml`,
loaded by the shipper's config reader), or without one as ECS JSON.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import orjson
import pytest

from normalizer.errors import NormalizationError
from normalizer.records import Normalized
from normalizer.registry import LogType, applog_type
from normalizer.stream import normalize_stream
from shipper.config import load_applog

GOLDEN = Path(__file__).parent / "golden"
CASES = [(source, case) for source in ("cloudtrail", "route53", "waf", "s3access", "securityhub", "applog") for case in sorted((GOLDEN / source).glob("*.log"))]


def golden_results(source: str, path: Path) -> list[dict]:
    """A golden input's results as plain JSON: documents with their ids, errors as text."""
    out = []
    app = path.with_suffix(".applog.yaml")
    kind: str | LogType = applog_type(load_applog(app)) if app.exists() else source
    with path.open("rb") as fh:
        for result in normalize_stream(fh, kind, f"golden/{source}/{path.name}"):
            if isinstance(result, Normalized):
                out.append({"id": result.doc_id, "doc": result.doc})
            elif isinstance(result, NormalizationError):
                out.append({"error": str(result)})
            else:
                out.append({"skipped": result.reason, "count": result.count})
    return json.loads(orjson.dumps(out))


@pytest.mark.parametrize(("source", "case"), CASES, ids=lambda v: v.stem if isinstance(v, Path) else v)
def test_golden(source: str, case: Path) -> None:
    """Each golden input normalizes to exactly its expected documents and errors."""
    expected = case.with_suffix(".expected.json")
    got = golden_results(source, case)
    if os.environ.get("CLOUDSIFT_UPDATE_GOLDEN"):
        expected.write_text(json.dumps(got, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    assert got == json.loads(expected.read_text())
