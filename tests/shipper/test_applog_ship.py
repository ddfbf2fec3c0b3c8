"""Application logs end to end on the real node: a bucket with a Firehose-delivered CloudWatch Logs
subscription prefix and a JSON-lines prefix, each source with its app's map, shipped into the apps' streams."""
from __future__ import annotations

from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from shipper.templates import data_stream

from .applogs import BILLING_KEY, SHOP_KEY, billing_object, config, shop_object
from .conftest import count, dead, put, ship


def test_applog_objects_ship_into_their_apps_streams(es: Elasticsearch, es_env, ns: str, bucket: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    """Each prefix ships into its app's stream with the declared fields typed; the control message is a
    counted skip, the bad line a dead letter; a second run of the same objects creates nothing new."""
    put(bucket, {SHOP_KEY: shop_object(), BILLING_KEY: billing_object()})
    path = tmp_path / "ship.yml"
    path.write_text(config(bucket))
    status, summary = ship(ns, "--config", str(path), "--once", capsys=capsys)
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
    status, again = ship(ns, "--config", str(path), "--once", "--state-index", f"{ns}-state2", capsys=capsys)
    assert again["indexed"] == 0 and again["duplicates"] >= 7 and again["skipped"] == 1
    assert (count(es, shop), count(es, billing)) == (4, 3)
