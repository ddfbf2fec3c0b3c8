"""Faults on a dedicated node (never the suite's own): Elasticsearch restarted mid-run, a 429 storm."""
from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudsift import localnode
from cloudsift.elastic import EsSettings, connect

from .conftest import ROOT, count, flow_key, flow_object, flows, free_port, ship_process, write_dir

# One write thread with a one-slot queue: concurrent bulk shard requests get 429 at once.
TINY_WRITE_POOL = {"thread_pool.write.queue_size": 1, "thread_pool.write.size": 1}


@pytest.fixture(scope="module")
def fault_node() -> Iterator[tuple[localnode.NodeConfig, EsSettings]]:
    """A throwaway node with a tiny write pool, which the tests may stop and start."""
    home = Path(tempfile.mkdtemp(prefix="cloudsift-fault-es-", dir="/var/tmp"))
    cfg = dataclasses.replace(localnode.default_config(), home=home, port=free_port(), heap="512m",
                              credentials=home.with_name(home.name + ".credentials.json"),
                              extra_settings=TINY_WRITE_POOL)
    try:
        info = localnode.start(cfg)
        yield cfg, EsSettings(info.url, info.username, info.password)
    finally:
        localnode.stop(cfg)
        shutil.rmtree(home, ignore_errors=True)
        cfg.credentials.unlink(missing_ok=True)


def test_elasticsearch_restarted_mid_run_loses_nothing(fault_node, tmp_path: Path) -> None:
    """The node goes down and comes back mid-run: the run waits it out and every record arrives once."""
    cfg, settings = fault_node
    src = write_dir(tmp_path, {flow_key(i): flow_object(1000, seed=i) for i in range(30)})
    client = connect(settings)
    proc = ship_process(settings, "restart", "--from", str(src), "--batch-docs", "250")
    deadline = time.monotonic() + 120
    while flows(client, "restart") < 1000 and time.monotonic() < deadline:
        time.sleep(0.2)
    localnode.stop(cfg)
    time.sleep(2)
    localnode.start(cfg)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    summary = json.loads(out.splitlines()[-1])
    assert summary["retries"] > 0 and summary["failed_objects"] == 0
    assert flows(connect(settings), "restart") == 30_000


def test_429_storm_backs_off_and_loses_nothing(fault_node, tmp_path: Path) -> None:
    """With a one-thread write pool, concurrent workers get 429s, back off, and still deliver everything."""
    _cfg, settings = fault_node
    # Four WAF and four DNS objects of the sample day (an hour each), copied six times.
    samples = (sorted(p for p in (ROOT / "sample_logs").rglob("*.gz") if "WAFLogs" in str(p))[10:14]
               + sorted(p for p in (ROOT / "sample_logs").rglob("*.gz") if "dnsquery" in str(p))[10:14])
    objects = {flow_key(i): flow_object(300, seed=i) for i in range(12)}
    for i in range(6):
        for sample in samples:  # WAF and DNS copies: more shards per bulk request, more contention
            objects[f"copy{i}/{sample.relative_to(ROOT / 'sample_logs')}"] = sample.read_bytes()
    src = write_dir(tmp_path, objects)
    proc = ship_process(settings, "storm", "--from", str(src), "--workers", "3", "--batch-docs", "100")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode in (0, 1), err
    summary = json.loads(out.splitlines()[-1])
    assert summary["retries"] > 0, "no 429 seen: the storm did not happen"
    client = connect(settings)
    assert summary["failed_objects"] == 0 and flows(client, "storm") == 3600
    assert count(client, "logs-*.cloudsift-storm") == summary["indexed"] + summary["duplicates"]
    assert summary["indexed"] + summary["duplicates"] + summary["deadlettered"] == summary["records"]
