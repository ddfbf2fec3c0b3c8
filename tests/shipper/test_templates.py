"""Templates: one mapping everywhere, names that cannot collide with Elastic's AWS integration."""
from __future__ import annotations

from elasticsearch import Elasticsearch

from shipper import templates
from shipper.templates import PRIORITY, data_stream, install


def test_install_is_idempotent_and_namespaced(es: Elasticsearch, ns: str) -> None:
    """Installing twice gives the same templates, every name carrying the namespace."""
    first = install(es, ns)
    second = install(es, ns)
    assert first == second and all(ns in name for name in first)
    assert es.indices.get_index_template(name=f"cloudsift-{ns}-aws.vpcflow")["index_templates"]


def test_elastic_integration_template_does_not_capture_our_streams(es: Elasticsearch, ns: str) -> None:
    """With Elastic's `logs-aws.vpcflow-*` template (priority 200) present, our stream still gets ours."""
    elastic = f"{ns}-elastic-aws-vpcflow"
    es.indices.put_index_template(name=elastic, index_patterns=["logs-aws.vpcflow-*"], data_stream={}, priority=200,
                                  template={"settings": {"index.default_pipeline": "logs-aws.vpcflow-2.0.0"}})
    install(es, ns)
    resolved = es.indices.simulate_index_template(name=data_stream("aws.vpcflow", ns))
    assert elastic not in [t["name"] for t in resolved["overlapping"]] and PRIORITY > 200
    assert "default_pipeline" not in str(resolved["template"]["settings"])
    mappings = resolved["template"]["mappings"]
    assert mappings["dynamic"] == "false" and "caseless" in str(mappings["properties"]["event"])


def test_every_dataset_has_a_template() -> None:
    """Each event.dataset a normalizer writes has an index template for its data stream."""
    _, indices = templates.template_bodies("default")
    patterns = {p for body in indices.values() for p in body["index_patterns"]}
    assert {data_stream(d, "default") for d in templates.all_datasets()} <= patterns


def test_local_node_custom_template_is_the_one_streams_compose() -> None:
    """`cloudsift es start` puts the very component template our index templates compose (no replicas)."""
    from cloudsift.localnode import LOCAL_COMPONENT
    from shipper.templates import CUSTOM

    assert LOCAL_COMPONENT == CUSTOM
