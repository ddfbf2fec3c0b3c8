"""Hostile ids and lying bulk responses: nothing forged, nothing lost, nothing counted that is not stored."""
from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import orjson
import pytest
import urllib3
from elasticsearch import Elasticsearch
from localserver import LocalServer

from cloudsift.elastic import EsSettings, connect
from normalizer.records import Normalized
from normalizer.stream import normalize_stream
from shipper.errors import SinkError
from shipper.limits import Limits
from shipper.sink import OK, ElasticsearchSink, Entry, action_line, safe_id
from shipper.templates import data_stream, install

from .conftest import count

FORGED_ID = 'x"}}\n{"@timestamp":"2026-01-01T00:00:00Z","forged":true}\n{"index":{"_index":"hacked","_id":"y'
HOSTILE_IDS = [FORGED_ID, '"', "back\\slash", "ctrl\x00\x01\x1f", "new\nline", "é" * 300, "z" * 600]


def _cloudtrail(event_id: str) -> bytes:
    record = {"eventVersion": "1.08", "eventTime": "2026-11-20T10:00:00Z", "eventSource": "iam.amazonaws.com",
              "eventName": "ListUsers", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7",
              "eventID": event_id, "recipientAccountId": "123456789012",
              "userIdentity": {"type": "IAMUser", "userName": "alice", "accountId": "123456789012"}}
    return orjson.dumps({"Records": [record]})


def _guardduty(finding_id: str) -> bytes:
    finding = {"schemaVersion": "2.0", "accountId": "123456789012", "region": "us-east-1", "id": finding_id,
               "type": "Recon:EC2/PortProbeUnprotectedPort", "severity": 2, "title": "t",
               "createdAt": "2026-11-20T10:00:00.000Z", "updatedAt": "2026-11-20T10:00:00.000Z",
               "resource": {"resourceType": "Instance"}, "service": {"serviceName": "guardduty"}}
    return orjson.dumps(finding) + b"\n"


def _ship(es: Elasticsearch, ns: str, log_type: str, data: bytes) -> list[Normalized]:
    results = [r for r in normalize_stream(io.BytesIO(data), log_type, f"s3://b/{log_type}.json")
               if isinstance(r, Normalized)]
    sink = ElasticsearchSink(es, Limits(max_docs=50))
    delivered = []
    for r in results:
        delivered += sink.add(Entry(data_stream(r.dataset, ns), r.doc_id, r.body, 0))
    delivered += sink.flush()
    sink.close()
    assert [d.status for d in delivered] == [OK] * len(results)
    return results


def test_action_lines_are_serialized_whatever_the_id() -> None:
    """Every hostile id yields exactly one JSON action line naming the intended index."""
    for doc_id in HOSTILE_IDS:
        line = action_line("logs-x", doc_id)
        assert b"\n" not in line
        assert orjson.loads(line) == {"create": {"_index": "logs-x", "_id": safe_id(doc_id)}}


def test_ids_over_512_bytes_get_a_derived_deterministic_id() -> None:
    """An id Elasticsearch would refuse for its length is replaced by a short one derived from it."""
    long = "é" * 300
    assert safe_id(long) == safe_id(long) != long and len(safe_id(long)) < 512
    assert safe_id("short") == "short"


@pytest.mark.parametrize("event_id", HOSTILE_IDS)
def test_hostile_cloudtrail_event_ids_index_the_real_event_only(es: Elasticsearch, ns: str, event_id: str) -> None:
    """A forged eventID never injects a document or an index; the real event is stored as sent."""
    install(es, ns)
    results = _ship(es, ns, "cloudtrail", _cloudtrail(event_id))
    stream = data_stream("aws.cloudtrail", ns)
    assert len(results) == 1 and count(es, stream) == 1
    hit = es.search(index=stream)["hits"]["hits"][0]
    assert "forged" not in hit["_source"] and hit["_source"]["event"]["action"] == "ListUsers"
    assert not es.options(ignore_status=404).indices.exists(index="hacked")


@pytest.mark.parametrize("finding_id", HOSTILE_IDS)
def test_hostile_guardduty_finding_ids_index_the_real_finding_only(es: Elasticsearch, ns: str,
                                                                   finding_id: str) -> None:
    """A hostile finding id is one finding document, nothing else."""
    install(es, ns)
    results = _ship(es, ns, "guardduty", _guardduty(finding_id))
    assert len(results) == 1 and count(es, data_stream("aws.guardduty", ns)) == 1
    assert not es.options(ignore_status=404).indices.exists(index="hacked")


class _LyingProxy:
    """Forwards to the real node, but answers the first `lies` bulk requests with `answer`."""

    def __init__(self, upstream: str, answer: bytes, lies: int) -> None:
        self.lies = lies
        self.bulk_calls = 0
        pool = urllib3.PoolManager()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if "/_bulk" in self.path:
                    proxy.bulk_calls += 1
                    if proxy.bulk_calls <= proxy.lies:
                        self.send_response(200)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("X-Elastic-Product", "Elasticsearch")
                        self.send_header("Content-Length", str(len(answer)))
                        self.end_headers()
                        self.wfile.write(answer)
                        return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                resp = pool.request(self.command, upstream + self.path, body=body, headers=headers,
                                    retries=False, decode_content=False)
                self.send_response(resp.status)
                for k, v in resp.headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(resp.data)))
                self.end_headers()
                self.wfile.write(resp.data)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _any

        self.server = LocalServer(Handler).start()
        self.url = self.server.url

    def close(self) -> None:
        self.server.stop()


@pytest.fixture
def lying(es_settings: EsSettings) -> Iterator[type[_LyingProxy]]:
    proxies: list[_LyingProxy] = []

    def make(answer: bytes, lies: int) -> _LyingProxy:
        proxies.append(_LyingProxy(es_settings.url, answer, lies))
        return proxies[-1]

    yield make  # type: ignore[misc]
    for p in proxies:
        p.close()


def _docs(ns: str, n: int) -> list[Entry]:
    return [Entry(data_stream("aws.vpcflow", ns), f"d{i}",
                  orjson.dumps({"@timestamp": "2026-11-20T00:00:00Z", "n": i}), 0) for i in range(n)]


@pytest.mark.parametrize("answer", [b"{}", b'{"errors":false}', b'{"errors":false,"items":[]}',
                                    b'{"errors":false,"items":[{"create":{"status":201}}]}', b"not json"])
def test_a_bulk_response_that_does_not_account_for_every_item_is_retried(
        es: Elasticsearch, es_settings: EsSettings, ns: str, lying, answer: bytes) -> None:
    """`200 {}` and other answers missing items are retryable failures: after them every item is stored."""
    install(es, ns)
    proxy = lying(answer, 2)
    client = connect(EsSettings(proxy.url, es_settings.username, es_settings.password))
    sink = ElasticsearchSink(client, Limits(max_docs=100, backoff_base=0.01, backoff_cap=0.05, retry_seconds=30))
    delivered = []
    for entry in _docs(ns, 5):
        delivered += sink.add(entry)
    delivered += sink.flush()
    sink.close()
    assert proxy.bulk_calls == 3
    assert [d.status for d in delivered] == [OK] * 5
    assert count(es, data_stream("aws.vpcflow", ns)) == 5


def test_a_bulk_response_that_always_lies_fails_the_batch(es: Elasticsearch, es_settings: EsSettings,
                                                          ns: str, lying) -> None:
    """A node that never accounts for the items fails the batch (uncommitted), never reports success."""
    install(es, ns)
    proxy = lying(b"{}", 10**9)
    client = connect(EsSettings(proxy.url, es_settings.username, es_settings.password))
    sink = ElasticsearchSink(client, Limits(backoff_base=0.01, backoff_cap=0.05, retry_seconds=1.0))
    for entry in _docs(ns, 3):
        sink.add(entry)
    with pytest.raises(SinkError, match="bad bulk response"):
        sink.flush()
    sink.close()


def _first_record(path: str) -> bytes:
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        return f.readline()


def _oversized(log_type: str) -> tuple[bytes, str]:
    """A real record of `log_type` with one keyword value far past any indexable length."""
    huge = "A" * 100_000
    if log_type == "waf":
        record = orjson.loads(_first_record("tests/normalizer/golden/waf/features.log"))
        record["httpRequest"]["headers"] = [{"name": "User-Agent", "value": huge}]
        return orjson.dumps(record) + b"\n", "user_agent"
    if log_type == "guardduty":
        finding = orjson.loads(_guardduty("gd-huge"))
        finding["title"] = huge
        return orjson.dumps(finding) + b"\n", "title"
    header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end " \
             "action log-status"
    line = f"2 123456789012 {huge} 10.0.0.1 10.0.0.2 1024 443 6 10 840 1763596800 1763596860 ACCEPT OK"
    return f"{header}\n{line}\n".encode(), "interface"


@pytest.mark.parametrize("log_type", ["waf", "guardduty", "vpcflow"])
def test_an_oversized_keyword_value_leaves_the_document_indexed(es: Elasticsearch, ns: str, log_type: str) -> None:
    """A 100 KB value is kept in _source but left out of the index; the document is not refused."""
    install(es, ns)
    data, needle = _oversized(log_type)
    results = _ship(es, ns, log_type, data)
    stream = data_stream(results[0].dataset, ns)
    assert len(results) == 1 and count(es, stream) == 1
    hit = es.search(index=stream, docvalue_fields=["_ignored"], query={"exists": {"field": "_ignored"}},
                    source=False, stored_fields=["_ignored"])["hits"]["hits"]
    assert len(hit) == 1 and any(needle in field for field in hit[0]["_ignored"])
