"""A local directory laid out like a bucket, end to end into the real node."""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from shipper.templates import data_stream

from .conftest import ROOT, dead, flow_key, flow_object, flows, ship, write_dir


def test_sample_logs_are_shipped_to_their_data_streams(es: Elasticsearch, es_env, ns: str,
                                                       capsys: pytest.CaptureFixture) -> None:
    """The bundled sample logs land in one data stream per dataset, every record accounted for."""
    # The demo's routes name the prefixes no AWS layout covers (Security Hub's Firehose, the application log).
    status, summary = ship(ns, "--from", str(ROOT / "sample_logs"), "--once", "--config",
                           str(ROOT / "scripts" / "demo.yml"), capsys=capsys)
    assert summary["records"] > 0 and summary["failed_objects"] == 0 and summary["unroutable"] == 0
    assert summary["indexed"] == summary["records"] and status == 0
    streams = es.indices.get(index=data_stream("*", ns), expand_wildcards="all")
    assert len(streams.body) >= 7


def test_same_run_twice_gives_same_count(es: Elasticsearch, es_env, ns: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture) -> None:
    """A replay of the same objects adds nothing: ids are deterministic and writes are `create`."""
    write_dir(tmp_path, {flow_key(i): flow_object(50, seed=i) for i in range(3)})
    status1, first = ship(ns, "--from", str(tmp_path), capsys=capsys)
    status2, second = ship(ns, "--from", str(tmp_path), capsys=capsys)
    assert (status1, status2) == (0, 0)
    assert first["indexed"] == 150 and second["duplicates"] == 150 and second["indexed"] == 0
    assert flows(es, ns) == 150


def test_corrupt_object_goes_to_dead_letter_and_the_rest_is_indexed(es: Elasticsearch, es_env, ns: str,
                                                                    tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture) -> None:
    """Bad records and a non-gzip object end in the dead-letter stream, reported; good objects are indexed."""
    write_dir(tmp_path, {
        flow_key(1): flow_object(40),
        flow_key(2): flow_object(10, corrupt=3, seed=2),
        flow_key(3): b"\x1f\x8b\x08\x00broken gzip" * 10,
        flow_key(4): flow_object(40, seed=4),
    })
    status, summary = ship(ns, "--from", str(tmp_path), capsys=capsys)
    assert status == 1
    assert flows(es, ns) == 90
    assert dead(es, ns) == summary["deadlettered"] >= 4
    err = capsys.readouterr()
    assert flow_key(3) in "".join(summary["errors"])
    doc = es.search(index=f"logs-cloudsift.deadletter-{ns}", query={"term": {"cloudsift.line": 12}})["hits"]["hits"]
    assert doc and doc[0]["_source"]["event"]["original"] == "garbage line 0" and err is not None


def test_unroutable_key_is_reported_not_guessed(es: Elasticsearch, es_env, ns: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    """An object whose key matches no layout is counted, dead-lettered with the reason, and not parsed."""
    write_dir(tmp_path, {"misc/notes.txt": b"hello", flow_key(1): flow_object(5)})
    status, summary = ship(ns, "--from", str(tmp_path), capsys=capsys)
    assert status == 1 and summary["unroutable"] == 1 and flows(es, ns) == 5
    assert dead(es, ns) == 1


def test_ndjson_sink_writes_what_would_be_indexed(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """--to FILE writes one line per document with its target stream and id, without Elasticsearch."""
    src = write_dir(tmp_path / "bucket", {flow_key(1): flow_object(7)})
    out = tmp_path / "out.ndjson"
    status, _summary = ship("dry", "--from", str(src), "--to", str(out), capsys=capsys)
    lines = out.read_text().splitlines()
    assert status == 0 and len(lines) == 7 and '"_index":"logs-aws.vpcflow.cloudsift-dry"' in lines[0]


def test_file_names_that_are_not_utf8_are_shipped_and_reported(es: Elasticsearch, es_env, ns: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture) -> None:
    """A file name with bytes that are not UTF-8 neither crashes logs, dead letters nor the summary."""
    good = tmp_path / flow_key(1)
    good.parent.mkdir(parents=True)
    good.write_bytes(flow_object(5))
    (good.parent / os.fsdecode(b"bad\xff.log.gz")).write_bytes(flow_object(3, corrupt=2))
    (tmp_path / os.fsdecode(b"stray\xfe.txt")).write_bytes(b"not a log\n")
    status, summary = ship(ns, "--from", str(tmp_path), capsys=capsys)
    assert status == 1 and summary["objects"] == 3 and flows(es, ns) == 8
    assert dead(es, ns) == 3 and any("\\xfe" in e for e in summary["errors"])


def test_one_file_is_a_source_and_keeps_the_ids_of_its_bucket(es: Elasticsearch, es_env, ns: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture) -> None:
    """`--from FILE` ships that file, routed by its AWS layout; its documents are those of the whole folder."""
    root = write_dir(tmp_path / "my-logs", {flow_key(1): flow_object(20), flow_key(2): flow_object(20, seed=2)})
    status, one = ship(ns, "--from", str(root / flow_key(1)), capsys=capsys)
    assert status == 0 and one["objects"] == 1 and one["indexed"] == 20
    status, whole = ship(ns, "--from", str(root), capsys=capsys)
    assert status == 0 and whole["duplicates"] == 20 and whole["indexed"] == 20 and flows(es, ns) == 40


def test_local_objects_are_reported_by_their_path(es: Elasticsearch, es_env, ns: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    """Messages about a local file name the file, not an s3:// URL made of the folder's name."""
    root = write_dir(tmp_path, {flow_key(1): flow_object(5, corrupt=1)})
    status, summary = ship(ns, "--from", str(root), capsys=capsys)
    assert status == 1 and summary["errors"]
    assert all(e.startswith(str(root / flow_key(1))) and "s3://" not in e for e in summary["errors"])


def test_progress_counts_bytes_while_a_big_object_is_read(es_env, ns: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    """Progress lines show bytes read before the first object is finished."""
    write_dir(tmp_path, {flow_key(1): flow_object(60_000)})
    ship(ns, "--from", str(tmp_path), "--to", str(tmp_path / "out.ndjson"), capsys=None)
    err = capsys.readouterr().err
    progress = [json.loads(line) for line in err.splitlines() if '"progress"' in line]
    assert any(p["objects"] == 0 and p["bytes"] > 0 for p in progress), progress[:3]


def test_documents_carry_their_data_stream_and_ingest_time(es: Elasticsearch, es_env, ns: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    """Each document holds data_stream.type/dataset/namespace, ecs.version and event.ingested, as Kibana expects."""
    write_dir(tmp_path, {flow_key(1): flow_object(5)})
    ship(ns, "--from", str(tmp_path), capsys=capsys)
    stream = data_stream("aws.vpcflow", ns)
    es.indices.refresh(index=stream)
    hits = es.search(index=stream, query={"bool": {"filter": [{"term": {"data_stream.dataset": "aws.vpcflow"}},
                                                               {"term": {"data_stream.namespace": ns}},
                                                               {"exists": {"field": "event.ingested"}}]}})
    assert hits["hits"]["total"]["value"] == 5
    doc = hits["hits"]["hits"][0]["_source"]
    assert doc["data_stream"] == {"type": "logs", "dataset": "aws.vpcflow", "namespace": ns}
    assert doc["ecs"]["version"] and doc["event.ingested"].endswith("Z") and doc["event"]["dataset"] == "aws.vpcflow"


def test_the_summary_counts_documents_with_values_too_long_to_index(es: Elasticsearch, es_env, ns: str,
                                                                    tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture) -> None:
    """A 40 KB user agent is kept in _source, left out of the index, and counted in `ignored_values`."""
    sample = next((ROOT / "sample_logs").rglob("*waflogs*.log.gz"))
    record = json.loads(gzip.decompress(sample.read_bytes()).splitlines()[0])
    record["httpRequest"]["headers"] = [{"name": "User-Agent", "value": "A" * 40_000}]
    key = sample.relative_to(ROOT / "sample_logs").as_posix()
    write_dir(tmp_path, {key: gzip.compress(json.dumps(record).encode() + b"\n")})
    status, summary = ship(ns, "--from", str(tmp_path), capsys=capsys)
    assert status == 0 and summary["indexed"] == 1 and summary["ignored_values"] == 1
