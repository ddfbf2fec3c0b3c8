"""AWS CloudTrail → ECS, matching Elastic's AWS integration (see docs/fields/cloudtrail.md).

Plain copies run the field map (cloudtrail_fields.COPIED, compiled once by copier);
what combines or converts values is below. Values are hostile input: anything Elasticsearch
would refuse raises a NormalizationError naming the native field.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from normalizer import cloudtrail_fields as table
from normalizer.cloudtrail_entities import HOSTS, add_entities, gather
from normalizer.cloudtrail_objects import prune, prune_render
from normalizer.cloudtrail_reader import read_records
from normalizer.cloudtrail_useragent import parse as parse_user_agent
from normalizer.converters import FLATTENED_MAX_DEPTH, Conventions, converters, is_ip
from normalizer.copier import compile_copier
from normalizer.document import section
from normalizer.errors import NormalizationError
from normalizer.ids import hashed_id
from normalizer.jsonlines import parse_object
from normalizer.records import RawRecord, Skipped
from normalizer.timestamps import from_iso

DATASETS: tuple[str, ...] = ("aws.cloudtrail",)
FIELDS = table.FIELDS

# Elastic keeps the flattened copy only below Lucene's term limit, and within the flattened
# type's nesting limit (converters.FLATTENED_MAX_DEPTH).
_MAX_OBJECT_CHARS = 32766
_MAX_EVENT_ID = 128
_ROLE_TYPES = ("AssumedRole", "FederatedUser")
_SIGNIN_RESULTS = {"success": "success", "failure": "failure"}
_RESOURCE_KEYS = {"ARN": "arn", "accountId": "account_id"}
_OTHER_OBJECTS = (("insightDetails", "insight_details"), ("edgeDeviceDetails", "edge_device_details"))
_MAX_CACHED_TIMES = 100_000
_TIMES: dict[str, str] = {}

# In CloudTrail "-" is a value like any other; only null and "" are absent.
CONVENTIONS = Conventions(dash_is_absent=False)
_keyword = converters(CONVENTIONS)["keyword"]
_copy = compile_copier(table.COPIED, CONVENTIONS, name="cloudtrail")
# Every top-level native key the normalizer reads; any other is kept in flattened.unmapped.
_KNOWN = frozenset({f.native.split(".")[0] for f in FIELDS if f.native})


def read(stream: BinaryIO, source: str) -> Iterator[RawRecord | Skipped | NormalizationError]:
    """Split a decompressed CloudTrail object (S3 Records file, NDJSON, digest) into raw records."""
    return read_records(stream, source)


def doc_id(doc: dict, record: RawRecord) -> str:
    """CloudTrail's eventID (one event delivered twice is one document), else a hash of its place."""
    event_id = doc.get("event", {}).get("id")
    if type(event_id) is str and 0 < len(event_id) <= _MAX_EVENT_ID:
        return event_id
    return hashed_id(record.source, record.offset, record.line)


def normalize(record: RawRecord, original: bool = False) -> dict:
    """One CloudTrail event (or an EventBridge envelope of one) → an ECS document."""
    event = _event(record)
    doc: dict[str, Any] = {}
    _copy(event, doc)
    ct = section(doc, ("aws", "cloudtrail"))
    ecs = section(doc, ("event",))
    ecs["kind"] = "event"
    ecs["dataset"] = "aws.cloudtrail"
    name = ecs.get("action")
    provider = ecs.get("provider")
    identity = event.get("userIdentity")
    if type(identity) is not dict:
        identity = {}

    when = event.get("eventTime")
    if when is not None:
        doc["@timestamp"] = _time(when, "eventTime")
    _objects(event, ct)
    _identity(identity, doc, ct)
    _cloud(doc, provider, ct)
    _source_and_agent(doc, ct)
    _resources(event, ct)
    _outcome(event, ecs, name, provider)
    found = table.CATEGORIES.get(name) if type(name) is str else None
    if found is None:
        ecs["type"] = ["info"]
    else:
        ecs["category"] = list(found[0])
        ecs["type"] = list(found[1])
    if name == "ConsoleLogin":
        _console_login(event, ct)
    management = event.get("managementEvent")
    if management is not None:
        value = _keyword(management, "managementEvent")
        if value is not None:
            ct["management_event"] = value
    add_entities(event, identity, doc, provider, name)
    _users(event, identity, doc)
    _unmapped(event, ct)
    if not ct:
        del doc["aws"]
    if original:
        ecs["original"] = record.text
    return doc


def _event(record: RawRecord) -> dict:
    data: Any = parse_object(record)
    if "detail-type" in data and "detail" in data:  # EventBridge delivers the event in `detail`
        data = data["detail"]
        if type(data) is not dict:
            raise NormalizationError("EventBridge detail is not an object", field="detail")
    if "eventVersion" not in data and "eventTime" not in data and "eventName" not in data:
        raise NormalizationError("not a CloudTrail event (no eventVersion, eventTime or eventName)",
                                 field="eventVersion")
    return data


def _time(value: Any, field: str) -> str:
    """ISO 8601 → UTC with milliseconds; cached, since a file's events share few distinct seconds."""
    if type(value) is str:
        cached = _TIMES.get(value)
        if cached is not None:
            return cached
    converted = from_iso(value, field)
    if len(_TIMES) >= _MAX_CACHED_TIMES:
        _TIMES.clear()
    _TIMES[value] = converted
    return converted


def _objects(event: dict, ct: dict) -> None:
    """requestParameters & co: Elastic's string form, plus the object in a flattened field."""
    flattened = None
    for native, name in table.OBJECTS:
        value = event.get(native)
        if value is None:
            continue
        rendered = prune_render(value, native)
        if rendered is None:
            continue
        pruned, text = rendered
        ct[name] = text
        if len(text) < _MAX_OBJECT_CHARS and _shallow(pruned, text):
            if flattened is None:
                flattened = ct["flattened"] = {}
            flattened[name] = pruned
    for native, name in _OTHER_OBJECTS:
        value = event.get(native)
        if value is not None:
            value = prune(value, native)
            if value is not None and _shallow(value, None):
                ct.setdefault("flattened", {})[name] = value


def _shallow(value: Any, text: str | None) -> bool:
    """True when `value` nests no deeper than a flattened field accepts."""
    if text is not None and text.count("{") + text.count("[") <= FLATTENED_MAX_DEPTH:
        return True  # cheap bound: it cannot be deeper than its number of openings
    return _depth(value) <= FLATTENED_MAX_DEPTH


def _depth(value: Any) -> int:
    if type(value) is dict:
        return 1 + max(map(_depth, value.values()), default=0)
    if type(value) is list:
        return 1 + max(map(_depth, value), default=0)
    return 0


def _identity(identity: dict, doc: dict, ct: dict) -> None:
    """userIdentity values that depend on its type, or need converting."""
    kind = identity.get("type")
    context = identity.get("sessionContext")
    if type(context) is dict:
        if kind in _ROLE_TYPES:  # a role session's user.name is its role's
            issuer = context.get("sessionIssuer")
            issuer_name = issuer.get("userName") if type(issuer) is dict else None
            if type(issuer_name) is str and issuer_name:
                section(doc, ("user",))["name"] = issuer_name
        attributes = context.get("attributes")
        created = attributes.get("creationDate") if type(attributes) is dict else None
        if created is not None:
            try:
                created = _time(created, "userIdentity.sessionContext.attributes.creationDate")
            except NormalizationError:
                pass  # not the event's time: a malformed one is left out (as Elastic does), not fatal
            else:
                section(ct, ("user_identity", "session_context"))["creation_date"] = created
        federation = context.get("webIdFederationData")
        if type(federation) is dict and federation.get("attributes") is not None:
            value = prune(federation["attributes"], "userIdentity.sessionContext.webIdFederationData.attributes")
            if value is not None and _shallow(value, None):
                section(ct, ("user_identity", "session_context", "web_id_federation_data"))["attributes"] = value
    if kind == "IdentityCenterUser" and not doc.get("user", {}).get("id"):
        behalf = identity.get("onBehalfOf")
        user_id = behalf.get("userId") if type(behalf) is dict else None
        if type(user_id) is str and user_id:
            section(doc, ("user",))["id"] = user_id


def _cloud(doc: dict, provider: Any, ct: dict) -> None:
    cloud = section(doc, ("cloud",))
    cloud["provider"] = "aws"
    if "account" not in cloud and "recipient_account_id" in ct:
        cloud["account"] = {"id": ct["recipient_account_id"]}
    if type(provider) is str and provider.endswith(".amazonaws.com"):
        cloud["service"] = {"name": provider.partition(".")[0]}


def _source_and_agent(doc: dict, ct: dict) -> None:
    source = doc.get("source")
    if source is not None:
        address = source.get("address")
        if address and is_ip(address):
            source["ip"] = address
            doc.setdefault("related", {})["ip"] = [address]
    agent = doc.get("user_agent")
    if agent is not None:
        agent.update(parse_user_agent(agent["original"]))
    tls_details = ct.get("tls_details")
    tls_version = tls_details.get("tls_version") if tls_details else None
    if tls_version:
        protocol, sep, number = tls_version.partition("v")  # "TLSv1.3" → tls, 1.3
        if sep:
            tls = doc.setdefault("tls", {})
            tls["version_protocol"] = protocol.lower()
            tls["version"] = number


def _resources(event: dict, ct: dict) -> None:
    """resources: ARN → arn, accountId → account_id; exact duplicates dropped (as Elastic does)."""
    resources = event.get("resources")
    if resources is None:
        return
    if type(resources) is not list:
        raise NormalizationError("expected a list", field="resources")
    unique: dict[tuple, dict] = {}
    for resource in resources:
        if type(resource) is not dict:
            continue
        out = {}
        for key, value in resource.items():
            value = _keyword(value, f"resources.{key}")
            if value is not None:
                out[_RESOURCE_KEYS.get(key, key)] = value
        if out:
            unique.setdefault((out.get("arn"), out.get("account_id"), out.get("type")), out)
    if unique:
        ct["resources"] = list(unique.values())


def _outcome(event: dict, ecs: dict, name: Any, provider: Any) -> None:
    """failure when AWS reports an error; a console sign-in step reports its own result."""
    outcome = "failure" if event.get("errorCode") or event.get("errorMessage") else "success"
    if provider == "signin.amazonaws.com" and type(name) is str:
        responses = event.get("responseElements")
        result = responses.get(name) if type(responses) is dict else None  # {"ConsoleLogin": "Failure"}
        if type(result) is str:
            outcome = _SIGNIN_RESULTS.get(result.lower(), "unknown")
    ecs["outcome"] = outcome


def _console_login(event: dict, ct: dict) -> None:
    """ConsoleLogin's additionalEventData as typed fields (MFAUsed, MobileVersion are "Yes"/"No")."""
    extra = event.get("additionalEventData")
    if type(extra) is not dict:
        return
    out = {}
    if extra.get("MobileVersion") is not None:
        out["mobile_version"] = extra["MobileVersion"] != "No"
    login_to = extra.get("LoginTo")
    if type(login_to) is str and login_to:
        out["login_to"] = login_to
    if extra.get("MFAUsed") is not None:
        out["mfa_used"] = extra["MFAUsed"] != "No"
    if out:
        ct["console_login"] = {"additional_eventdata": out}


def _users(event: dict, identity: dict, doc: dict) -> None:
    """related.user/hosts, user.email, and the user or group an IAM call acts on."""
    users: list[str] = []
    session = _session_name(identity)
    user = doc.get("user")
    if session:
        users.append(session)
        prefix = session.partition("@")[0]
        if prefix != session and prefix:
            users.append(prefix)
            user = section(doc, ("user",))
            user["email"] = session
    request = event.get("requestParameters")
    if type(request) is dict:
        user_name = request.get("userName")
        if type(user_name) is str and user_name:
            users.append(user_name)
            section(doc, ("user", "target"))["name"] = user_name
        new_name = request.get("newUserName")
        if type(new_name) is str and new_name:
            users.append(new_name)
            section(doc, ("user", "changes"))["name"] = new_name
        group = request.get("groupName")
        if type(group) is str and group:
            section(doc, ("group",))["name"] = group
    response = event.get("responseElements")
    if type(response) is dict:
        created = response.get("user")
        user_id = created.get("userId") if type(created) is dict else None
        if type(user_id) is str and user_id:
            users.append(user_id)
            section(doc, ("user", "target"))["id"] = user_id
        group = response.get("group")
        group_id = group.get("groupId") if type(group) is dict else None
        if type(group_id) is str and group_id:
            section(doc, ("group",))["id"] = group_id
    if user is not None:
        name = user.get("name")
        if "email" not in user and type(name) is str and name.find("@") > 0:
            user["email"] = name
        for value in (user.get("id"), name):
            if type(value) is str and value:
                users.append(value)
    related = doc.get("related")
    if users:
        if related is None:
            related = doc["related"] = {}
        related["user"] = list(dict.fromkeys(users))
    hosts: set[str] = set()
    gather(event, HOSTS, hosts)
    if hosts:
        doc.setdefault("related", {})["hosts"] = sorted(hosts)


def _session_name(identity: dict) -> str | None:
    """The session part of an assumed-role or federated-user ARN (after its last '/')."""
    if identity.get("type") not in _ROLE_TYPES:
        return None
    arn = identity.get("arn")
    if type(arn) is not str or ":sts:" not in arn:
        return None
    return arn.rpartition("/")[2] if "/" in arn else None


def _unmapped(event: dict, ct: dict) -> None:
    """Top-level keys the map does not know (new CloudTrail fields) are kept, not lost."""
    if _KNOWN.issuperset(event):
        return
    extra = {key: value for key, value in event.items() if key not in _KNOWN}
    extra = prune(extra, next(iter(extra)))
    if extra is not None and _shallow(extra, None):
        ct.setdefault("flattened", {})["unmapped"] = extra
