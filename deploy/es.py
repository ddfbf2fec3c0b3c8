"""`cloudsift deploy es`: what a cluster needs, compared with what it holds, as a list of changes.

Templates: the component and index templates of every dataset (and of the application datasets a
`cloudsift ship` config declares), the dead-letter and the alerts stream (shipper/templates.py, stamped
with the digest `cloudsift ship` checks, over the same set, so the two agree on what is current). The
data streams themselves are created by their first document (the roles grant `auto_configure`).
Indices: the shipper's checkpoints and the detector's state. Roles and, on request, credentials:
through a RoleStore, the security API or a file realm.

Lifecycle and storage (deploy/lifecycle.py): from the cluster's lowest node version, its license and
whether it has ILM, an ILM policy per namespace and the `@lifecycle` / `@storage` component templates the
dataset templates compose; without ILM (the local integ-test node) the storage settings only.

A resource is current when every value we put is there as we put it (deploy/diff.py) and, for
templates, its digest matches: so a second run finds nothing to do and says "no changes".
"""
from __future__ import annotations

from typing import Protocol

from elasticsearch import Elasticsearch

from deploy import lifecycle, roles
from deploy.changes import Change
from deploy.diff import changed
from deploy.errors import DeployError, refused
from deploy.lifecycle import ClusterInfo, Lifecycle
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


def cluster_info(client: Elasticsearch) -> ClusterInfo:
    """What lifecycle.plan needs to know: the lowest node version, the license, whether ILM answers."""
    nodes = refused("read the nodes' versions", lambda: client.nodes.info(node_id="_all", metric="_none").body)
    versions = [str(node.get("version", "")) for node in nodes.get("nodes", {}).values()]
    # A cluster without the license endpoint (404) has no license to grant anything: basic.
    licence = refused("read the license", lambda: client.options(ignore_status=404).license.get().body)
    try:
        return ClusterInfo.parse(lifecycle.lowest_version(versions), licence, ilm=has_ilm(client))
    except ValueError as exc:
        raise DeployError(f"cannot tell what this cluster offers: {exc}") from None


def has_ilm(client: Elasticsearch) -> bool:
    """Whether the cluster runs ILM, from GET _ilm/status: an answer means yes; no route for it (the
    integ-test distribution: HTTP 400 "no handler found") or an API switched off (HTTP 410) means no.
    Anything else (403 for want of `read_ilm`, 5xx) is an error, not a "no"."""
    lenient = client.options(ignore_status=(400, 404, 410))
    answer = refused("read the ILM status", lambda: lenient.ilm.get_status())
    status, body = answer.meta.status, answer.body
    if status == 200:
        return isinstance(body, dict) and "operation_mode" in body
    error = body.get("error") if isinstance(body, dict) else body
    if status == 410 or (not isinstance(error, dict) and "no handler found" in str(error)):
        return False
    reason = error.get("reason") if isinstance(error, dict) else error
    raise DeployError(f"Elasticsearch refused to read the ILM status: HTTP {status} {reason}")


def policy_changes(client: Elasticsearch, policies: dict[str, dict]) -> list[Change]:
    """The ILM policies to create or update (PUT _ilm/policy replaces a policy, raising its version)."""
    out = []
    lenient = client.options(ignore_status=404)
    for name, body in policies.items():
        found = refused(f"read ILM policy {name}", lambda name=name: lenient.ilm.get_lifecycle(name=name).body)
        have = found.get(name, {}).get("policy") if isinstance(found.get(name), dict) else None
        lines = changed(have, body["policy"])
        if have is None or lines:
            out.append(Change("ILM policy", name, have is None, tuple(lines) if have is not None else (),
                              run=lambda name=name, body=body: refused(
                                  f"put ILM policy {name}", lambda: client.ilm.put_lifecycle(name=name, **body))))
    return out


def template_changes(client: Elasticsearch, namespace: str, extra: dict[str, dict] | None = None,
                     apps: tuple[str, ...] = ()) -> list[Change]:
    """Component templates first (index templates compose them), then index templates; `extra`: the
    lifecycle and storage components of this cluster, put after ours and before the index templates;
    `apps`: the datasets of the applications a `cloudsift ship` config declares (Settings.applog_datasets)."""
    components, indices = templates.stamped_bodies(namespace, apps)
    components = {**components, **(extra or {})}
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


def plan(client: Elasticsearch, names: Names, store: RoleStore, cluster: ClusterInfo,
         retention: Lifecycle | None = None, credentials: bool = False, apps: tuple[str, ...] = ()) -> list[Change]:
    """Everything `deploy es` would do, in the order it must be done: ILM policies before the templates
    naming them; `credentials`: a user or API key for each user of the system that has none; `apps`: the
    application datasets whose streams get templates too."""
    wanted = roles.descriptors(names)
    # One name for the role and its user (or API key): what each is for reads the same everywhere.
    users = {name: name for name in (roles.role_name(user, names.namespace) for user in roles.USERS)}
    settings = lifecycle.plan(cluster, names.namespace, retention)
    return [*policy_changes(client, settings.policies),
            *template_changes(client, names.namespace, settings.components, apps), *index_changes(client, names),
            *store.plan_roles(wanted), *(store.plan_credentials(wanted, users) if credentials else [])]
