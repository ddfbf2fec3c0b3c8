"""Least-privilege roles for the three users of cloudsift, as data: Elasticsearch role descriptors.

The same descriptors go two ways (deploy/security.py, deploy/filerealm.py): PUT /_security/role/<name>
on a full cluster, or the node's file realm `roles.yml` where there is no role API (the local node).
Names carry the namespace, so one cluster can hold several deployments side by side.

- shipper: creates documents in its data streams and the dead-letter stream, and reads and writes its
  checkpoints; it can neither read the data nor delete anything. `monitor` (cluster health, reading
  template metadata) is what Elastic recommends for Beats writers too: `cloudsift ship` checks the
  cluster and that the templates are current before it sends.
- detector: reads the data, creates alerts, reads and writes its own state (which keeps it idempotent
  across restarts); it neither reads alerts back nor deletes or writes data, nor creates any index
  (`deploy es` creates its state index).
- analyst: reads data, dead letters and alerts; writes nothing. No cluster privilege: Kibana connects
  with its own user, and searches need none.
"""
from __future__ import annotations

from dataclasses import dataclass

from shipper.templates import (
    DETECTOR_STATE_INDEX,
    SHIPPER_STATE_INDEX,
    alerts_stream,
    check_namespace,
    data_stream,
    deadletter_stream,
)

SHIPPER, DETECTOR, ANALYST = "shipper", "detector", "analyst"
USERS = (SHIPPER, DETECTOR, ANALYST)


@dataclass(frozen=True, slots=True)
class Names:
    """The indices the roles grant on, for one namespace."""

    namespace: str
    shipper_state: str = SHIPPER_STATE_INDEX
    detector_state: str = DETECTOR_STATE_INDEX

    @property
    def data(self) -> str:
        """Every dataset's data stream of the namespace (one pattern: a new source needs no new role)."""
        return data_stream("*", self.namespace)


def role_name(user: str, namespace: str) -> str:
    """`cloudsift-shipper-default`: the role (and file-realm user, and API key) of `user` in `namespace`."""
    return f"cloudsift-{user}-{check_namespace(namespace)}"


def descriptors(names: Names) -> dict[str, dict]:
    """Role name → role descriptor (the body of PUT /_security/role/<name>, and a roles.yml entry)."""
    ns = names.namespace
    data, dead, alerts = names.data, deadletter_stream(ns), alerts_stream(ns)
    meta = {"managed_by": "cloudsift", "namespace": ns}
    return {
        role_name(SHIPPER, ns): {
            "description": "cloudsift ship: create documents in its data streams; no read, no delete",
            "cluster": ["monitor"],
            "indices": [
                # create_doc: op_type=create only (never overwrite); auto_configure: the first document
                # creates its data stream from the template `deploy es` installed.
                {"names": [data, dead], "privileges": ["create_doc", "auto_configure"]},
                # Checkpoints: read and index its own documents, create the index on first use.
                {"names": [names.shipper_state], "privileges": ["read", "index", "create_index"]},
            ],
            "metadata": {**meta, "user": SHIPPER},
        },
        role_name(DETECTOR, ns): {
            "description": "cloudsift detect: read the data, write alerts and its own state",
            "cluster": ["monitor"],
            "indices": [
                # Searches, points in time, aggregations: `read` is all they need.
                {"names": [data], "privileges": ["read"]},
                # Alerts are only created (a rerun's 409 says "written before"); the detector never reads
                # them back: the receipts in its state index are what keep it idempotent.
                {"names": [alerts], "privileges": ["create_doc", "auto_configure"]},
                # Its state: GETs and writes of its own documents; `deploy es` creates the index.
                {"names": [names.detector_state], "privileges": ["read", "index"]},
            ],
            "metadata": {**meta, "user": DETECTOR},
        },
        role_name(ANALYST, ns): {
            "description": "SOC analyst: read data, dead letters and alerts",
            "cluster": [],
            "indices": [{"names": [data, dead, alerts], "privileges": ["read", "view_index_metadata"]}],
            "metadata": {**meta, "user": ANALYST},
        },
    }
