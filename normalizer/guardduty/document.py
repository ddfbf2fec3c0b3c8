"""GuardDuty findings → ECS alerts (`event.kind: alert`), one document per finding.

The field table (fields.py: finding_fields' exact counterparts, ecs_fields' ECS copies) does the
copying; this module adds what needs a decision: severity label, rule and tactic, sides of a connection.
"""
from __future__ import annotations

import math

from normalizer.converters import Conventions
from normalizer.ecs import ECS_VERSION, get_path, put_path, split_path
from normalizer.errors import NormalizationError
from normalizer.guardduty.ecs_fields import TACTIC_OVERRIDES, TACTICS
from normalizer.guardduty.fields import DATASETS, FIELDS, GD, LIST_VALUED, LISTS
from normalizer.guardduty.reader import parse, unwrap
from normalizer.ids import hashed_id
from normalizer.record_walk import compile_tree, map_record
from normalizer.records import RawRecord

__all__ = ["doc_id", "normalize"]

# Findings keep "-" as a value, put fractions in longs (severity 8.9 → event.severity 8, as Elastic
# does), keep free-form objects as written, and may carry zoned IPv6 addresses.
CONVENTIONS = Conventions(dash_is_absent=False, truncate_fractions=True, flattened_as_is=True, scoped_ips=True)
TREE = compile_tree(FIELDS, LISTS, LIST_VALUED, GD, CONVENTIONS)
UNMAPPED = split_path(f"{GD}.unmapped")
REQUIRED = ("id", "type", "updatedAt")  # doc id, rule and @timestamp cannot be made up


# ---------------------------------------------------------------- normalizing


def normalize(record: RawRecord, original: bool = False) -> dict:
    """One GuardDuty finding → one ECS alert document."""
    finding = record.data
    if finding is None:
        findings = unwrap(parse(record.text))
        if len(findings) != 1:
            raise NormalizationError(f"record holds {len(findings)} findings, expected one", field="findings")
        finding = findings[0]
    if not isinstance(finding, dict):
        raise NormalizationError("not a GuardDuty finding: not a JSON object")
    for name in REQUIRED:
        if not isinstance(finding.get(name), str) or not finding[name]:
            raise NormalizationError(f"not a GuardDuty finding: no {name!r}", field=name)

    doc, unmapped = map_record(finding, TREE)
    if unmapped:
        put_path(doc, UNMAPPED, unmapped)

    gd = doc["aws"]["guardduty"]
    action = get_path(gd, ("service", "action"), {})
    event = doc.setdefault("event", {})
    event.update(kind="alert", category=_categories(gd, action), type=["info"], dataset=DATASETS[0])
    outcome = _outcome(gd, action)
    if outcome:
        event["outcome"] = outcome
    doc.setdefault("cloud", {})["provider"] = "aws"
    doc["ecs"] = {"version": ECS_VERSION}
    _severity(gd)
    _rule_and_threat(doc, gd["type"])
    _network(doc, action)
    orchestrator = _orchestrator_type(gd.get("resource", {}))
    if orchestrator:
        doc.setdefault("orchestrator", {})["type"] = orchestrator
    if original:
        event["original"] = record.text
    return doc


def doc_id(doc: dict, record: RawRecord) -> str:
    """Finding id + updatedAt (DESIGN decision 4): an updated finding is a new document, a replay is not."""
    gd = doc["aws"]["guardduty"]
    return hashed_id(gd["id"], gd["updated_at"])


# ---------------------------------------------------------------- derived fields

SEVERITY_LABELS = ((4.0, "Low"), (7.0, "Medium"), (9.0, "High"), (math.inf, "Critical"))

ACTION_CATEGORIES = {
    "NETWORK_CONNECTION": ["network"],
    "PORT_PROBE": ["network"],
    "DNS_REQUEST": ["network"],
    "AWS_API_CALL": ["api"],
    "KUBERNETES_API_CALL": ["api"],
    "RDS_LOGIN_ATTEMPT": ["authentication", "database"],
}
# Findings from these detections also describe a process or malware, whatever their action.
SERVICE_CATEGORIES = (("runtime_details", "process"), ("malware_scan_details", "malware"),
                      ("ebs_volume_scan_details", "malware"))

# connectionDirection → (side of the remote party, side of the local one).
SIDES = {"INBOUND": ("source", "destination"), "OUTBOUND": ("destination", "source")}
REMOTE_ENDPOINT = (  # remote_ip_details field → ECS field under source/destination
    (("city", "name"), ("geo", "city_name")),
    (("country", "name"), ("geo", "country_name")),
    (("country", "code"), ("geo", "country_iso_code")),
    (("organization", "asnorg"), ("as", "organization", "name")),
)


def _categories(gd: dict, action: dict) -> list[str]:
    categories = ["intrusion_detection", *ACTION_CATEGORIES.get(action.get("type", ""), ())]
    service = gd.get("service", {})
    for key, category in SERVICE_CATEGORIES:
        if key in service and category not in categories:
            categories.append(category)
    return categories


def _outcome(gd: dict, action: dict) -> str | None:
    """Success or failure of the observed activity, where the finding says so."""
    kind = action.get("type")
    if kind == "AWS_API_CALL":
        return "failure" if get_path(action, ("aws_api_call_action", "error_code")) else "success"
    if kind == "KUBERNETES_API_CALL":
        status = get_path(action, ("kubernetes_api_call_action", "status_code"))
        return None if status is None else "success" if status < 400 else "failure"
    if kind == "RDS_LOGIN_ATTEMPT":
        if "SuccessfulLogin" in gd["type"]:
            return "success"
        if "FailedLogin" in gd["type"]:
            return "failure"
    return None


def _severity(gd: dict) -> None:
    code = get_path(gd, ("severity", "code"))
    if code is not None:
        gd["severity"]["value"] = next(label for limit, label in SEVERITY_LABELS if code < limit)


def _rule_and_threat(doc: dict, finding_type: str) -> None:
    """`ThreatPurpose:ResourceTypeAffected/ThreatFamilyName…` → rule.ruleset/category, threat.tactic."""
    ruleset = finding_type.partition("/")[0]
    purpose, colon, _ = ruleset.partition(":")
    if not colon:
        return
    rule = doc.setdefault("rule", {})
    rule["ruleset"], rule["category"] = ruleset, purpose
    tactic = TACTIC_OVERRIDES.get(ruleset) or TACTICS.get(purpose)
    if tactic:
        doc["threat"] = {
            **doc.get("threat", {}),
            "framework": "MITRE ATT&CK",
            "tactic": {"id": [tactic[0]], "name": [tactic[1]],
                       "reference": [f"https://attack.mitre.org/tactics/{tactic[0]}/"]},
        }


def _network(doc: dict, action: dict) -> None:
    """network.* for connections and DNS requests; source/destination from the connection's direction."""
    connection = action.get("network_connection_action", {})
    protocol = connection.get("transport") or get_path(action, ("dns_request_action", "protocol"))
    if isinstance(protocol, str):
        doc.setdefault("network", {})["transport"] = protocol.lower()
    direction = connection.get("connection_direction")
    if not isinstance(direction, str):
        return
    doc.setdefault("network", {})["direction"] = direction.lower()
    sides = SIDES.get(direction.upper())
    if sides is None:  # UNKNOWN: no side can be told apart
        return
    remote_side, local_side = sides
    remote = connection.get("remote_ip_details", {})
    _endpoint(doc, remote_side, remote.get("ip_address_v4") or remote.get("ip_address_v6"),
              get_path(connection, ("remote_port_details", "port", "value")))
    _endpoint(doc, local_side, get_path(connection, ("local_ip_details", "ip_address_v4"))
              or get_path(connection, ("local_ip_details", "ip_address_v6")),
              get_path(connection, ("local_port_details", "port", "value")))
    endpoint = doc.get(remote_side)
    if endpoint is None:
        return
    for native, ecs in REMOTE_ENDPOINT:
        value = get_path(remote, native)
        if value is not None:
            put_path(endpoint, ecs, value)
    asn = get_path(remote, ("organization", "asn"))
    if isinstance(asn, str) and asn.lstrip("-").isdecimal():  # isdigit() would pass "²", which int() refuses
        put_path(endpoint, ("as", "number"), int(asn))


def _endpoint(doc: dict, side: str, ip: str | None, port: int | None) -> None:
    if ip:
        doc.setdefault(side, {}).update(ip=ip, address=ip)
    if port is not None:
        doc.setdefault(side, {})["port"] = port


def _orchestrator_type(resource: dict) -> str | None:
    if "eks_cluster_details" in resource or "kubernetes_details" in resource:
        return "kubernetes"
    if "ecs_cluster_details" in resource:
        return "ecs"
    return None
