"""The mappings derived from the field map are valid on a real node and keep Sigma's semantics."""
from __future__ import annotations

from elasticsearch import Elasticsearch

from normalizer.mapping import CASELESS, index_settings, mappings
from normalizer.registry import LOG_TYPES


def test_every_source_is_registered_with_its_contract() -> None:
    """Each log type has a dataset, a reader, a document builder and a non-empty field map; AWS's sources
    write aws.* datasets, application logs the dataset their map names (`applog` without one)."""
    assert set(LOG_TYPES) == {"cloudtrail", "vpcflow", "route53", "waf", "guardduty", "s3access", "securityhub", "applog"}
    for kind in LOG_TYPES.values():
        assert kind.datasets and all(d.startswith("aws.") for d in kind.datasets) != (kind.name == "applog")
        assert kind.fields and callable(kind.read) and callable(kind.document)


def test_union_mapping_creates_an_index(es: Elasticsearch, ns: str) -> None:
    """The mapping of all five sources together is accepted by Elasticsearch."""
    es.indices.create(index=f"{ns}-all", mappings=mappings(), settings=index_settings())
    props = es.indices.get_mapping(index=f"{ns}-all")[f"{ns}-all"]["mappings"]["properties"]
    assert props["source"]["properties"]["ip"]["type"] == "ip"


def test_keyword_fields_match_case_insensitively_through_caseless(es: Elasticsearch, ns: str) -> None:
    """`event.action` matches exactly; `event.action.caseless` matches any case."""
    index = f"{ns}-ci"
    es.indices.create(index=index, mappings=mappings(["cloudtrail"]), settings=index_settings())
    es.index(index=index, document={"event": {"action": "ConsoleLogin"}}, refresh=True)
    exact = es.count(index=index, query={"term": {"event.action": "consolelogin"}})["count"]
    caseless = es.count(index=index, query={"term": {f"event.action.{CASELESS}": "CONSOLELOGIN"}})["count"]
    assert (exact, caseless) == (0, 1)


def test_unknown_fields_do_not_grow_the_mapping(es: Elasticsearch, ns: str) -> None:
    """A document with fields outside the map is stored but adds nothing to the mapping."""
    index = f"{ns}-dyn"
    es.indices.create(index=index, mappings=mappings(["waf"]), settings=index_settings())
    before = es.indices.get_mapping(index=index)[index]["mappings"]
    es.index(index=index, document={"attacker": {f"k{i}": i for i in range(2000)}}, refresh=True)
    assert es.indices.get_mapping(index=index)[index]["mappings"] == before
