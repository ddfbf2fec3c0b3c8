"""Application logs end to end on the real node: a bucket with a Firehose-delivered CloudWatch Logs
subscription prefix and a JSON-lines prefix, each source with its app's map, shipped into the apps' streams."""
from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest
from elasticsearch import Elasticsearch

from shipper.templates import data_stream

from .conftest import count, dead, put, ship

T = 1796288400000  # 2026-12-03T09:00:00Z
SHOP_KEY = "firehose/shop/2026/12/03/09/shop-logs-1-2026-12-03-09-00-00-0b8e7d6c-5a4f-3e2d-9c1b-8a7f6e5d4c3b.gz"
BILLING_KEY = "apps/billing/2026/12/03/billing-0001.jsonl.gz"


def _envelope(kind: str, *events: dict) -> bytes:
    return gzip.compress(orjson.dumps({"messageType": kind, "owner": "123456789012", "logGroup": "/ecs/shop",
                                       "logStream": "web/1", "subscriptionFilters": ["to-firehose"],
                                       "logEvents": list(events)}))


def _event(n: int, message: str | dict) -> dict:
    text = message if isinstance(message, str) else orjson.dumps(message).decode()
    return {"id": f"{37 * 10**54 + n}", "timestamp": T + n * 1000, "message": text}


def _shop_object() -> bytes:
    """What Firehose writes for a subscription: gzip members run together, a control message among them."""
    hostile = {f"k{i}": {"v": i} for i in range(400)}  # many distinct keys: the mapping must not grow
    return b"".join((
        _envelope("DATA_MESSAGE",
                  _event(1, {"time": "2026-12-03T09:00:01Z", "msg": "login failed", "user": "alice", "ip": "203.0.113.9",
                             "result": "denied", "action": "user.login"}),
                  _event(2, {"time": "2026-12-03T09:00:02Z", "msg": "login ok", "user": "bob", "ip": "198.51.100.7",
                             "result": "ok", "action": "user.login", **hostile}),
                  _event(3, "plain text from the container")),
        _envelope("CONTROL_MESSAGE", _event(0, "CWL CONTROL MESSAGE: Checking health of destination Firehose.")),
        _envelope("DATA_MESSAGE", _event(4, {"time": "2026-12-03T09:00:04Z", "msg": "logout", "user": "bob",
                                             "action": "user.logout"})),
    ))


def _billing_object() -> bytes:
    lines = [orjson.dumps({"ts": T + i, "level": "info", "who": {"name": f"user{i}"}, "op": "invoice.create"})
             for i in range(3)]
    return gzip.compress(b"\n".join([*lines, b'{"ts": 1796288400000, "who": '] ) + b"\n")


CONFIG = """
sources:
  - url: s3://{bucket}/firehose/shop/
    applog:
      dataset: shop
      format: cloudwatch
      timestamp: time
      message: msg
      user: user
      source_ip: ip
      outcome: result
      rename: {{action: event.action}}
  - url: s3://{bucket}/apps/billing/
    applog:
      dataset: billing.api
      format: json
      timestamp: ts
      timestamp_format: epoch_ms
      level: level
      user: who.name
      rename: {{op: event.action}}
"""


def test_applog_objects_ship_into_their_apps_streams(es: Elasticsearch, es_env, ns: str, bucket: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    """Each prefix ships into its app's stream with the declared fields typed; the control message is a
    counted skip, the bad line a dead letter; a second run of the same objects creates nothing new."""
    put(bucket, {SHOP_KEY: _shop_object(), BILLING_KEY: _billing_object()})
    config = tmp_path / "ship.yml"
    config.write_text(CONFIG.format(bucket=bucket))
    status, summary = ship(ns, "--config", str(config), "--once", capsys=capsys)
    assert status == 1  # the billing object's last line is dead-lettered
    assert (summary["objects"], summary["indexed"], summary["skipped"], summary["deadlettered"]) == (2, 7, 1, 1)
    assert summary["unroutable"] == 0
    shop, billing = data_stream("shop", ns), data_stream("billing.api", ns)
    assert (count(es, shop), count(es, billing), dead(es, ns)) == (4, 3, 1)

    failed = es.search(index=shop, query={"bool": {"filter": [
        {"term": {"event.outcome": "failure"}}, {"term": {"user.name.caseless": "alice"}},
        {"term": {"source.ip": "203.0.113.0/24"}}]}})["hits"]["hits"]
    assert [h["_source"]["event"]["action"] for h in failed] == ["user.login"]
    assert failed[0]["_source"]["data_stream"] == {"type": "logs", "dataset": "shop", "namespace": ns}
    keyed = es.count(index=shop, query={"term": {"applog.fields.k7.v": "7"}})["count"]
    assert keyed == 1  # the app's own fields stay searchable by key, in one flattened field

    mapping = next(iter(es.indices.get_mapping(index=shop).body.values()))["mappings"]["properties"]
    assert mapping["source"]["properties"]["ip"]["type"] == "ip"
    assert mapping["applog"]["properties"]["fields"]["type"] == "flattened"
    assert set(mapping["applog"]["properties"]) == {"fields", "invalid"}  # 400 hostile keys added no field

    users = es.search(index=billing, query={"match_all": {}}, sort=[{"@timestamp": "asc"}])["hits"]["hits"]
    assert [h["_source"]["user"]["name"] for h in users] == ["user0", "user1", "user2"]
    assert users[0]["_source"]["@timestamp"] == "2026-12-03T09:00:00.000Z"

    # The same objects again (a fresh checkpoint): every document is a duplicate of itself.
    status, again = ship(ns, "--config", str(config), "--once", "--state-index", f"{ns}-state2", capsys=capsys)
    assert again["indexed"] == 0 and again["duplicates"] >= 7 and again["skipped"] == 1
    assert (count(es, shop), count(es, billing)) == (4, 3)
