"""Index names and templates: one data stream per dataset and namespace, plus dead-letter and alerts streams.

Data streams are `logs-<event.dataset>.cloudsift-<namespace>` (e.g. logs-aws.cloudtrail.cloudsift-default):
Elastic's AWS integration templates (`logs-aws.cloudtrail-*`, priority 200) cannot match them, so its
ingest pipelines never re-parse our documents, while the `logs-aws*` / `logs-*` patterns of Elastic's
prebuilt rules and Kibana's Security app still find them. Our templates name the exact stream at a
priority above Elastic's, and every template name carries the namespace. See docs/shipper.md.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson
from elasticsearch import ApiError, Elasticsearch

from normalizer.mapping import index_settings, mappings
from normalizer.registry import LOG_TYPES
from shipper.errors import ShipperError

# Above Elastic's integration templates (200) and Fleet's generic `logs` template (100).
PRIORITY = 250
MANAGED_BY = "cloudsift"
# The user's own settings for every cloudsift stream (Elastic's `logs@custom` convention): the local
# node's `es start` puts one with no replicas; a real cluster may put its own, or none.
CUSTOM = "cloudsift@custom"
# Elasticsearch's namespace rules, narrowed so a name never needs escaping or quoting anywhere.
_NAMESPACE = re.compile(r"[a-z0-9_]{1,80}")


def check_namespace(namespace: str) -> str:
    """The namespace, or a ShipperError saying what a namespace may contain."""
    if not _NAMESPACE.fullmatch(namespace):
        raise ShipperError(f"namespace {namespace!r} must be 1-80 characters of a-z, 0-9 and _")
    return namespace


def data_stream(dataset: str, namespace: str) -> str:
    """The data stream for documents of `dataset` (an event.dataset value) in `namespace`."""
    return f"logs-{dataset}.cloudsift-{namespace}"


DEADLETTER_DATASET = "cloudsift.deadletter"


def deadletter_stream(namespace: str) -> str:
    """The data stream for records that could not be normalized or indexed."""
    return f"logs-{DEADLETTER_DATASET}-{namespace}"


ALERTS_DATASET = "cloudsift.alerts"


def alerts_stream(namespace: str) -> str:
    """The data stream `cloudsift detect` writes its alerts to (docs/deploy.md lists their fields; detection/streams.py names it too)."""
    return f"logs-{ALERTS_DATASET}-{namespace}"


# Bucket-listing checkpoints (shipper/checkpoint.py), unless `state_index` names another index.
SHIPPER_STATE_INDEX = "cloudsift-state"
# The detector's own state (each rule's last completed window); one index for every namespace, as
# the shipper's checkpoints are (their documents name the namespace). `cloudsift deploy es` creates it.
DETECTOR_STATE_INDEX = "cloudsift-detector-state"


def stream_fields(dataset: str, namespace: str) -> dict[str, str]:
    """The `data_stream.*` of a stream's documents. `dataset` is the event.dataset (aws.cloudtrail), not
    the stream name's `aws.cloudtrail.cloudsift`: Kibana's Security app and Elastic's dashboards filter
    on the integration's dataset names, which the stream names deliberately avoid (see above)."""
    return {"type": "logs", "dataset": dataset, "namespace": namespace}


def _stream_mapping(dataset: str, namespace: str) -> dict:
    """`data_stream.*` as keywords (every document carries them). Elastic's integrations map them as
    constant_keyword, a module the integration-test distribution lacks; on one stream the two agree."""
    return {"properties": {"data_stream": {"properties": {
        name: {"type": "keyword"} for name in stream_fields(dataset, namespace)
    }}}}


def all_datasets() -> tuple[str, ...]:
    """Every event.dataset a registered log type writes."""
    return tuple(sorted({d for kind in LOG_TYPES.values() for d in kind.datasets}))


DEADLETTER_MAPPINGS: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "@timestamp": {"type": "date"},
        "error": {"properties": {"message": {"type": "text"}, "type": {"type": "keyword"}}},
        "event": {"properties": {"original": {"type": "keyword", "index": False, "doc_values": False},
                                 "dataset": {"type": "keyword"}, "kind": {"type": "keyword"},
                                 "ingested": {"type": "date"}}},
        "cloudsift": {"properties": {
            "log_type": {"type": "keyword"},
            "object": {"properties": {"bucket": {"type": "keyword"}, "key": {"type": "keyword"}}},
            "line": {"type": "long"},
            "offset": {"type": "long"},
            "stage": {"type": "keyword"},  # normalize | index | route
        }},
    },
}


_KEYWORD = {"type": "keyword", "ignore_above": 1024}
_REFERENCE = {"properties": {"id": _KEYWORD, "name": _KEYWORD, "reference": _KEYWORD}}
# What an alert says about itself, on top of the ECS mappings of the data (its copied key fields are typed as
# in the data streams). rule.* and threat.* follow ECS; Kibana's alert documents name severity and risk score
# `kibana.alert.*` (ECS has `event.risk_score`): alerts carry both; cloudsift.alert.* is the detector's own.
ALERTS_MAPPINGS = {"properties": {
    "event": {"properties": {"risk_score": {"type": "float"}}},
    "rule": {"properties": {name: _KEYWORD for name in (
        "id", "uuid", "name", "description", "category", "ruleset", "version", "reference", "author", "license")}},
    "threat": {"properties": {
        "framework": _KEYWORD,
        "tactic": _REFERENCE,
        "technique": {"properties": {**_REFERENCE["properties"], "subtechnique": _REFERENCE}},
    }},
    "kibana": {"properties": {"alert": {"properties": {
        "severity": _KEYWORD, "risk_score": {"type": "float"}, "uuid": _KEYWORD, "reason": {"type": "text"},
        "original_time": {"type": "date"}, "workflow_status": _KEYWORD,
        "rule": {"properties": {"rule_id": _KEYWORD, "name": _KEYWORD}},
    }}}},
    "cloudsift": {"properties": {
        "matched": {"properties": {"ids": _KEYWORD, "index": _KEYWORD}},
        "alert": {"properties": {
            "id": _KEYWORD, "kind": _KEYWORD, "severity": _KEYWORD, "risk_score": {"type": "float"},
            "original_time": {"type": "date"}, "value": {"type": "long"},
            "window": {"properties": {"start": {"type": "date"}, "end": {"type": "date"}}},
            "search_window": {"properties": {"start": {"type": "date"}, "end": {"type": "date"}}},
            "group": {"type": "flattened"},
            "matched": {"properties": {"ids": _KEYWORD, "indices": _KEYWORD, "streams": _KEYWORD,
                                       "count": {"type": "long"}}},
        }},
    }},
}}


def lifecycle_component(namespace: str) -> str:
    """The component template naming the ILM policy of a namespace's streams: `deploy es` puts it on a full
    cluster (deploy/lifecycle.py); the local node has no ILM, and no such template."""
    return f"cloudsift-{namespace}@lifecycle"


def storage_component(namespace: str) -> str:
    """The component template with the index mode and sort of a namespace's dataset streams (full cluster)."""
    return f"cloudsift-{namespace}@storage"


def _names(namespace: str) -> dict[str, str]:
    return {
        "mappings": f"cloudsift-{namespace}@mappings",
        "lifecycle": lifecycle_component(namespace),
        "storage": storage_component(namespace),
        "deadletter": f"cloudsift-{namespace}-deadletter",
        "alerts": f"cloudsift-{namespace}-alerts",
    }


def template_bodies(namespace: str, apps: tuple[str, ...] = ()) -> tuple[dict[str, dict], dict[str, dict]]:
    """(component templates, index templates) by name, for every dataset, the configured applications'
    datasets (`apps`, validated by shipper.config) and the dead-letter stream."""
    check_namespace(namespace)
    names = _names(namespace)
    meta = {"managed_by": MANAGED_BY, "namespace": namespace}
    # The field limit travels with the mappings: a component template is validated on its own.
    body = mappings()
    components = {
        names["mappings"]: {"template": {"mappings": body,
                                         "settings": index_settings()},
                            "_meta": meta},
    }
    indices = {
        f"cloudsift-{namespace}-{dataset}": {
            "index_patterns": [data_stream(dataset, namespace)],
            "data_stream": {},
            "template": {"mappings": _stream_mapping(dataset, namespace)},
            # Full-cluster settings (absent on the local node) come before the user's own, which win.
            "composed_of": [names["mappings"], names["lifecycle"], names["storage"], CUSTOM],
            "ignore_missing_component_templates": [names["lifecycle"], names["storage"], CUSTOM],
            "priority": PRIORITY,
            "_meta": {**meta, "dataset": dataset},
        }
        for dataset in sorted({*all_datasets(), *apps})
    }
    indices[names["deadletter"]] = {
        "index_patterns": [deadletter_stream(namespace)],
        "data_stream": {},
        "template": {"mappings": {**DEADLETTER_MAPPINGS, "properties": {
            **DEADLETTER_MAPPINGS["properties"], **_stream_mapping(DEADLETTER_DATASET, namespace)["properties"]}}},
        # The retention holds for dead letters too; the storage settings sort on fields they do not map.
        "composed_of": [names["lifecycle"], CUSTOM],
        "ignore_missing_component_templates": [names["lifecycle"], CUSTOM],
        "priority": PRIORITY,
        "_meta": {**meta, "dataset": DEADLETTER_DATASET},
    }
    indices[names["alerts"]] = {
        "index_patterns": [alerts_stream(namespace)],
        "data_stream": {},
        "template": {"mappings": {"properties": {
            **ALERTS_MAPPINGS["properties"], **_stream_mapping(ALERTS_DATASET, namespace)["properties"]}}},
        "composed_of": [names["mappings"], CUSTOM],
        "ignore_missing_component_templates": [CUSTOM],
        "priority": PRIORITY,
        "_meta": {**meta, "dataset": ALERTS_DATASET},
    }
    return components, indices


def stamped_bodies(namespace: str, apps: tuple[str, ...] = ()) -> tuple[dict[str, dict], dict[str, dict]]:
    """`template_bodies` with one digest of them all in every `_meta`: what `install` and
    `cloudsift deploy es` put, so either sees the other's templates as current."""
    components, indices = template_bodies(namespace, apps)
    digest = hashlib.blake2b(orjson.dumps([components, indices], option=orjson.OPT_SORT_KEYS),
                             digest_size=12).hexdigest()
    for body in [*components.values(), *indices.values()]:
        body["_meta"]["digest"] = digest
    return components, indices


def install(client: Elasticsearch, namespace: str, apps: tuple[str, ...] = ()) -> list[str]:
    """Put every template (with those of the applications' datasets `apps`) unless all are there with
    the same content (one GET); the names.

    The GET needs the `monitor` cluster privilege only, so a least-privilege shipper (see
    deploy/roles.py) goes on when `cloudsift deploy es` installed the templates already.
    """
    components, indices = stamped_bodies(namespace, apps)
    digest = next(iter(indices.values()))["_meta"]["digest"]
    if _installed(client, namespace, digest) == set(indices):
        return [*components, *indices]
    for name, body in [*components.items(), *indices.items()]:
        try:
            if name in components:
                client.cluster.put_component_template(name=name, **body)
            else:
                client.indices.put_index_template(name=name, **body)
        except ApiError as exc:
            hint = (": this user may not install templates; run `cloudsift deploy es` as an administrator"
                    if exc.meta.status == 403 else "")
            raise ShipperError(f"Elasticsearch refused the template: HTTP {exc.meta.status} {_root_cause(exc)}{hint}",
                               where=f"template {name}") from None
    return [*components, *indices]


def ignored_since(client: Elasticsearch, namespace: str, since: str) -> int:
    """Documents ingested since `since` (ISO time) that hold a value too long to index (kept in _source,
    left out of the index: `ignore_above`); Elasticsearch lists such fields in `_ignored`."""
    query = {"bool": {"filter": [{"exists": {"field": "_ignored"}}, {"range": {"event.ingested": {"gte": since}}}]}}
    found = client.options(ignore_status=404).count(index=data_stream("*", namespace), query=query,
                                                    ignore_unavailable=True, allow_no_indices=True)
    return int(found.body.get("count", 0))


def _installed(client: Elasticsearch, namespace: str, digest: str) -> set[str]:
    """Names of this namespace's index templates already carrying `digest`."""
    found = client.options(ignore_status=404).indices.get_index_template(name=f"cloudsift-{namespace}-*")
    return {t["name"] for t in found.body.get("index_templates", [])
            if t["index_template"].get("_meta", {}).get("digest") == digest}


def _root_cause(exc: ApiError) -> str:
    error = exc.body.get("error") if isinstance(exc.body, dict) else None
    while isinstance(error, dict) and isinstance(error.get("caused_by"), dict):
        error = error["caused_by"]
    return str(error.get("reason") if isinstance(error, dict) else exc.message)
