"""`cloudsift deploy es`: what a cluster needs, compared with what it holds, as a list of changes.

Templates: the component and index templates of every dataset, the dead-letter and the alerts
stream (shipper/templates.py, stamped with the digest `cloudsift ship` checks, so the two agree on
what is current). The data streams themselves are created by their first document (the roles grant
`auto_configure`). Indices: the shipper's checkpoints and the detector's state. Roles and, on
request, credentials: through a RoleStore, the security API or a file realm.

A resource is current when every value we put is there as we put it (deploy/diff.py) and, for
templates, its digest matches: so a second run finds nothing to do and says "no changes".
"""
from __future__ import annotations

from typing import Protocol

from elasticsearch import Elasticsearch

from deploy import roles
from deploy.changes import Change
from deploy.diff import changed
from deploy.errors import refused
from deploy.roles import Names
from detection.detect.state import STATE_MAPPINGS as DETECTOR_STATE_MAPPINGS
from shipper import templates
from shipper.checkpoint import STATE_MAPPINGS


class RoleStore(Protocol):
    """Where role descriptors (and users' credentials) go: deploy/security.py or deploy/filerealm.py."""

    def where(self) -> str:
        """Where roles go, for the user."""

    def plan_roles(self, roles: dict[str, dict]) -> list[Change]:
        """The roles to create or update."""

    def plan_credentials(self, roles: dict[str, dict], users: dict[str, str]) -> list[Change]:
        """Credentials (user name → role name) to create: printed once when made."""


def template_changes(client: Elasticsearch, namespace: str) -> list[Change]:
    """Component templates first (index templates compose them), then index templates."""
    components, indices = templates.stamped_bodies(namespace)
    lenient = client.options(ignore_status=404)
    have_components = {t["name"]: t["component_template"] for t in refused(
        "read component templates", lambda: lenient.cluster.get_component_template(
            name=f"cloudsift-{namespace}@*").body).get("component_templates", [])}
    have_indices = {t["name"]: t["index_template"] for t in refused(
        "read index templates", lambda: lenient.indices.get_index_template(
            name=f"cloudsift-{namespace}-*").body).get("index_templates", [])}
    out = []
    for kind, wanted, have, put in (
        ("component template", components, have_components, client.cluster.put_component_template),
        ("index template", indices, have_indices, client.indices.put_index_template),
    ):
        for name, body in wanted.items():
            lines = changed(have.get(name), body)
            if name not in have or lines:
                out.append(Change(kind, name, name not in have, tuple(lines) if name in have else (),
                                  run=lambda kind=kind, put=put, name=name, body=body: refused(
                                      f"put {kind} {name}", lambda: put(name=name, **body))))
    return out


def index_changes(client: Elasticsearch, names: Names) -> list[Change]:
    """The state indices: created with their mappings, or given the fields they lack."""
    out = []
    lenient = client.options(ignore_status=404)
    for index, mappings in ((names.shipper_state, STATE_MAPPINGS),
                            (names.detector_state, DETECTOR_STATE_MAPPINGS)):
        found = refused(f"read index {index}", lambda index=index: lenient.indices.get_mapping(index=index).body)
        if index not in found:
            out.append(Change("index", index, True, run=lambda index=index, mappings=mappings: refused(
                f"create index {index}", lambda: client.indices.create(index=index, mappings=mappings))))
            continue
        lines = changed(found[index].get("mappings"), mappings)
        if lines:
            out.append(Change("index mapping", index, False, tuple(lines),
                              run=lambda index=index, mappings=mappings: refused(
                                  f"update the mapping of {index}",
                                  lambda: client.indices.put_mapping(index=index, **mappings))))
    return out


def plan(client: Elasticsearch, names: Names, store: RoleStore, credentials: bool = False) -> list[Change]:
    """Everything `deploy es` would do, in the order it must be done; `credentials`: a user or API
    key for each user of the system that has none."""
    wanted = roles.descriptors(names)
    # One name for the role and its user (or API key): what each is for reads the same everywhere.
    users = {name: name for name in (roles.role_name(user, names.namespace) for user in roles.USERS)}
    return [*template_changes(client, names.namespace), *index_changes(client, names),
            *store.plan_roles(wanted), *(store.plan_credentials(wanted, users) if credentials else [])]
