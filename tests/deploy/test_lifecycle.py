"""Full-cluster settings (deploy/lifecycle.py): the exact ILM and template bodies, chosen by version and license."""
from __future__ import annotations

import pytest
from elasticsearch import Elasticsearch

from deploy.lifecycle import ClusterInfo, Lifecycle, Plan, plan, policy_body, storage_settings
from shipper.templates import data_stream, install, template_bodies

SORT = {"index.sort.field": ["cloud.account.id", "event.action", "@timestamp"],
        "index.sort.order": ["asc", "asc", "desc"]}
STORED = {"index.mapping.source.mode": "stored"}


def test_default_policy_rolls_over_at_50gb_or_7_days_and_deletes_after_90() -> None:
    """The default policy: rollover by primary shard size and age, delete 90 days (CIS) after rollover."""
    assert policy_body(Lifecycle(), "default") == {"policy": {
        "_meta": {"managed_by": "cloudsift", "namespace": "default", "retention_days": 90},
        "phases": {
            "hot": {"min_age": "0ms", "actions": {"rollover": {"max_primary_shard_size": "50gb", "max_age": "7d"}}},
            "delete": {"min_age": "90d", "actions": {"delete": {}}},
        },
    }}


def test_retention_and_rollover_age_are_the_users() -> None:
    """A busy stream rolls over daily; the retention is whatever the user sets."""
    body = policy_body(Lifecycle(retention_days=400, rollover_days=1, max_primary_shard_gb=30), "prod")
    assert body["policy"]["phases"] == {
        "hot": {"min_age": "0ms", "actions": {"rollover": {"max_primary_shard_size": "30gb", "max_age": "1d"}}},
        "delete": {"min_age": "400d", "actions": {"delete": {}}},
    }


@pytest.mark.parametrize("kwargs", [{"retention_days": 0}, {"rollover_days": 3}, {"max_primary_shard_gb": 80}])
def test_lifecycle_refuses_values_outside_its_range(kwargs: dict) -> None:
    """No retention of zero days, no rollover age but 1 or 7 days, no shard past 50 GB."""
    with pytest.raises(ValueError):
        Lifecycle(**kwargs)


@pytest.mark.parametrize(("version", "license_type", "status", "settings", "synthetic"), [
    ("8.16.3", "platinum", "active", SORT, False),
    ("8.17.0", "basic", "active", {"index.mode": "logsdb", **SORT, **STORED}, False),
    ("9.2.8", "enterprise", "active", {"index.mode": "logsdb", **SORT}, True),
    ("9.2.8", "trial", "active", {"index.mode": "logsdb", **SORT}, True),
    ("9.2.8", "enterprise", "expired", {"index.mode": "logsdb", **SORT, **STORED}, False),
])
def test_storage_settings_follow_version_and_license(version: str, license_type: str, status: str, settings: dict,
                                                     synthetic: bool) -> None:
    """Sorted everywhere; logsdb from 8.17; synthetic _source only with an active enterprise or trial license,
    stored _source said outright otherwise."""
    cluster = ClusterInfo.parse(version, {"license": {"type": license_type, "status": status}}, ilm=True)
    assert storage_settings(cluster) == settings and cluster.synthetic_source is synthetic


def test_plan_for_a_full_cluster() -> None:
    """With ILM: the policy, the component naming it, and the storage component, each exactly."""
    cluster = ClusterInfo.parse("9.2.8", {"license": {"type": "basic", "status": "active"}}, ilm=True)
    assert plan(cluster, "prod", Lifecycle(retention_days=180)) == Plan(
        policies={"cloudsift-prod": policy_body(Lifecycle(retention_days=180), "prod")},
        components={
            "cloudsift-prod@storage": {"template": {"settings": {"index.mode": "logsdb", **SORT, **STORED}},
                                       "_meta": {"managed_by": "cloudsift", "namespace": "prod", "license": "basic",
                                                 "synthetic_source": False}},
            "cloudsift-prod@lifecycle": {"template": {"settings": {"index.lifecycle.name": "cloudsift-prod"}},
                                         "_meta": {"managed_by": "cloudsift", "namespace": "prod",
                                                   "retention_days": 180}},
        })


def test_plan_without_ilm_has_no_policy() -> None:
    """A cluster without ILM (the integ-test node) gets the storage settings only."""
    cluster = ClusterInfo.parse("9.2.8", {}, ilm=False)
    result = plan(cluster, "default")
    assert result.policies == {} and list(result.components) == ["cloudsift-default@storage"]


def test_unparseable_version_is_refused() -> None:
    """A version string that is not x.y.z is an error, not a guess."""
    with pytest.raises(ValueError, match="not an Elasticsearch version"):
        ClusterInfo.parse("nine", {}, ilm=True)


def test_templates_compose_both_components_and_tolerate_their_absence() -> None:
    """Dataset streams compose lifecycle and storage before the user's @custom; dead letters the lifecycle only."""
    _components, indices = template_bodies("default")
    flow = indices["cloudsift-default-aws.vpcflow"]
    assert flow["composed_of"] == ["cloudsift-default@mappings", "cloudsift-default@lifecycle",
                                   "cloudsift-default@storage", "cloudsift@custom"]
    assert flow["ignore_missing_component_templates"] == ["cloudsift-default@lifecycle", "cloudsift-default@storage",
                                                          "cloudsift@custom"]
    assert indices["cloudsift-default-deadletter"]["composed_of"] == ["cloudsift-default@lifecycle", "cloudsift@custom"]


def test_storage_settings_create_a_sorted_stream_on_a_real_node(es: Elasticsearch, ns: str) -> None:
    """The storage component of this node's plan, composed by our templates, gives a sorted backing index."""
    version = next(iter(es.nodes.info(node_id="_local", metric="_none").body["nodes"].values()))["version"]
    licence = es.options(ignore_status=(400, 404)).license.get().body
    cluster = ClusterInfo.parse(version, licence, ilm=False)
    for name, body in plan(cluster, ns).components.items():
        es.cluster.put_component_template(name=name, **body)
    install(es, ns)
    stream = data_stream("aws.vpcflow", ns)
    es.index(index=stream, op_type="create", refresh=True,
             document={"@timestamp": "2026-11-20T00:00:00Z", "cloud": {"account": {"id": "123456789012"}},
                       "event": {"action": "ACCEPT"}})
    settings = next(iter(es.indices.get_settings(index=stream).body.values()))["settings"]["index"]
    assert settings["sort"] == {"field": SORT["index.sort.field"], "order": SORT["index.sort.order"]}
    assert settings.get("mode", "standard") == storage_settings(cluster).get("index.mode", "standard")
    assert es.count(index=stream)["count"] == 1
