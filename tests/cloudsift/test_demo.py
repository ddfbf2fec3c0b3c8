"""The demo's shipping step: its table counts its own namespace, and a rerun says "nothing new"."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from cloudsift.elastic import EsSettings

SHIP_SAMPLES = Path(__file__).resolve().parents[2] / "scripts" / "ship-samples"


@pytest.fixture
def ns() -> str:
    """A namespace of this test's own, left in place (unlike the suite's `ns`, which removes templates).

    The integ-test node cannot delete data streams, nor the last template matching one; the suite's
    node is thrown away at the end of the session.
    """
    return f"demo{uuid.uuid4().hex[:10]}"


def _ship_samples(es_settings: EsSettings, namespace: str) -> str:
    env = {**os.environ, "ELASTICSEARCH_URL": es_settings.url, "ELASTICSEARCH_USERNAME": es_settings.username or "",
           "ELASTICSEARCH_PASSWORD": es_settings.password or ""}
    proc = subprocess.run([sys.executable, str(SHIP_SAMPLES), "--namespace", namespace], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _table_total(out: str) -> int:
    return sum(int(line.split()[-1]) for line in out.splitlines() if line.startswith("logs-"))


def test_rerun_says_nothing_new(es_settings: EsSettings, ns: str) -> None:
    """The second run over the same samples reports "nothing new", and the table still counts each document once."""
    first = _ship_samples(es_settings, ns)
    second = _ship_samples(es_settings, ns)
    assert "new documents" in first and "nothing new" not in first
    assert "nothing new: all" in second
    assert _table_total(first) == _table_total(second) > 0


def test_table_counts_only_the_demo_namespace(es_settings: EsSettings, ns: str) -> None:
    """Documents the node holds in other namespaces do not show in the demo's table."""
    _ship_samples(es_settings, f"{ns}_other")
    out = _ship_samples(es_settings, ns)
    new = int(out.split(" new documents")[0].rsplit(" ", 1)[-1])
    assert _table_total(out) == new and all(line.split()[0].endswith(f"-{ns}")
                                             for line in out.splitlines() if line.startswith("logs-"))
