"""Who acted and on what: actor.*, target.*, *.entity.id and related.entity for a CloudTrail event.

Follows Elastic's actor/target mapping: the actor is the caller's ARN (for AssumeRole, the
role session's issuer or the AWS service); targets come from per-API native paths
(cloudtrail_fields.TARGETS) and are sorted into user/host/service/generic kinds by ARN
resource type or id prefix. The path tables are compiled into tries once, so a record costs
one lookup per key it actually has.
"""
from __future__ import annotations

from typing import Any

from normalizer import cloudtrail_fields as table

Trie = dict[str, tuple[bool, "Trie | None"]]


def _trie(paths: tuple[str, ...]) -> Trie:
    """'a.b.c' paths → {'a': (False, {'b': (False, {'c': (True, None)})})}; True marks a value to take."""
    root: Trie = {}
    for path in paths:
        node = root
        *parents, leaf = path.split(".")
        for part in parents:
            take, child = node.get(part, (False, None))
            if child is None:
                child = {}
            node[part] = (take, child)
            node = child
        _, child = node.get(leaf, (False, None))
        node[leaf] = (True, child)
    return root


_IDENTITY = _trie(("accessKeyId", "arn", "userName", "sessionContext.sessionIssuer.arn",
                   "sessionContext.sessionIssuer.userName"))
_IDENTITY_CENTER = _trie(("onBehalfOf.identityStoreArn",))
_RESOURCES = _trie(("resources.ARN",))
_RELATED = {source: _trie(paths) for source, paths in table.RELATED.items()}
_TARGETS = {key: _trie(paths) for key, paths in table.TARGETS.items()}
HOSTS = _trie(table.HOSTS)
_USER_ARN_TYPES = frozenset({"user", "role", "assumed-role", "federated-user"})


def gather(obj: dict, trie: Trie, out: set[str]) -> None:
    """Add to `out` the non-empty strings (and integers) the trie's paths reach; a list of objects is walked."""
    for key, (take, child) in trie.items():
        value = obj.get(key)
        if value is None:
            continue
        if take:
            _take(value, out)
        if child is not None:
            if type(value) is dict:
                gather(value, child, out)
            elif type(value) is list:
                for item in value:
                    if type(item) is dict:  # lists of lists are not a shape AWS writes: not followed
                        gather(item, child, out)


def _take(value: Any, out: set[str]) -> None:
    kind = type(value)
    if kind is str:
        if value and value != "*":  # "*" (all instances) names no entity
            out.add(value)
    elif kind is int:
        out.add(str(value))
    elif kind is list:
        for item in value:
            if type(item) is str and item and item != "*":
                out.add(item)


def add_entities(event: dict, identity: dict, doc: dict, provider: Any, name: Any) -> None:
    """Write actor.*, target.*, user/host/service/entity ids and related.entity into `doc`."""
    related: set[str] = set()
    gather(identity, _IDENTITY, related)
    kind = identity.get("type")
    if kind == "IdentityCenterUser":
        gather(identity, _IDENTITY_CENTER, related)
    if "resources" in event:
        gather(event, _RESOURCES, related)
    if type(provider) is str:
        trie = _RELATED.get(provider)
        if trie is not None:
            gather(event, trie, related)
        if type(name) is str:
            trie = _TARGETS.get((provider, _api_name(provider, name)))
            if trie is not None:
                targets: set[str] = set()
                gather(event, trie, targets)
                if targets:
                    _classify_targets(doc, targets)
                    related |= targets
    actor = _actor(identity, kind, provider, name)
    if actor:
        _classify_actor(doc, actor, identity, kind)
    if related:
        doc.setdefault("related", {})["entity"] = sorted(related)


def _api_name(provider: str, name: str) -> str:
    # Lambda versions its API names: AddPermission20150331v2 is AddPermission.
    if provider == "lambda.amazonaws.com" and name[-1:].isdigit():
        return name.rstrip("v0123456789")
    return name


def _issuer_arn(identity: dict) -> Any:
    context = identity.get("sessionContext")
    issuer = context.get("sessionIssuer") if type(context) is dict else None
    return issuer.get("arn") if type(issuer) is dict else None


def _actor(identity: dict, kind: Any, provider: Any, name: Any) -> str | None:
    actor = identity.get("arn")
    if not actor:
        behalf = identity.get("onBehalfOf")
        actor = behalf.get("userId") if type(behalf) is dict else None
    if kind == "AWSService" and not actor:
        actor = identity.get("invokedBy")  # the service itself acted (Elastic: only for AssumeRole)
    elif name == "AssumeRole" and provider == "sts.amazonaws.com" and kind == "AssumedRole":
        actor = _issuer_arn(identity)
    return actor if type(actor) is str and actor else None


def _classify_actor(doc: dict, actor: str, identity: dict, kind: Any) -> None:
    doc["actor"] = {"entity": {"id": [actor]}}
    if kind == "AWSService":
        service = doc.setdefault("service", {})
        service["name"] = actor
        service["entity"] = {"id": [actor]}
    elif "/AWSServiceRoleFor" in actor or "/aws-service-role/" in actor:
        doc.setdefault("service", {})["entity"] = {"id": [actor]}
    elif kind in table.USER_IDENTITY_TYPES:
        # A role session acts as its role: the user entity is the session issuer when known.
        issuer = _issuer_arn(identity) if kind == "AssumedRole" else None
        entity = issuer if type(issuer) is str and issuer else actor
        doc.setdefault("user", {})["entity"] = {"id": [entity]}
    elif _arn_resource_type(actor) in _USER_ARN_TYPES:
        doc.setdefault("user", {})["entity"] = {"id": [actor]}
    elif _arn_resource_type(actor) in table.HOST_RESOURCE_TYPES or actor.startswith(table.HOST_ID_PREFIXES):
        doc.setdefault("host", {})["entity"] = {"id": [actor]}
    else:
        doc.setdefault("entity", {})["id"] = [actor]


def _classify_targets(doc: dict, targets: set[str]) -> None:
    ordered = sorted(targets)
    doc["target"] = {"entity": {"id": ordered}}
    kinds: dict[str, list[str]] = {}
    for target in ordered:
        kinds.setdefault(_target_kind(target), []).append(target)
    for kind, values in kinds.items():
        if kind == "entity":
            doc.setdefault("entity", {})["target"] = {"id": values}
        else:
            doc.setdefault(kind, {})["target"] = {"entity": {"id": values}}


def _target_kind(target: str) -> str:
    if target.startswith("arn:"):
        if "/AWSServiceRoleFor" in target or "/aws-service-role/" in target:
            return "service"
        resource_type = _arn_resource_type(target)
        if resource_type in table.USER_RESOURCE_TYPES:
            return "user"
        if resource_type in table.HOST_RESOURCE_TYPES:
            return "host"
        if resource_type in table.SERVICE_RESOURCE_TYPES or target.split(":", 3)[2:3] == ["s3"]:
            return "service"
        return "entity"
    if len(target) == 20 and target.startswith("AKIA"):
        return "user"
    if target.startswith(table.HOST_ID_PREFIXES):
        return "host"
    if target.startswith(table.SERVICE_ID_PREFIXES):
        return "service"
    return "entity"


def _arn_resource_type(arn: str) -> str | None:
    """'arn:aws:iam::1:role/x' → 'role'; 'arn:aws:secretsmanager:r:1:secret:x' → 'secret'."""
    parts = arn.split(":", 6)
    if len(parts) < 6:
        return None
    return parts[5].split("/", 1)[0]
