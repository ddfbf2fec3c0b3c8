"""Hostile records per source through the whole path: normalize_stream, the real sink, the real node.

Hypothesis mutates sample records (quotes, backslashes, control characters, huge values, nulls in
lists, wrong types at any path, ids built to break out of a bulk action line). For every example:
every input record is exactly one of indexed / duplicate / dead-lettered, the run never raises, and
no document exists in the namespace that the normalizer did not make from the input, byte for byte.
"""
from __future__ import annotations

import gzip
import io
import json
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest
from elasticsearch import Elasticsearch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normalizer.errors import NormalizationError
from normalizer.records import Normalized
from normalizer.stream import normalize_stream
from shipper.objects import DirectorySource
from shipper.pipeline import Shipper
from shipper.routing import Router
from shipper.sink import ElasticsearchSink
from shipper.templates import deadletter_stream, install

from .conftest import ROOT, write_dir

SAMPLES = ROOT / "sample_logs" / "AWSLogs" / "123456789012"
SEEDS = {  # log type → a sample object of it
    "cloudtrail": next((SAMPLES / "CloudTrail").rglob("*.json.gz")),
    "guardduty": next((SAMPLES / "GuardDuty").rglob("*.gz")),
    "waf": next((SAMPLES / "WAFLogs").rglob("*.gz")),
    "route53": next((SAMPLES / "vpcdnsquerylogs").rglob("*.gz")),
    "vpcflow": next((SAMPLES / "vpcflowlogs").rglob("*.gz")),
}
ID_FIELDS = {"cloudtrail": "eventID", "guardduty": "id"}
BREAKOUT = 'x"}}\n{"@timestamp":"2026-01-01T00:00:00Z","forged":true}\n{"index":{"_index":"hacked","_id":"y'
STRINGS = st.one_of(
    st.sampled_from([BREAKOUT, '"', "\\", '\\"', "\x00\x1f\x7f", "\u2028\ud7ff", "x" * 70_000, "", "-", "null",
                     "999.1.1.1", "::ffff:1.2.3.4%eth0", "2024-13-45T99:99:99Z", "é" * 300]),
    st.text(max_size=20),
)
VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False),
              STRINGS),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(STRINGS, inner, max_size=3),
    max_leaves=6,
)
TOKENS = st.one_of(STRINGS.map(lambda s: "".join(s.split()) or "-"), st.sampled_from(["-", "0", "4294967296", "NaN"]))


def _seed_records(log_type: str) -> list[Any]:
    data = gzip.decompress(SEEDS[log_type].read_bytes())
    if log_type == "cloudtrail":
        return json.loads(data)["Records"][:5]
    lines = data.decode().splitlines()
    return lines[:6] if log_type == "vpcflow" else [json.loads(line) for line in lines[:5]]


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += _paths(child, (*prefix, index))
    return out


def _set(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    node = value
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = new
    return value


def _hostile_object(log_type: str, data: st.DataObject) -> tuple[bytes, int]:
    """A gzipped object of mutated seed records, and how many records it holds."""
    records = _seed_records(log_type)
    if log_type == "vpcflow":
        header, lines = records[0], records[1:]
        mutated = []
        for line in data.draw(st.lists(st.sampled_from(lines), min_size=1, max_size=4)):
            tokens = line.split()
            for _ in range(data.draw(st.integers(1, 3))):
                tokens[data.draw(st.integers(0, len(tokens) - 1))] = data.draw(TOKENS)
            mutated.append(" ".join(tokens))
        return gzip.compress(("\n".join([header, *mutated]) + "\n").encode("utf-8", "surrogatepass")), len(mutated)
    chosen = [json.loads(json.dumps(r)) for r in data.draw(st.lists(st.sampled_from(records), min_size=1, max_size=4))]
    for record in chosen:
        for _ in range(data.draw(st.integers(1, 4))):
            _set(record, data.draw(st.sampled_from(_paths(record)[1:])), data.draw(VALUES))
        if log_type in ID_FIELDS and isinstance(record, dict) and data.draw(st.booleans()):
            record[ID_FIELDS[log_type]] = data.draw(STRINGS)
    texts = [json.dumps(r, ensure_ascii=False).encode("utf-8", "surrogatepass") for r in chosen]
    body = b'{"Records":[' + b",".join(texts) + b"]}" if log_type == "cloudtrail" else b"\n".join(texts) + b"\n"
    return gzip.compress(body), len(chosen)


def _documents(es: Elasticsearch, ns: str) -> dict[str, dict]:
    es.indices.refresh(index=f"logs-*-{ns}", ignore_unavailable=True, allow_no_indices=True)
    found = es.search(index=f"logs-*-{ns}", size=10_000, query={"match_all": {}}, ignore_unavailable=True,
                      allow_no_indices=True)
    return {h["_id"]: h for h in found["hits"]["hits"]}


@pytest.mark.parametrize("log_type", sorted(SEEDS))
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_records_are_indexed_or_dead_lettered_never_forged(es: Elasticsearch, ns: str, tmp_path: Path,
                                                                   log_type: str, data: st.DataObject) -> None:
    """Each mutated record is one outcome in the node; every stored document is the normalizer's, unaltered."""
    install(es, ns)
    body, records = _hostile_object(log_type, data)
    before = _documents(es, ns)
    key = SEEDS[log_type].relative_to(ROOT / "sample_logs").as_posix().replace(".gz", f".{len(before)}.gz")
    root = write_dir(tmp_path / f"e{len(before)}" / "hostile-bucket", {key: body})
    expected = list(normalize_stream(io.BytesIO(body), log_type, f"s3://hostile-bucket/{key}"))
    made = {r.doc_id: r.body for r in expected if isinstance(r, Normalized)}
    errors = [r for r in expected if isinstance(r, NormalizationError)]

    stats = Shipper(DirectorySource(root), ElasticsearchSink(es), Router(()), ns, stop=threading.Event(),
                    log=lambda *a, **k: None).run()

    normalized = [r for r in expected if isinstance(r, Normalized)]
    assert stats.fatal == 0 and stats.failed_objects == 0
    assert stats.records == len(normalized) + len(errors) == records
    after = _documents(es, ns)
    new = {i: h for i, h in after.items() if i not in before}
    dead_here = [h for h in new.values() if h["_index"].startswith(f".ds-{deadletter_stream(ns)}")]
    docs_here = {i: h for i, h in new.items() if h not in dead_here}
    # Nothing that the normalizer did not make, and what it made is stored as it made it.
    for doc_id, hit in docs_here.items():
        assert doc_id in made, f"a document the input did not hold: {hit['_source']}"
        source = dict(hit["_source"])
        assert source.pop("data_stream")["namespace"] == ns and source.pop("event.ingested")
        assert source == orjson.loads(made[doc_id])
    # Every record accounted for, exactly once.
    assert stats.indexed == len(docs_here) and stats.deadlettered == len(dead_here)
    assert stats.indexed + stats.duplicates + stats.deadlettered == stats.records
    assert {h["_source"]["cloudsift"]["stage"] for h in dead_here} <= {"normalize", "index"}
    assert not es.indices.exists(index="hacked")
    written = {h["_index"] for h in docs_here.values()}
    assert all(f".cloudsift-{ns}-" in index for index in written), written
