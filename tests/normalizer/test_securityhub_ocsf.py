"""Prowler's OCSF Detection Findings: recognised within --type securityhub, mapped as its ASFF findings are."""
from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from normalizer.errors import NormalizationError
from normalizer.records import Normalized
from normalizer.stream import normalize_stream

GOLDEN = Path(__file__).parent / "golden" / "securityhub"
OCSF_ROOT_MFA = json.loads((GOLDEN / "prowler_ocsf.log").read_text())[0]
ASFF_ROOT_MFA = json.loads((GOLDEN / "prowler_asff.log").read_text())[0]
# The facts both shapes carry, by the ECS or aws.securityhub_findings field they land in.
SHARED = ("event.kind", "event.category", "event.type", "event.outcome", "event.severity", "event.dataset",
          "rule.id", "rule.name", "result.evaluation", "cloud.account.id", "cloud.region", "cloud.provider",
          "cloud.service.name", "resource.id", "resource.name", "resource.type",
          "aws.securityhub_findings.generator.id", "aws.securityhub_findings.severity.label",
          "aws.securityhub_findings.severity.normalized", "aws.securityhub_findings.compliance.status",
          "aws.securityhub_findings.aws_account_id", "aws.securityhub_findings.product.name")


def results(data: bytes) -> list:
    return list(normalize_stream(io.BytesIO(data), "securityhub", "s3://b/prowler-output-123456789012.ocsf.json"))


def docs(data: bytes) -> list[Normalized]:
    out = results(data)
    assert all(isinstance(r, Normalized) for r in out), out
    return out  # type: ignore[return-value]


def value(doc: dict, path: str) -> object:
    node: object = doc
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def test_ocsf_and_asff_of_one_prowler_check_fill_the_same_fields() -> None:
    """The root-MFA check as json-ocsf and as json-asff gives the same values in every shared field."""
    ocsf_doc = docs(orjson.dumps([OCSF_ROOT_MFA]))[0].doc
    asff_doc = docs(orjson.dumps([ASFF_ROOT_MFA]))[0].doc
    differ = {path: (value(ocsf_doc, path), value(asff_doc, path)) for path in SHARED
              if value(ocsf_doc, path) != value(asff_doc, path)}
    # rule.name differs only if the titles do; they are the same check's title here.
    assert differ == {}


def test_status_codes_give_compliance_status_and_outcome() -> None:
    """PASS, FAIL and MANUAL become PASSED/success, FAILED/failure and WARNING/failure, as Prowler's ASFF."""
    expected = {"PASS": ("PASSED", "success"), "FAIL": ("FAILED", "failure"), "MANUAL": ("WARNING", "failure"),
                "SKIPPED": ("NOT_AVAILABLE", "unknown")}
    for code, (status, outcome) in expected.items():
        finding = copy.deepcopy(OCSF_ROOT_MFA) | {"status_code": code}
        doc = docs(orjson.dumps(finding))[0].doc
        assert (doc["aws"]["securityhub_findings"]["compliance"]["status"], doc["event"]["outcome"]) == (status, outcome)
        assert doc["event"]["kind"] == "state"


def test_severity_ids_give_asff_labels_and_scores() -> None:
    """severity_id 1–6 map to Security Hub's labels and the scores it gives them; the name alone is enough."""
    got = {}
    for sid in range(1, 7):
        doc = docs(orjson.dumps(copy.deepcopy(OCSF_ROOT_MFA) | {"severity_id": sid}))[0].doc
        got[sid] = (doc["aws"]["securityhub_findings"]["severity"]["label"], doc["event"]["severity"])
    assert got == {1: ("INFORMATIONAL", 0), 2: ("LOW", 1), 3: ("MEDIUM", 40), 4: ("HIGH", 70),
                   5: ("CRITICAL", 90), 6: ("CRITICAL", 100)}
    by_name = copy.deepcopy(OCSF_ROOT_MFA)
    del by_name["severity_id"]
    assert docs(orjson.dumps(by_name))[0].doc["aws"]["securityhub_findings"]["severity"]["label"] == "CRITICAL"


def test_reimport_is_a_duplicate_and_a_new_scan_a_new_document() -> None:
    """The id is finding uid + time: the same file twice gives the same ids, a later scan new ones."""
    first = [r.doc_id for r in docs(orjson.dumps([OCSF_ROOT_MFA]))]
    again = [r.doc_id for r in docs(orjson.dumps([OCSF_ROOT_MFA]))]
    later = copy.deepcopy(OCSF_ROOT_MFA) | {"time_dt": "2026-11-21T10:00:00.000000", "time": 1795255200}
    assert first == again and docs(orjson.dumps([later]))[0].doc_id != first[0]


def test_a_mixed_array_is_read_finding_by_finding() -> None:
    """ASFF and OCSF findings in one array are each normalized by their own shape."""
    out = docs(orjson.dumps([ASFF_ROOT_MFA, OCSF_ROOT_MFA]))
    assert [("ocsf" in r.doc["aws"]["securityhub_findings"]) for r in out] == [False, True]


def test_a_security_finding_of_ocsf_1_0_is_refused_by_name() -> None:
    """Prowler 3's class 2001 (another layout) is a clear error naming the class, not a half-empty document."""
    out = results(orjson.dumps(copy.deepcopy(OCSF_ROOT_MFA) | {"class_uid": 2001}))
    assert len(out) == 1 and isinstance(out[0], NormalizationError) and "2001" in str(out[0])


_ANY = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12), st.lists(st.text(max_size=5), max_size=2))


@settings(max_examples=120, deadline=None)
@given(status_code=_ANY, severity_id=_ANY, severity=_ANY, status=_ANY, event_code=_ANY, compliance=_ANY)
def test_decision_fields_with_any_value_are_one_outcome(status_code: object, severity_id: object, severity: object,
                                                       status: object, event_code: object, compliance: object) -> None:
    """Whatever the fields a decision reads hold, a finding is one document with ECS values or one clear error."""
    finding = copy.deepcopy(OCSF_ROOT_MFA) | {"status_code": status_code, "severity_id": severity_id,
                                              "severity": severity, "status": status}
    finding["metadata"]["event_code"] = event_code
    finding["unmapped"]["compliance"] = compliance
    out = results(json.dumps(finding).encode())
    assert len(out) == 1
    if isinstance(out[0], Normalized):
        event = out[0].doc["event"]
        assert event["kind"] in ("state", "alert")
        assert event.get("outcome", "unknown") in ("success", "failure", "unknown")
    else:
        assert isinstance(out[0], NormalizationError) and not out[0].reason.startswith("unexpected")
