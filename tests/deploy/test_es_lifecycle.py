"""`cloudsift deploy es` lifecycle and storage: a full cluster (the suite's node behind fullcluster.py, which
answers for ILM and the license) gets the exact policy and components once; the plain node gets storage only."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from cloudsift import localnode
from cloudsift.cli import main
from cloudsift.elastic import EsSettings
from shipper.templates import data_stream, deadletter_stream, install

from .fullcluster import STAND_IN, FullClusterProxy

SORT = {"field": ["cloud.account.id", "event.action", "@timestamp"], "order": ["asc", "asc", "desc"]}
SORTED = "sorted by cloud.account.id, event.action, @timestamp"
NO_ILM = "ILM: not available on this cluster — full-cluster feature, indices are kept until deleted"


@pytest.fixture
def full_cluster(es_settings: EsSettings, monkeypatch: pytest.MonkeyPatch) -> Iterator[FullClusterProxy]:
    """The suite's node as a full cluster under an enterprise license; `deploy es` reaches it by URL."""
    proxy = FullClusterProxy(es_settings.url, license_type="enterprise")
    monkeypatch.setenv("ELASTICSEARCH_USERNAME", es_settings.username or "")
    monkeypatch.setenv("ELASTICSEARCH_PASSWORD", es_settings.password or "")
    monkeypatch.delenv("ELASTICSEARCH_API_KEY", raising=False)
    yield proxy
    proxy.close()


def _deploy(capsys: pytest.CaptureFixture[str], ns: str, *args: str) -> tuple[int, list[str], list[str]]:
    """`deploy es` for `ns` with its own state indices, roles into the suite node's file realm: status, stdout, stderr."""
    realm = localnode.default_config().home / "config"
    status = main(["deploy", "es", "--namespace", ns, "--state-index", f"{ns}-state", "--detector-state-index",
                   f"{ns}-detector-state", "--file-realm", str(realm), *args])
    out = capsys.readouterr()
    return status, out.out.splitlines(), out.err.splitlines()


def _settings(client: Elasticsearch, stream: str) -> dict:
    """The index settings of the stream's (only) backing index."""
    return next(iter(client.indices.get_settings(index=stream).body.values()))["settings"]["index"]


def test_full_cluster_gets_the_policy_and_components_once(
        full_cluster: FullClusterProxy, ns: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The exact ILM policy (30 days asked) and both component templates go in first; a second run changes nothing."""
    status, out, err = _deploy(capsys, ns, "--es", full_cluster.url, "--retention-days", "30")
    assert status == 0
    ilm = f"ILM: policy cloudsift-{ns}: rollover at 50gb per primary shard or 7d, delete 30 days after rollover"
    assert err[1:] == [ilm, f"storage: logsdb index mode (synthetic _source, license enterprise), {SORTED}"]
    heads = [line for line in out if line.startswith("+ ")]
    assert heads[:2] == [f"+ ILM policy cloudsift-{ns}", f"+ component template cloudsift-{ns}@mappings"]
    assert {f"+ component template cloudsift-{ns}@lifecycle", f"+ component template cloudsift-{ns}@storage"} <= set(heads)
    meta = {"managed_by": "cloudsift", "namespace": ns}
    assert full_cluster.sent("PUT", f"/_ilm/policy/cloudsift-{ns}") == [{"policy": {
        "_meta": {**meta, "retention_days": 30},
        "phases": {
            "hot": {"min_age": "0ms", "actions": {"rollover": {"max_primary_shard_size": "50gb", "max_age": "7d"}}},
            "delete": {"min_age": "30d", "actions": {"delete": {}}},
        }}}]
    assert full_cluster.sent("PUT", f"/_component_template/cloudsift-{ns}@lifecycle") == [{
        "template": {"settings": {"index.lifecycle.name": f"cloudsift-{ns}"}}, "_meta": {**meta, "retention_days": 30}}]
    assert full_cluster.sent("PUT", f"/_component_template/cloudsift-{ns}@storage") == [{
        "template": {"settings": {"index.mode": "logsdb", "index.sort.field": SORT["field"],
                                  "index.sort.order": SORT["order"]}},
        "_meta": {**meta, "license": "enterprise", "synthetic_source": True}}]
    assert _deploy(capsys, ns, "--es", full_cluster.url, "--retention-days", "30")[:2] == (0, ["no changes"])
    assert full_cluster.policies[f"cloudsift-{ns}"]["version"] == 1


def test_streams_created_afterwards_carry_the_policy(full_cluster: FullClusterProxy, es: Elasticsearch,
                                                     es_settings: EsSettings, ns: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """After `deploy es`, a new dataset stream and the dead letters name the policy; the dataset stream is sorted logsdb."""
    assert _deploy(capsys, ns, "--es", full_cluster.url)[0] == 0
    client = Elasticsearch(full_cluster.url, basic_auth=(es_settings.username or "", es_settings.password or ""),
                           request_timeout=60)
    flows, dead = data_stream("aws.vpcflow", ns), deadletter_stream(ns)
    client.index(index=flows, op_type="create", refresh=True, document={
        "@timestamp": "2026-11-20T00:00:00Z", "cloud": {"account": {"id": "123456789012"}}, "event": {"action": "ACCEPT"}})
    client.index(index=dead, op_type="create", refresh=True, document={"@timestamp": "2026-11-20T00:00:00Z"})
    flow_settings = _settings(client, flows)
    assert flow_settings["lifecycle"] == {"name": f"cloudsift-{ns}"}
    assert flow_settings["mode"] == "logsdb" and flow_settings["sort"] == SORT
    assert _settings(client, dead)["lifecycle"] == {"name": f"cloudsift-{ns}"}
    # It is the node that composed the templates: its own backing index holds the policy's stand-in.
    assert _settings(es, flows)["routing"]["allocation"]["exclude"] == {STAND_IN.rsplit(".", 1)[1]: f"cloudsift-{ns}"}


def test_a_changed_retention_shows_as_a_diff(full_cluster: FullClusterProxy, ns: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A new --retention-days is an update of the policy and of its component; --dry-run puts nothing."""
    assert _deploy(capsys, ns, "--es", full_cluster.url)[0] == 0
    status, out, _ = _deploy(capsys, ns, "--es", full_cluster.url, "--retention-days", "400", "--dry-run")
    assert (status, out) == (0, [f"~ ILM policy cloudsift-{ns}", "    ~ _meta.retention_days: 90 → 400",
                                 "    ~ phases.delete.min_age: 90d → 400d",
                                 f"~ component template cloudsift-{ns}@lifecycle", "    ~ _meta.retention_days: 90 → 400",
                                 "dry run: 2 change(s) not applied"])
    assert full_cluster.policies[f"cloudsift-{ns}"]["version"] == 1
    assert _deploy(capsys, ns, "--es", full_cluster.url, "--retention-days", "400")[1][-1] == "applied 2 change(s)"
    policy = full_cluster.policies[f"cloudsift-{ns}"]
    assert policy["version"] == 2 and policy["policy"]["phases"]["delete"]["min_age"] == "400d"
    assert _deploy(capsys, ns, "--es", full_cluster.url, "--retention-days", "400")[1] == ["no changes"]


def test_plain_node_gets_storage_only(es: Elasticsearch, ns: str, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The local node (no ILM): the no-ILM line, no policy, a sorted logsdb stream with stored _source; then "no changes"."""
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    status, out, err = _deploy(capsys, ns)
    assert status == 0 and err[1:] == [NO_ILM, f"storage: logsdb index mode (stored _source, license basic), {SORTED}"]
    assert f"+ component template cloudsift-{ns}@storage" in out
    assert not any("ILM policy" in line or "@lifecycle" in line for line in out)
    assert _deploy(capsys, ns)[1] == ["no changes"]
    install(es, ns)  # what a shipper does first: finds the templates current
    stream = data_stream("aws.cloudtrail", ns)
    es.index(index=stream, op_type="create", refresh=True, document={"@timestamp": "2026-11-20T00:00:00Z"})
    settings = _settings(es, stream)
    assert settings["mode"] == "logsdb" and settings["sort"] == SORT and "lifecycle" not in settings
    assert settings["mapping"]["source"]["mode"] == "stored"
    assert es.search(index=stream)["hits"]["hits"][0]["_source"] == {"@timestamp": "2026-11-20T00:00:00Z"}


def test_ilm_refused_for_want_of_privilege_is_an_error(full_cluster: FullClusterProxy, ns: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A cluster whose ILM answers 403 is not "a cluster without ILM": one clear error line, exit 2, nothing put."""
    full_cluster.refuse_ilm = 403
    status, out, err = _deploy(capsys, ns, "--es", full_cluster.url)
    assert status == 2 and out == []
    assert err[-1].startswith("cloudsift: error: Elasticsearch refused to read the ILM status: HTTP 403")
    assert not [call for call in full_cluster.calls if call.method == "PUT"]


def test_ilm_switched_off_is_no_ilm(full_cluster: FullClusterProxy, ns: str, capsys: pytest.CaptureFixture[str]) -> None:
    """An ILM API answering 410 (not available on this deployment) is a cluster without ILM: storage only."""
    full_cluster.refuse_ilm = 410
    status, out, err = _deploy(capsys, ns, "--es", full_cluster.url)
    assert status == 0 and err[1] == NO_ILM
    assert f"+ component template cloudsift-{ns}@storage" in out and not any("ILM policy" in line for line in out)
    assert not [call for call in full_cluster.calls if call.path.startswith("/_ilm/policy")]
