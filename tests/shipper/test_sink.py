"""The Elasticsearch sink: item classification, dead-lettering of refused documents, retry budget."""
from __future__ import annotations

import orjson
import pytest
from elasticsearch import Elasticsearch

from cloudsift.elastic import EsSettings
from shipper.errors import SinkError
from shipper.limits import Limits
from shipper.sink import DEAD, DUPLICATE, OK, ElasticsearchSink, Entry
from shipper.templates import data_stream, deadletter_stream, install

from .conftest import count


def _entry(ns: str, doc_id: str, doc: dict, ticket: int = 0) -> Entry:
    def make(reason: str) -> Entry:
        body = orjson.dumps({"@timestamp": "2026-11-20T00:00:00Z", "error": {"message": reason}})
        return Entry(deadletter_stream(ns), f"dl-{doc_id}", body, ticket, is_deadletter=True)
    return Entry(data_stream("aws.vpcflow", ns), doc_id, orjson.dumps(doc), ticket, make)


def test_items_are_classified_ok_duplicate_dead(es: Elasticsearch, ns: str) -> None:
    """New → ok, same id again → duplicate (409), refused by Elasticsearch → dead-lettered with the reason."""
    install(es, ns)
    sink = ElasticsearchSink(es, Limits(max_docs=10))
    good = {"@timestamp": "2026-11-20T00:00:00Z", "event": {"dataset": "aws.vpcflow"}}
    sink.add(_entry(ns, "a", good))
    first = sink.flush()
    sink.add(_entry(ns, "a", good))
    sink.add(_entry(ns, "b", {"event": {"dataset": "aws.vpcflow"}}))  # no @timestamp: a data stream refuses it
    second = sink.flush()
    sink.close()
    assert [d.status for d in first] == [OK]
    assert [d.status for d in second] == [DUPLICATE, DEAD] and "timestamp" in (second[1].reason or "")
    assert count(es, deadletter_stream(ns)) == 1


def test_batches_are_bounded_by_bytes(es: Elasticsearch, ns: str) -> None:
    """A batch is sent once its bytes reach the bound, before the count bound."""
    install(es, ns)
    sink = ElasticsearchSink(es, Limits(max_docs=1000, max_bytes=2048, max_inflight=1))
    doc = {"@timestamp": "2026-11-20T00:00:00Z", "message": "x" * 600}
    delivered = []
    for i in range(6):
        delivered += sink.add(_entry(ns, f"d{i}", doc))
    delivered += sink.flush()
    sink.close()
    assert len(delivered) == 6 and all(d.status == OK for d in delivered)


def test_unreachable_elasticsearch_fails_after_the_retry_budget(es_settings: EsSettings) -> None:
    """Connection errors are retried with backoff until the budget is spent, then the batch fails."""
    dead_client = Elasticsearch("http://127.0.0.1:9", basic_auth=(es_settings.username, es_settings.password))
    retries: list[str] = []
    sink = ElasticsearchSink(dead_client, Limits(retry_seconds=1.5, backoff_base=0.05, backoff_cap=0.2),
                             on_retry=retries.append)
    sink.add(_entry("x", "a", {"@timestamp": "2026-11-20T00:00:00Z"}))
    with pytest.raises(SinkError, match="gave up after"):
        sink.flush()
    sink.close()
    assert len(retries) >= 3 and "ConnectionError" in retries[0]
