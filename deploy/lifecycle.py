"""Full-cluster settings for our data streams: an ILM policy (rollover, then delete after the retention) and
the index mode and sort that shrink the disk, chosen from the cluster's version and license.

Pure: it builds request bodies and never talks to Elasticsearch; `cloudsift deploy es` (deploy/es.py)
reads the cluster (GET _license, the nodes' versions, whether ILM answers), calls `plan`, and puts what
it returns. The index templates already compose the two component templates named here
(`shipper.templates`), ignoring them when missing. The local node's integ-test distribution has no ILM:
there only the storage settings go in; the ILM path is tested through a proxy that answers as a full
cluster's ILM would (tests/deploy/test_es_lifecycle.py). See docs/deploy.md, "Lifecycle and storage".
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from shipper.templates import MANAGED_BY, check_namespace, lifecycle_component, storage_component

# CIS AWS Foundations asks for log retention of at least 90 days (in the hot tier, searchable).
DEFAULT_RETENTION_DAYS = 90
# Elastic's guidance: primary shards of 10-50 GB; a stream rolls over at the top of that range.
MAX_PRIMARY_SHARD_GB = 50
# Below this many days a small stream would leave a trail of tiny shards; above, the delete step
# (a whole backing index at a time) would overshoot the retention by more than a week.
ROLLOVER_DAYS = (1, 7)
# logsdb is generally available from 8.17; earlier clusters keep the standard mode, sorted.
LOGSDB_SINCE = (8, 17, 0)
# Synthetic _source (logsdb's large saving: _source is not stored) needs one of these licenses; on the
# others logsdb stores _source and still sorts and compresses doc values better.
SYNTHETIC_SOURCE_LICENSES = frozenset({"enterprise", "trial"})
# Sorted by account, then action, newest first: records of one account and one API call (or flow verdict)
# lie together, so their repeated values compress, and recent events of an account are read first.
SORT_FIELDS = ("cloud.account.id", "event.action", "@timestamp")
SORT_ORDER = ("asc", "asc", "desc")
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    """What the cluster says about itself: its lowest node version, its license, whether it has ILM."""

    version: tuple[int, int, int]
    license: str  # GET _license: license.type of an active license; "basic" otherwise
    ilm: bool  # ILM answers (the integ-test distribution has no such module)

    @classmethod
    def parse(cls, version: str, license_body: dict, *, ilm: bool) -> ClusterInfo:
        """From a node's version string (the lowest in the cluster) and the GET _license answer."""
        lic = license_body.get("license") if isinstance(license_body, dict) else None
        active = isinstance(lic, dict) and lic.get("status") == "active"
        kind = str(lic.get("type", "basic")).lower() if active and isinstance(lic, dict) else "basic"
        return cls(_version(version), kind, ilm)

    @property
    def logsdb(self) -> bool:
        """Whether the cluster offers the logsdb index mode."""
        return self.version >= LOGSDB_SINCE

    @property
    def synthetic_source(self) -> bool:
        """Whether logsdb there drops the stored _source (the license allows synthetic source)."""
        return self.logsdb and self.license in SYNTHETIC_SOURCE_LICENSES


def _version(version: str) -> tuple[int, int, int]:
    match = _VERSION.match(version)
    if match is None:
        raise ValueError(f"not an Elasticsearch version: {version!r}")
    return int(match[1]), int(match[2]), int(match[3])


def lowest_version(versions: list[str]) -> str:
    """The oldest of the nodes' versions (x.y.z…): what every node of the cluster understands."""
    if not versions:
        raise ValueError("the cluster listed no nodes")
    return min(versions, key=_version)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """How long our data stays and when a stream rolls over to a new backing index."""

    retention_days: int = DEFAULT_RETENTION_DAYS
    rollover_days: int = ROLLOVER_DAYS[1]
    max_primary_shard_gb: int = MAX_PRIMARY_SHARD_GB

    def __post_init__(self) -> None:
        if not 1 <= self.retention_days <= 36_500:
            raise ValueError(f"retention must be 1-36500 days, got {self.retention_days}")
        if self.rollover_days not in ROLLOVER_DAYS:
            raise ValueError(f"rollover age must be one of {ROLLOVER_DAYS} days, got {self.rollover_days}")
        if not 1 <= self.max_primary_shard_gb <= MAX_PRIMARY_SHARD_GB:
            raise ValueError(f"max primary shard size must be 1-{MAX_PRIMARY_SHARD_GB} GB")


@dataclass(frozen=True, slots=True)
class Plan:
    """What to put, in order: the ILM policy (if the cluster has ILM), then the component templates."""

    policies: dict[str, dict]  # name → PUT _ilm/policy/<name> body
    components: dict[str, dict]  # name → PUT _component_template/<name> body


def policy_name(namespace: str) -> str:
    """The ILM policy of a namespace's streams (one per namespace: each may keep its own retention)."""
    return f"cloudsift-{check_namespace(namespace)}"


def policy_body(lifecycle: Lifecycle, namespace: str) -> dict:
    """The ILM policy: roll over at the shard size or the age, delete a backing index `retention_days`
    after its rollover, so every document is kept at least that long (and at most rollover_days more)."""
    return {"policy": {
        "_meta": {"managed_by": MANAGED_BY, "namespace": namespace, "retention_days": lifecycle.retention_days},
        "phases": {
            "hot": {"min_age": "0ms", "actions": {"rollover": {
                "max_primary_shard_size": f"{lifecycle.max_primary_shard_gb}gb",
                "max_age": f"{lifecycle.rollover_days}d",
            }}},
            "delete": {"min_age": f"{lifecycle.retention_days}d", "actions": {"delete": {}}},
        },
    }}


def storage_settings(cluster: ClusterInfo) -> dict:
    """Index settings for the dataset streams on this cluster: logsdb where offered, sorted in either mode.

    Setting the mode ourselves matters from 9.0 too, where Elasticsearch would pick logsdb for any
    `logs-*-*` stream: with it comes its default sort on host.name, which AWS records rarely carry.
    """
    settings: dict = {"index.sort.field": list(SORT_FIELDS), "index.sort.order": list(SORT_ORDER)}
    if cluster.logsdb:
        settings = {"index.mode": "logsdb", **settings}
        if not cluster.synthetic_source:
            # Said outright rather than left to the license check: a node without that check (the
            # integ-test distribution) would synthesize _source, and documents read back would differ
            # (reformatted dates, reordered keys) from what a basic cluster returns.
            settings["index.mapping.source.mode"] = "stored"
    return settings


def plan(cluster: ClusterInfo, namespace: str, lifecycle: Lifecycle | None = None) -> Plan:
    """The ILM policy and component templates `deploy es` puts on this cluster for `namespace`."""
    lifecycle = lifecycle or Lifecycle()
    meta = {"managed_by": MANAGED_BY, "namespace": namespace}
    components = {storage_component(namespace): {
        "template": {"settings": storage_settings(cluster)},
        "_meta": {**meta, "license": cluster.license, "synthetic_source": cluster.synthetic_source},
    }}
    policies = {}
    if cluster.ilm:
        name = policy_name(namespace)
        policies[name] = policy_body(lifecycle, namespace)
        components[lifecycle_component(namespace)] = {
            "template": {"settings": {"index.lifecycle.name": name}},
            "_meta": {**meta, "retention_days": lifecycle.retention_days},
        }
    return Plan(policies, components)


def summary(cluster: ClusterInfo, namespace: str, lifecycle: Lifecycle | None = None) -> list[str]:
    """What `deploy es` tells the user about retention and storage on this cluster, one plain line each."""
    lifecycle = lifecycle or Lifecycle()
    if cluster.ilm:
        ilm = (f"ILM: policy {policy_name(namespace)}: rollover at {lifecycle.max_primary_shard_gb}gb per primary "
               f"shard or {lifecycle.rollover_days}d, delete {lifecycle.retention_days} days after rollover")
    else:
        ilm = "ILM: not available on this cluster — full-cluster feature, indices are kept until deleted"
    if cluster.logsdb:
        source = "synthetic" if cluster.synthetic_source else "stored"
        mode = f"logsdb index mode ({source} _source, license {cluster.license})"
    else:
        mode = "standard index mode (logsdb needs 8.17)"
    return [ilm, f"storage: {mode}, sorted by {', '.join(SORT_FIELDS)}"]
