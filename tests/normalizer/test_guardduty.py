"""GuardDuty findings → ECS alerts: golden files, each required behaviour, bad input, mutations."""
from __future__ import annotations

import copy
import gzip
import io
import json
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from results import first_rows

from normalizer.errors import NormalizationError
from normalizer.field_tables import FIELD_TABLES
from normalizer.fieldmap import ecs_types
from normalizer.guardduty import document as guardduty
from normalizer.guardduty.finding_fields import LIST_VALUED
from normalizer.ids import hashed_id
from normalizer.mapping import BASE_FIELDS
from normalizer.records import Normalized, RawRecord, Skipped
from normalizer.stream import normalize_stream

GOLDEN = Path(__file__).parent / "golden" / "guardduty"
CASES = sorted(p.stem for p in GOLDEN.glob("*.log"))
# UPDATE_GOLDEN=1 rewrites the expected files from the current output (review the diff before committing).
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
SOURCE = "s3://exports/AWSLogs/123456789012/GuardDuty/us-east-1/2026/11/20/x.jsonl.gz"


def run(data: bytes, *, original: bool = False) -> list[Normalized | NormalizationError | Skipped]:
    return list(normalize_stream(io.BytesIO(data), "guardduty", SOURCE, original=original))


def docs(results: list) -> list[dict]:
    return [r.doc for r in results if isinstance(r, Normalized)]


def errors(results: list) -> list[NormalizationError]:
    return [r for r in results if isinstance(r, NormalizationError)]


def finding(case: str, index: int = 0) -> dict:
    """A finding from a golden input file, to vary one field at a time."""
    return json.loads((GOLDEN / f"{case}.log").read_text().splitlines()[index])


def normalize(obj: Any, *, original: bool = False) -> dict:
    text = json.dumps(obj)
    return guardduty.normalize(RawRecord(text, SOURCE, 1, 0), original)


def line(obj: Any) -> bytes:
    return json.dumps(obj).encode() + b"\n"


# ---------------------------------------------------------------- golden files


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    """Each golden input normalizes to exactly its expected documents and ids."""
    results = run((GOLDEN / f"{case}.log").read_bytes())
    assert errors(results) == []
    got = [{"_id": r.doc_id, "_source": r.doc} for r in results if isinstance(r, Normalized)]
    expected_file = GOLDEN / f"{case}.expected.json"
    if UPDATE:
        expected_file.write_text(json.dumps(got, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    assert got == json.loads(expected_file.read_text())


def test_every_golden_input_has_expected_output() -> None:
    """No golden input is left without its expected file (and the reverse)."""
    assert {p.name.removesuffix(".expected.json") for p in GOLDEN.glob("*.expected.json")} == set(CASES)


# ---------------------------------------------------------------- shapes of input


def test_one_finding_per_line() -> None:
    """The S3 export's JSON Lines give one document per finding, in order."""
    data = (GOLDEN / "rds_login.log").read_bytes() + (GOLDEN / "dns_request.log").read_bytes()
    got = docs(run(data))
    assert [d["rule"]["name"] for d in got] == [
        "CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin", "CredentialAccess:RDS/AnomalousBehavior.FailedLogin",
        "Backdoor:EC2/C&CActivity.B!DNS", "CryptoCurrency:EC2/BitcoinTool.B!DNS"]


def test_findings_wrapper_gives_one_document_per_finding() -> None:
    """A {"findings": [...]} line yields each finding, each keeping its own text as event.original."""
    a, b = finding("s3_bucket"), finding("port_probe")
    got = docs(run(line({"findings": [a, b]}), original=True))
    assert [d["event"]["id"] for d in got] == [a["id"], b["id"]]
    assert json.loads(got[1]["event"]["original"]) == b


def test_empty_findings_wrapper_is_skipped_not_an_error() -> None:
    """{"findings": []} yields no document and no error, only a Skipped."""
    results = run(b'{"findings":[]}\n' + line(finding("s3_bucket")))
    assert [type(r) for r in results] == [Skipped, Normalized]


def test_eventbridge_finding_is_unwrapped() -> None:
    """An EventBridge "GuardDuty Finding" event normalizes as its detail; event.original is the whole event."""
    inner = finding("s3_bucket")
    event = {"version": "0", "id": "e1", "detail-type": "GuardDuty Finding", "source": "aws.guardduty",
             "account": "123456789012", "time": "2026-11-20T02:14:30Z", "region": "us-east-1", "detail": inner}
    (doc,) = docs(run(line(event), original=True))
    assert doc == {**normalize(inner), "event": {**normalize(inner)["event"], "original": json.dumps(event)}}


def test_eventbridge_event_of_another_kind_is_rejected() -> None:
    """An EventBridge event that is not a GuardDuty finding is an error naming detail-type."""
    (err,) = errors(run(line({"detail-type": "AWS API Call via CloudTrail", "detail": {}})))
    assert err.field == "detail-type" and err.line == 1


# ---------------------------------------------------------------- what a document says


def test_event_fields() -> None:
    """Every finding is an ECS alert with intrusion_detection category and info type."""
    doc = normalize(finding("dns_request"))
    assert doc["event"]["kind"] == "alert"
    assert doc["event"]["category"] == ["intrusion_detection", "network"]
    assert doc["event"]["type"] == ["info"]
    assert doc["event"]["dataset"] == "aws.guardduty"
    assert doc["event"]["action"] == "DNS_REQUEST"


@pytest.mark.parametrize(("severity", "label", "number"), [
    (1, "Low", 1), (3.9, "Low", 3), (4, "Medium", 4), (6.9, "Medium", 6),
    (7, "High", 7), (8.9, "High", 8), (9, "Critical", 9), (10, "Critical", 10)])
def test_severity_and_label(severity: float, label: str, number: int) -> None:
    """Severity keeps its number and gets Elastic's label: Low < 4 ≤ Medium < 7 ≤ High < 9 ≤ Critical."""
    doc = normalize({**finding("s3_bucket"), "severity": severity})
    assert doc["aws"]["guardduty"]["severity"] == {"code": severity, "value": label}
    assert doc["event"]["severity"] == number


def test_rule_fields_from_finding_type() -> None:
    """The finding type gives rule.name, rule.ruleset (purpose:resource) and rule.category (purpose)."""
    doc = normalize(finding("dns_request"))
    assert doc["rule"] == {"name": "Backdoor:EC2/C&CActivity.B!DNS", "ruleset": "Backdoor:EC2", "category": "Backdoor"}


@pytest.mark.parametrize(("finding_type", "tactic"), [
    ("Backdoor:EC2/C&CActivity.B!DNS", "Command and Control"),
    ("CryptoCurrency:EC2/BitcoinTool.B!DNS", "Impact"),
    ("Recon:EC2/PortProbeUnprotectedPort", "Reconnaissance"),
    ("Recon:IAMUser/MaliciousIPCaller.Custom", "Discovery"),
    ("Stealth:IAMUser/CloudTrailLoggingDisabled", "Defense Evasion"),
    ("UnauthorizedAccess:EC2/SSHBruteForce", None),
    ("Trojan:EC2/BlackholeTraffic!DNS", None)])
def test_threat_tactic_from_threat_purpose(finding_type: str, tactic: str | None) -> None:
    """The threat purpose maps to an ATT&CK tactic only where it names one."""
    doc = normalize({**finding("s3_bucket"), "type": finding_type})
    assert doc.get("threat", {}).get("tactic", {}).get("name") == ([tactic] if tactic else None)


def test_timestamps_and_counters() -> None:
    """@timestamp is updatedAt, event.created createdAt, event.start/end first/last seen; count and archived kept."""
    f = finding("network_connection_inbound")
    doc = normalize(f)
    assert (doc["@timestamp"], doc["event"]["created"]) == (f["updatedAt"], f["createdAt"])
    assert (doc["event"]["start"], doc["event"]["end"]) == (f["service"]["eventFirstSeen"], f["service"]["eventLastSeen"])
    service = doc["aws"]["guardduty"]["service"]
    assert (service["count"], service["archived"]) == (f["service"]["count"], False)


def test_cloud_fields() -> None:
    """cloud.provider is aws; account, region and instance come from the finding."""
    doc = normalize(finding("network_connection_inbound"))
    assert doc["cloud"]["provider"] == "aws"
    assert doc["cloud"]["account"]["id"] == "123456789012"
    assert doc["cloud"]["region"] == "us-east-1"
    assert doc["cloud"]["instance"]["id"] == doc["host"]["id"]


def test_inbound_connection_remote_is_source() -> None:
    """An INBOUND connection: remote address and port are source.*, the instance's are destination.*."""
    doc = normalize(finding("network_connection_inbound"))
    assert doc["source"]["ip"] == "198.51.100.23" and doc["source"]["geo"]["country_iso_code"] == "NL"
    assert doc["destination"] == {"ip": "10.0.5.10", "address": "10.0.5.10", "port": 22}
    assert doc["network"] == {"direction": "inbound", "transport": "tcp"}


def test_outbound_connection_remote_is_destination() -> None:
    """An OUTBOUND connection (here from a Lambda function): the remote party is destination.*."""
    doc = normalize(finding("lambda_network_outbound"))
    assert doc["source"] == {"ip": "10.0.4.12", "address": "10.0.4.12", "port": 51234}
    assert doc["destination"]["ip"] == "203.0.113.9" and doc["destination"]["port"] == 443
    assert doc["destination"]["as"]["number"] == 64501
    assert doc["network"]["direction"] == "outbound"


def test_unknown_direction_sets_no_side() -> None:
    """connectionDirection UNKNOWN cannot tell source from destination: only related.ip has the addresses."""
    f = finding("network_connection_inbound")
    f["service"]["action"]["networkConnectionAction"]["connectionDirection"] = "UNKNOWN"
    doc = normalize(f)
    assert "source" not in doc and "destination" not in doc
    assert {"198.51.100.23", "10.0.5.10"} <= set(doc["related"]["ip"])


def test_port_probe_sources_and_probed_ports() -> None:
    """Every prober is a source; the probed instance address and ports are destination.*."""
    doc = normalize(finding("port_probe"))
    assert doc["source"]["ip"] == ["198.51.100.23", "203.0.113.200", "203.0.113.45"]
    assert doc["destination"]["port"] == [3389, 5432, 23]
    assert doc["destination"]["ip"] == "10.0.6.20"


def test_dns_request() -> None:
    """A DNS_REQUEST gives dns.question.name, related.hosts and the transport."""
    doc = normalize(finding("dns_request"))
    assert doc["dns"]["question"]["name"] == "update.evil-c2.example"
    assert doc["related"]["hosts"] == ["update.evil-c2.example"]
    assert doc["network"]["transport"] == "udp"


def test_aws_api_call() -> None:
    """An AWS_API_CALL gives the caller's address, the access key's user, the user agent and the service."""
    doc = normalize(finding("aws_api_call"))
    assert doc["source"]["ip"] == "192.0.2.66"
    assert doc["user"] == {"id": "AROAZ3EXAMPLEROLEID12:i-0a1b2c3d4e5f60001", "name": "web-app-role"}
    assert doc["event"]["provider"] == "s3.amazonaws.com"
    assert doc["user_agent"]["original"].startswith("Boto3/")
    assert doc["event"]["outcome"] == "success"


def test_failed_api_call_outcome() -> None:
    """An API call finding with an errorCode has outcome failure."""
    doc = normalize(finding("aws_api_call", 1))
    assert doc["aws"]["guardduty"]["service"]["action"]["aws_api_call_action"]["error_code"] == "AccessDenied"
    assert doc["event"]["outcome"] == "failure"


def test_kubernetes_api_call() -> None:
    """A KUBERNETES_API_CALL gives source.ip, the Kubernetes user and groups, the workload and the cluster."""
    doc = normalize(finding("kubernetes_api_call"))
    assert doc["source"]["ip"] == "192.0.2.10"
    assert doc["user"]["name"] == "arn:aws:sts::123456789012:assumed-role/eks-admins/alice"
    assert doc["user"]["roles"] == ["system:authenticated", "eks-admins"]
    assert doc["orchestrator"] == {"cluster": {"name": "prod-eks"}, "namespace": "kube-system", "type": "kubernetes",
                                   "resource": {"name": "aws-node-7xk2p", "type": "pods"}}
    assert doc["container"]["security_context"]["privileged"] is True
    assert doc["http"]["response"]["status_code"] == 101


def test_rds_login_attempts() -> None:
    """An RDS_LOGIN_ATTEMPT gives the database user and an outcome from the finding type."""
    ok, failed = normalize(finding("rds_login")), normalize(finding("rds_login", 1))
    assert ok["user"]["name"] == "app_admin" and ok["event"]["outcome"] == "success"
    assert failed["user"]["name"] == "postgres" and failed["event"]["outcome"] == "failure"
    assert ok["event"]["category"] == ["intrusion_detection", "authentication", "database"]


def test_runtime_process() -> None:
    """Runtime Monitoring findings fill process.* and related.hash."""
    doc = normalize(finding("runtime"))
    assert doc["process"]["executable"] == "/usr/bin/bash" and doc["process"]["pid"] == 24411
    assert doc["process"]["hash"]["sha256"] in doc["related"]["hash"]
    assert "process" in doc["event"]["category"]


def test_ecs_cluster_and_container() -> None:
    """An ECS cluster finding names the cluster, task containers and the tool GuardDuty recognised."""
    doc = normalize(finding("runtime", 1))
    assert doc["orchestrator"] == {"cluster": {"name": "batch"}, "type": "ecs"}
    assert doc["container"]["name"] == "report-gen"
    assert doc["threat"]["software"]["name"] == "XMRig"


def test_lambda_function() -> None:
    """A Lambda finding fills faas.*."""
    doc = normalize(finding("lambda_network_outbound"))
    assert doc["faas"] == {"name": "thumbnailer", "version": "$LATEST",
                           "id": "arn:aws:lambda:us-east-1:123456789012:function:thumbnailer"}


def test_s3_bucket_details() -> None:
    """S3 bucket details stay a list of buckets, with their public-access settings kept whole."""
    doc = normalize(finding("s3_bucket"))
    (bucket,) = doc["aws"]["guardduty"]["resource"]["s3_bucket_details"]
    assert bucket["name"] == "acme-customer-exports" and bucket["created_at"] == "2025-10-01T10:00:00.000Z"
    assert bucket["public_access"]["effectivePermission"] == "NOT_PUBLIC"


def test_instance_details() -> None:
    """Instance details give host.* and related.ip from every interface address."""
    doc = normalize(finding("network_connection_inbound"))
    assert doc["host"] == {"id": "i-0a1b2c3d4e5f60005", "type": "t3.medium", "ip": "10.0.5.10"}
    assert {"10.0.5.10", "54.0.0.5"} <= set(doc["related"]["ip"])


def test_unknown_fields_are_kept() -> None:
    """A field the table does not know is kept under aws.guardduty.unmapped at its native path."""
    f = finding("s3_bucket")
    f["service"]["brandNewDetails"] = {"x": 1}
    f["resource"]["s3BucketDetails"][0]["newFlag"] = True
    unmapped = normalize(f)["aws"]["guardduty"]["unmapped"]
    assert unmapped == {"service.brandNewDetails": {"x": 1}, "resource.s3BucketDetails.newFlag": True}


def test_original_only_on_request() -> None:
    """event.original holds the raw line only when asked for."""
    data = (GOLDEN / "s3_bucket.log").read_bytes()
    assert "original" not in docs(run(data))[0]["event"]
    assert docs(run(data, original=True))[0]["event"]["original"] == data.decode().strip()


# ---------------------------------------------------------------- document ids


def test_doc_id_is_finding_id_and_updated_at() -> None:
    """The _id is a hash of the finding id and updatedAt, the same on every replay."""
    f = finding("s3_bucket")
    (first,), (again,) = run(line(f)), run(line(f))
    assert first.doc_id == again.doc_id == hashed_id(f["id"], "2026-11-20T02:14:30.456Z")


def test_updated_finding_is_a_new_document() -> None:
    """A later update of the same finding (new updatedAt) gets a new _id."""
    f = finding("s3_bucket")
    (a,), (b,) = run(line(f)), run(line({**f, "updatedAt": "2026-11-21T00:00:00.000Z"}))
    assert a.doc_id != b.doc_id


# ---------------------------------------------------------------- the field map


def test_every_documented_field_has_a_row() -> None:
    """Every leaf of the Finding shape in AWS's GuardDuty API model has a row (or a kept-whole parent)."""
    botocore = pytest.importorskip("botocore")
    model_file = Path(botocore.__file__).parent / "data" / "guardduty" / "2017-11-28" / "service-2.json.gz"
    shapes = json.loads(gzip.decompress(model_file.read_bytes()))["shapes"]
    missing = [path for path in _leaves(shapes, "Finding", (), ()) if not _covered(path)]
    assert missing == []


def _leaves(shapes: dict, name: str, path: tuple[str, ...], seen: tuple[str, ...],
            lists_only: bool = False) -> list[tuple[str, ...]]:
    """Leaf paths of a model shape (list indices dropped); with lists_only, only lists of scalars."""
    shape = shapes[name]
    if shape["type"] == "list" and shapes[shape["member"]["shape"]]["type"] in ("structure", "list"):
        return _leaves(shapes, shape["member"]["shape"], path, seen, lists_only)
    if shape["type"] != "structure" or name in seen:
        return [path] if not lists_only or shape["type"] == "list" else []
    return [leaf for member_name, member in shape["members"].items()
            for leaf in _leaves(shapes, member["shape"], (*path, member.get("locationName", member_name)),
                                (*seen, name), lists_only)]


def test_list_valued_natives_match_the_model() -> None:
    """Exactly the fields AWS documents as lists of strings accept lists."""
    botocore = pytest.importorskip("botocore")
    model_file = Path(botocore.__file__).parent / "data" / "guardduty" / "2017-11-28" / "service-2.json.gz"
    shapes = json.loads(gzip.decompress(model_file.read_bytes()))["shapes"]
    lists = {".".join(p) for p in _leaves(shapes, "Finding", (), (), lists_only=True)}
    # Under a field kept whole (flattened) any shape goes: those lists need no row.
    assert LIST_VALUED == {n for n in lists if not n.startswith(("service.detection.", "resource.bedrockGuardrailDetails."))}


def _covered(path: tuple[str, ...]) -> bool:
    children = guardduty.TREE
    for part in path:
        node = children.get(part)
        if node is None:
            return False
        if node.children is None:
            return True
        children = node.children
    return False


def test_field_map_types_are_consistent() -> None:
    """Each ECS field has one Elasticsearch type across the GuardDuty rows and the base fields."""
    types = ecs_types(BASE_FIELDS + FIELD_TABLES["guardduty"].fields)
    assert types["source.ip"] == "ip" and types["@timestamp"] == "date" and types["event.severity"] == "long"


def test_no_field_is_both_a_value_and_an_object() -> None:
    """No ECS name in the map is also the parent of another (the index mapping could not hold both)."""
    names = set(ecs_types(FIELD_TABLES["guardduty"].fields))
    assert sorted(n for n in names if any(other.startswith(n + ".") for other in names)) == []


def test_sigma_native_names_query_exact_counterparts() -> None:
    """A Sigma rule naming a native field queries the value as AWS wrote it."""
    mapping = first_rows(FIELD_TABLES["guardduty"].fields)
    assert mapping["severity"] == "aws.guardduty.severity.code"
    assert mapping["service.action.actionType"] == "aws.guardduty.service.action.type"
    assert mapping["type"] == "aws.guardduty.type"


def test_every_written_field_is_in_the_map() -> None:
    """Every field the golden documents hold is declared in FIELDS (so templates know its type)."""
    declared = set(ecs_types(BASE_FIELDS + FIELD_TABLES["guardduty"].fields))
    containers = {f.ecs for f in FIELD_TABLES["guardduty"].fields if f.type == "flattened"}
    undeclared = set()
    for case in CASES:
        for entry in json.loads((GOLDEN / f"{case}.expected.json").read_text()):
            for name in _field_names(entry["_source"]):
                if name not in declared and not any(name.startswith(c + ".") for c in containers):
                    undeclared.add(name)
    assert undeclared == set()


def _field_names(doc: dict, prefix: str = "") -> list[str]:
    """Dotted names of a document's values; objects in lists count under the list's name."""
    names = []
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            names.extend(n for v in value for n in _field_names(v, name + "."))
        elif isinstance(value, dict):
            names.extend(_field_names(value, name + "."))
        else:
            names.append(name)
    return names


# ---------------------------------------------------------------- bad input


def test_invalid_json_is_an_error_and_the_rest_goes_on() -> None:
    """A line that is not JSON is an error naming the object and line; later lines still normalize."""
    results = run(b'{"id": "x", \n' + line(finding("s3_bucket")))
    (err,) = errors(results)
    assert (err.source, err.line, err.offset) == (SOURCE, 1, 0) and "invalid JSON" in err.reason
    assert len(docs(results)) == 1


def test_non_utf8_line() -> None:
    """A line with non-UTF-8 bytes is an error; the next line still normalizes."""
    results = run(b'{"id": "\xff\xfe"}\n' + line(finding("s3_bucket")))
    assert "UTF-8" in errors(results)[0].reason and len(docs(results)) == 1


@pytest.mark.parametrize(("native", "value"), [("updatedAt", "1870-01-01T00:00:00Z"), ("createdAt", "3024-01-01T00:00Z"),
                                               ("updatedAt", "yesterday")])
def test_absurd_timestamp_names_the_field(native: str, value: str) -> None:
    """An absurd or unparseable timestamp is an error naming the field."""
    (err,) = errors(run(line({**finding("s3_bucket"), native: value})))
    assert err.field == native


def test_absurd_nested_timestamp_names_the_field() -> None:
    """Nested epoch timestamps are checked too."""
    f = finding("kubernetes_api_call")
    f["resource"]["eksClusterDetails"]["createdAt"] = 1e15 * 1000
    (err,) = errors(run(line(f)))
    assert err.field == "resource.eksClusterDetails.createdAt"


def test_megabyte_long_line() -> None:
    """A line over the reader's limit is an error; the rest of the object goes on."""
    huge = {**finding("s3_bucket"), "title": "A" * (1024 * 1024 + 10)}
    results = run(line(huge) + line(finding("s3_bucket")))
    assert "longer than" in errors(results)[0].reason and len(docs(results)) == 1


def test_truncated_gzip() -> None:
    """A truncated gzip object ends with an error naming the object; records before the cut normalize."""
    payload = b"".join(line(finding("dns_request", i)) for i in range(2)) * 50
    data = gzip.compress(payload)
    results = run(data[: len(data) * 2 // 3])
    assert docs(results) and "truncated" in errors(results)[-1].reason


@pytest.mark.parametrize(("raw", "field"), [
    (b'{"eventVersion": "1.08", "eventID": "e", "eventName": "ListBuckets"}', "id"),
    (b'{"id": "abc", "type": "Recon:EC2/PortProbeUnprotectedPort"}', "updatedAt"),
    (b'[1, 2]', None),
    (b'"just a string"', None)])
def test_content_that_is_not_a_finding(raw: bytes, field: str | None) -> None:
    """JSON that is not a GuardDuty finding (a CloudTrail record, a partial finding) is an error."""
    (err,) = errors(run(raw + b"\n"))
    assert err.field == field and "finding" in err.reason


def test_flow_log_text_is_not_a_finding() -> None:
    """A VPC flow log line fed as GuardDuty is reported, not indexed."""
    results = run(b"2 123456789012 eni-0a1b 10.0.0.1 10.0.0.2 443 49152 6 10 840 1600000000 1600000060 ACCEPT OK\n")
    assert len(errors(results)) == 1 and not docs(results)


@pytest.mark.parametrize(("path", "value", "field"), [
    (("severity",), "high", "severity"),
    (("severity",), [5, 8], "severity"),
    (("service", "count"), {"n": 1}, "service.count"),
    (("service", "archived"), "maybe", "service.archived"),
    (("service", "action", "dnsRequestAction", "domain"), ["a.example"], "service.action.dnsRequestAction.domain"),
    (("service", "evidence", "threatIntelligenceDetails", 0, "threatNames"), ["a", {"b": 1}],
     "service.evidence.threatIntelligenceDetails.threatNames"),
    (("resource", "instanceDetails", "networkInterfaces"), ["eni"], "resource.instanceDetails.networkInterfaces"),
    (("resource", "instanceDetails", "networkInterfaces", 0, "privateIpAddress"), "not-an-ip",
     "resource.instanceDetails.networkInterfaces.privateIpAddress")])
def test_wrong_value_types_name_the_field(path: tuple, value: Any, field: str) -> None:
    """A value of the wrong type is an error naming its native field."""
    f = finding("dns_request")
    node = f
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(NormalizationError) as caught:
        normalize(f)
    assert caught.value.field == field


def test_record_with_several_findings_given_directly() -> None:
    """normalize() on a raw wrapper (not split by read) says how many findings it holds."""
    with pytest.raises(NormalizationError, match="holds 2 findings"):
        normalize({"findings": [finding("s3_bucket"), finding("s3_bucket")]})


# ---------------------------------------------------------------- mutations

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats()
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8)
BASES = [finding(case) for case in ("network_connection_inbound", "port_probe", "kubernetes_api_call",
                                    "runtime", "s3_bucket", "attack_sequence")]


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            found += _paths(value, (*prefix, index))
    return found


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_findings_give_a_document_or_a_normalization_error(data: st.DataObject) -> None:
    """Any value swapped in or deleted anywhere in a finding gives a dict or a NormalizationError, nothing else."""
    f = copy.deepcopy(data.draw(st.sampled_from(BASES)))
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(_paths(f)))
        parent = f
        for key in path[:-1]:
            parent = parent[key]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(JSON_VALUES)
        if not _paths(f):
            break
    _normalizes_or_rejects(json.dumps(f))


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_mutated_text_gives_a_document_or_a_normalization_error(data: st.DataObject) -> None:
    """Random edits of a finding's raw text give a dict or a NormalizationError, nothing else."""
    text = (GOLDEN / f"{data.draw(st.sampled_from(CASES))}.log").read_text().splitlines()[0]
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(st.text(max_size=4)) + text[at + data.draw(st.integers(0, 4)):]
    _normalizes_or_rejects(text)


def _normalizes_or_rejects(text: str) -> None:
    record = RawRecord(text, SOURCE, 1, 0)
    try:
        doc = guardduty.normalize(record)
    except NormalizationError:
        return
    assert isinstance(doc, dict)
    assert isinstance(guardduty.doc_id(doc, record), str)
    orjson.dumps(doc)  # the sink must be able to serialize it
