"""Security Hub findings (ASFF) → ECS documents, one per finding; OCSF findings go to ocsf.py.

The field table (fields.py) does the copying; this module adds what needs a decision: the kind of
finding (posture `state` or threat `alert`), its outcome, and the resources' ECS homes.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from normalizer.ecs import ECS_VERSION, add_related, get_path, put_path, split_path
from normalizer.errors import NormalizationError
from normalizer.ids import hashed_id
from normalizer.jsonlines import parse_object
from normalizer.records import RawRecord
from normalizer.securityhub import ocsf
from normalizer.securityhub.copying import copy_rows, rows
from normalizer.securityhub.fields import DATASETS, ECS_COPIES, FINDING_FIELDS, SH
from normalizer.securityhub.reader import unwrap
from normalizer.securityhub.resources import listed, resources
from normalizer.timestamps import from_iso

__all__ = ["doc_id", "normalize"]

REQUIRED = ("Id", "UpdatedAt")  # doc id and @timestamp cannot be made up
_ROWS = rows(FINDING_FIELDS + ECS_COPIES)
_KNOWN_TOP = frozenset(f.native.split(".")[0] for f in FINDING_FIELDS if f.native)
_OUTCOMES = {"PASSED": ("success", "passed"), "FAILED": ("failure", "failed"), "WARNING": ("failure", "warning")}
_DIRECTIONS = {"IN": "inbound", "OUT": "outbound"}
# ThreatIntelIndicators Type → ECS threat.indicator.type (STIX 2.1 names).
_INDICATOR_TYPES = {"IPV4_ADDRESS": "ipv4-addr", "IPV6_ADDRESS": "ipv6-addr", "DOMAIN": "domain-name",
                    "URL": "url", "EMAIL_ADDRESS": "email-addr", "PROCESS": "process",
                    "HASH_MD5": "file", "HASH_SHA1": "file", "HASH_SHA256": "file", "HASH_SHA512": "file"}
_HASHES = {"HASH_MD5": "md5", "HASH_SHA1": "sha1", "HASH_SHA256": "sha256", "HASH_SHA512": "sha512"}
# Finding type namespaces that describe an attack rather than a configuration weakness.
_THREAT_TYPES = ("TTPs", "Effects", "Unusual Behaviors")


def normalize(record: RawRecord, original: bool = False) -> dict:
    """One finding (ASFF, or an OCSF Detection Finding) → one ECS document."""
    finding = record.data
    if finding is None:
        findings = unwrap(parse_object(record))
        if len(findings) != 1:
            raise NormalizationError(f"record holds {len(findings)} findings, expected one", field="Findings")
        finding = findings[0]
    if not isinstance(finding, dict):
        raise NormalizationError("not a Security Hub finding: not a JSON object")
    if ocsf.is_ocsf(finding):
        return ocsf.normalize_finding(finding, record.text if original else None)
    for name in REQUIRED:
        if not isinstance(finding.get(name), str) or not finding[name]:
            raise NormalizationError(f"not a Security Hub finding: no {name!r}", field=name)

    doc: dict[str, Any] = {}
    copy_rows(finding, _ROWS, doc)
    unmapped = {k: v for k, v in finding.items() if k not in _KNOWN_TOP}
    if unmapped:
        put_path(doc, split_path(f"{SH}.unmapped"), unmapped)

    _event(finding, doc)
    doc.setdefault("cloud", {})["provider"] = "aws"
    doc["observer"] = {"vendor": "AWS Security Hub"}
    doc["ecs"] = {"version": ECS_VERSION}
    _rule(finding, doc)
    _network(finding, doc)
    resources(finding.get("Resources"), doc)
    _indicators(finding.get("ThreatIntelIndicators"), doc)
    _url(doc)
    _vulnerability(finding.get("Vulnerabilities"), doc)
    if original:
        doc["event"]["original"] = record.text
    return doc


def doc_id(doc: dict, record: RawRecord) -> str:
    """Finding id + UpdatedAt (DESIGN decision 4): a re-import of an updated finding is a new document."""
    sh = doc["aws"]["securityhub_findings"]
    return hashed_id(sh["id"], sh["updated_at"])


# ---------------------------------------------------------------- copying


# ---------------------------------------------------------------- derived fields


def _event(finding: dict, doc: dict) -> None:
    """Posture checks (Compliance present) are `state`, threat findings `alert`; outcome from the status."""
    event = doc.setdefault("event", {})
    event["dataset"] = DATASETS[0]
    compliance = finding.get("Compliance")
    types = [t for t in listed(finding.get("Types")) if isinstance(t, str)]
    if isinstance(compliance, dict):
        event["kind"] = "state"
        event["category"] = ["configuration"]
        event["type"] = ["info"]
        status = compliance.get("Status")
        outcome, evaluation = _OUTCOMES.get(status, ("unknown", "unknown")) if isinstance(status, str) else (
            "unknown", "unknown")
        event["outcome"] = outcome
        doc["result"] = {"evaluation": evaluation}
    else:
        event["kind"] = "alert"
        threat = any(t.startswith(_THREAT_TYPES) for t in types)
        vulnerable = any("/Vulnerabilities" in t for t in types)
        event["category"] = ["threat"] if threat else ["vulnerability"] if vulnerable else ["configuration"]
        event["type"] = ["indicator"] if threat else ["info"]
    action = get_path(finding, ("Action", "ActionType"))
    if isinstance(action, str) and action:
        event["action"] = action.lower()


def _rule(finding: dict, doc: dict) -> None:
    rule = doc.get("rule")
    if not rule:
        return
    text = get_path(finding, ("Remediation", "Recommendation", "Text"))
    url = rule.get("reference")
    parts = [p for p in (text, url) if isinstance(p, str) and p]
    if parts:
        rule["remediation"] = "\n".join(parts)


def _network(finding: dict, doc: dict) -> None:
    net = get_path(doc, ("aws", "securityhub_findings", "network"))
    if not isinstance(net, dict):
        return
    direction = _DIRECTIONS.get(str(net.get("direction", "")).upper())
    protocol = net.get("protocol")
    if direction or protocol:
        ecs = doc.setdefault("network", {})
        if direction:
            ecs["direction"] = direction
        if protocol:
            ecs["protocol"] = protocol.lower()
    for side in ("source", "destination"):
        ips = [ip for ip in (get_path(net, (side, "ip", "v4")), get_path(net, (side, "ip", "v6"))) if ip]
        if ips:
            doc.setdefault(side, {})["ip"] = ips
            add_related(doc, "ip", *ips)
        mac = get_path(net, (side, "mac"))
        if mac:
            doc.setdefault(side, {})["mac"] = mac


def _indicators(indicators: Any, doc: dict) -> None:
    if not isinstance(indicators, list):
        return
    types, seen, enrichments = [], [], []
    for item in indicators:
        if not isinstance(item, dict):
            continue
        kind = item.get("Type")
        kind = kind if isinstance(kind, str) else None
        ecs_type = _INDICATOR_TYPES.get(kind) if kind else None
        if ecs_type and ecs_type not in types:
            types.append(ecs_type)
        last = item.get("LastObservedAt")
        if isinstance(last, str):
            try:
                moment = from_iso(last, "ThreatIntelIndicators.LastObservedAt")
            except NormalizationError:
                moment = None
            if moment and moment not in seen:
                seen.append(moment)
        value = item.get("Value")
        if kind in _HASHES and isinstance(value, str) and value:
            enrichments.append({"indicator": {"file": {"hash": {_HASHES[kind]: value}}}})
    indicator: dict[str, Any] = {}
    if types:
        indicator["type"] = types[0] if len(types) == 1 else types
    if seen:
        indicator["last_seen"] = max(seen)
    if indicator:
        doc.setdefault("threat", {})["indicator"] = indicator
    if enrichments:
        doc.setdefault("threat", {})["enrichments"] = enrichments


def _url(doc: dict) -> None:
    url = doc.get("url")
    if not url:
        return
    try:
        parts = urlsplit(url["original"])
    except ValueError:
        return
    url["full"] = url["original"]
    if parts.scheme:
        url["scheme"] = parts.scheme
    if parts.hostname:
        url["domain"] = parts.hostname
    if parts.path:
        url["path"] = parts.path


def _vulnerability(vulnerabilities: Any, doc: dict) -> None:
    """The first vulnerability into ECS (the rest stay under aws.securityhub_findings.vulnerabilities)."""
    if not isinstance(vulnerabilities, list) or not vulnerabilities or not isinstance(vulnerabilities[0], dict):
        return
    first = vulnerabilities[0]
    out: dict[str, Any] = {}
    if isinstance(first.get("Id"), str):
        out["id"] = first["Id"]
    refs = [r for r in listed(first.get("ReferenceUrls")) if isinstance(r, str)]
    if refs:
        out["reference"] = refs
    vendor = get_path(first, ("Vendor", "Name"))
    if isinstance(vendor, str):
        out["scanner"] = {"vendor": vendor}
    scores = [c for c in listed(first.get("Cvss")) if isinstance(c, dict) and isinstance(c.get("BaseScore"), (int, float))]
    if scores:
        # The newest CVSS version AWS gives (V3 over V2): what an analyst ranks by today.
        best = max(scores, key=lambda c: str(c.get("Version", "")))
        out["score"] = {"base": float(best["BaseScore"])}
        if isinstance(best.get("Version"), str):
            out["score"]["version"] = best["Version"]
    if out:
        doc["vulnerability"] = out
