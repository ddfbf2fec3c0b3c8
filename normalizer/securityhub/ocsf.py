"""OCSF Detection Findings (class_uid 2004, Prowler's json-ocsf output) → the same documents as ASFF's.

The same fact lands in the same field whichever shape carried it, so a rule on `Severity.Label`,
`Compliance.Status` or `GeneratorId` matches a Prowler check delivered as json-asff, through Security
Hub, or as OCSF: the severity label and score, the compliance status, the generator id and the
requirements are translated here the way Prowler's own ASFF output and Security Hub write them.
"""
from __future__ import annotations

from typing import Any

from normalizer.ecs import ECS_VERSION, get_path, put_path, split_path
from normalizer.errors import NormalizationError, excerpt
from normalizer.securityhub.copying import convert, copy_rows, rows
from normalizer.securityhub.fields import DATASETS, OCSF_FIELDS, SH
from normalizer.securityhub.resources import listed, resources

__all__ = ["is_ocsf", "normalize_finding"]

DETECTION_FINDING = 2004
_ROWS = rows(OCSF_FIELDS)
# Top-level keys the table or this module reads; any other lands in aws.securityhub_findings.unmapped.
_KNOWN_TOP = frozenset({f.native.split(".")[0] for f in OCSF_FIELDS if f.native} | {"time"})
# severity_id → ASFF's label and the Normalized score Security Hub gives a label (0, 1, 40, 70, 90);
# OCSF's Fatal has no ASFF label: the top of CRITICAL's range.
_SEVERITIES = {1: ("INFORMATIONAL", 0), 2: ("LOW", 1), 3: ("MEDIUM", 40), 4: ("HIGH", 70), 5: ("CRITICAL", 90),
               6: ("CRITICAL", 100)}
_SEVERITY_NAMES = {"informational": 1, "low": 2, "medium": 3, "high": 4, "critical": 5, "fatal": 6}
# Prowler's status_code → the ASFF Compliance.Status its json-asff output writes for the same check.
_COMPLIANCE = {"PASS": "PASSED", "FAIL": "FAILED", "MANUAL": "WARNING"}
_OUTCOMES = {"PASSED": ("success", "passed"), "FAILED": ("failure", "failed"), "WARNING": ("failure", "warning")}
# OCSF finding status → ASFF Workflow.Status.
_WORKFLOW = {"new": "NEW", "in progress": "NOTIFIED", "suppressed": "SUPPRESSED", "resolved": "RESOLVED"}


def is_ocsf(finding: dict) -> bool:
    """Whether a finding is an OCSF event (it names its class) rather than ASFF."""
    return "class_uid" in finding


def normalize_finding(finding: dict, original: str | None) -> dict:
    """One OCSF Detection Finding → one ECS document; `original` is the raw text for event.original."""
    if finding.get("class_uid") != DETECTION_FINDING:
        raise NormalizationError(f"OCSF class_uid {excerpt(finding.get('class_uid'), 20)} is not a Detection "
                                 f"Finding ({DETECTION_FINDING})", field="class_uid")
    uid = get_path(finding, ("finding_info", "uid"))
    if not isinstance(uid, str) or not uid:
        raise NormalizationError("not an OCSF Detection Finding: no finding_info.uid", field="finding_info.uid")

    doc: dict[str, Any] = {}
    copy_rows(finding, _ROWS, doc)
    sh = doc.setdefault("aws", {}).setdefault("securityhub_findings", {})
    if "updated_at" not in sh:  # time_dt is optional in OCSF, time (epoch) is required: the doc id needs one
        if finding.get("time") is None:
            raise NormalizationError("not an OCSF Detection Finding: no time or time_dt", field="time")
        moment = convert(finding["time"], "date", "time")
        sh["updated_at"] = doc["@timestamp"] = moment
    unmapped = {k: v for k, v in finding.items() if k not in _KNOWN_TOP}
    if unmapped:
        put_path(doc, split_path(f"{SH}.unmapped"), unmapped)

    _severity(finding, sh, doc)
    _rule(finding, sh, doc)
    _event(finding, sh, doc)
    _workflow(finding, sh)
    resources(_as_asff_resources(finding.get("resources")), doc)
    cloud = doc.setdefault("cloud", {})
    provider = get_path(finding, ("cloud", "provider"))
    cloud["provider"] = provider if isinstance(provider, str) and provider else "aws"
    observer = {k: v for k, v in (("vendor", get_path(finding, ("metadata", "product", "vendor_name"))),
                                  ("product", get_path(finding, ("metadata", "product", "name"))))
                if isinstance(v, str) and v}
    if observer:
        doc["observer"] = observer
    doc["ecs"] = {"version": ECS_VERSION}
    if original is not None:
        doc["event"]["original"] = original
    return doc


def _severity(finding: dict, sh: dict, doc: dict) -> None:
    """severity_id (or the severity name) → ASFF's label and score, `event.severity`."""
    sid = finding.get("severity_id")
    name = finding.get("severity")
    if not isinstance(sid, int) or sid not in _SEVERITIES:
        sid = _SEVERITY_NAMES.get(name.lower()) if isinstance(name, str) else None
    if sid is None:
        return
    label, score = _SEVERITIES[sid]
    severity = sh.setdefault("severity", {})
    severity["label"], severity["normalized"] = label, score
    if isinstance(name, str) and name:
        severity["original"] = name
    doc.setdefault("event", {})["severity"] = score


def _generator(finding: dict) -> str | None:
    """The check id as ASFF names it: Prowler's GeneratorId is `prowler-<check>`, others keep theirs."""
    code = get_path(finding, ("metadata", "event_code"))
    if not isinstance(code, str) or not code:
        return None
    product = get_path(finding, ("metadata", "product"))
    product = product if isinstance(product, dict) else {}
    prowler = any(isinstance(product.get(k), str) and product[k].lower() == "prowler" for k in ("uid", "name"))
    return f"prowler-{code}" if prowler and not code.startswith("prowler-") else code


def _requirements(compliance: Any) -> list[str]:
    """Prowler's `{framework: [requirement, …]}` as its ASFF RelatedRequirements spell them (`CIS-3.0 1.5`)."""
    if not isinstance(compliance, dict):
        return []
    out = []
    for framework, items in compliance.items():
        names = [i for i in listed(items) if isinstance(i, str) and i]
        if framework and names:
            out.append(f"{framework} {' '.join(names)}")
    return out


def _rule(finding: dict, sh: dict, doc: dict) -> None:
    rule = doc.setdefault("rule", {})
    generator = _generator(finding)
    if generator:
        rule["id"] = generator
        sh.setdefault("generator", {})["id"] = generator
    refs = [r for r in listed(get_path(finding, ("remediation", "references"))) if isinstance(r, str) and r]
    if refs:
        rule["reference"] = refs[0]
        sh.setdefault("remediation", {}).setdefault("recommendation", {})["url"] = refs[0]
    requirements = _requirements(get_path(finding, ("unmapped", "compliance")))
    if requirements:
        rule["ruleset"] = requirements
        sh.setdefault("compliance", {})["related_requirements"] = requirements
        sh["compliance"]["associated_standards"] = [{"standards_id": r.split(" ", 1)[0]} for r in requirements]
    text = get_path(finding, ("remediation", "desc"))
    parts = [p for p in (text, rule.get("reference")) if isinstance(p, str) and p]
    if parts:  # as ASFF's: the recommendation and its link on two lines
        rule["remediation"] = "\n".join(parts)
    if not rule:
        del doc["rule"]


def _event(finding: dict, sh: dict, doc: dict) -> None:
    """A check result (status_code present) is posture `state` with an outcome; otherwise a detection `alert`."""
    event = doc.setdefault("event", {})
    event["dataset"] = DATASETS[0]
    code = finding.get("status_code")
    if isinstance(code, str) and code:
        status = _COMPLIANCE.get(code.upper(), "NOT_AVAILABLE")
        sh.setdefault("compliance", {})["status"] = status
        outcome, evaluation = _OUTCOMES.get(status, ("unknown", "unknown"))
        event.update(kind="state", category=["configuration"], type=["info"], outcome=outcome)
        doc["result"] = {"evaluation": evaluation}
    else:
        event.update(kind="alert", category=["threat"], type=["indicator"])


def _workflow(finding: dict, sh: dict) -> None:
    status = finding.get("status")
    workflow = _WORKFLOW.get(status.lower()) if isinstance(status, str) else None
    if workflow:
        sh.setdefault("workflow", {})["status"] = workflow


def _as_asff_resources(items: Any) -> list[dict]:
    """OCSF resources in ASFF's shape (uid → Id, type → Type), so their ECS homes are decided by the one
    function ASFF's use. No Details: Prowler's json-asff has none either, so both give the same fields."""
    return [{"Id": item.get("uid"), "Type": item.get("type")} for item in listed(items) if isinstance(item, dict)]
