"""CloudTrail (S3 Records files, NDJSON/EventBridge lines, digests) → ECS."""
from __future__ import annotations

import gzip
import io
import json
from datetime import datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from results import first_rows, leaves

from normalizer.cloudtrail import document as cloudtrail
from normalizer.cloudtrail.reader import read_records
from normalizer.converters import is_ip
from normalizer.errors import NormalizationError
from normalizer.field_tables import FIELD_TABLES
from normalizer.fieldmap import ecs_types
from normalizer.mapping import BASE_FIELDS, mappings
from normalizer.readers import MAX_RECORD_BYTES
from normalizer.records import Normalized, RawRecord, Skipped
from normalizer.stream import normalize_stream
from normalizer.timestamps import from_iso
from sampleday.background import HISTORY_DAYS

GOLDEN = Path(__file__).parent / "golden" / "cloudtrail"
SAMPLES = Path(__file__).parents[2] / "sample_logs" / "AWSLogs" / "123456789012"
AWSDOCS = Path(__file__).parents[3] / "shared" / "conformance" / "awsdocs" / "derived__cloudtrail_doc_examples.json"

ACCOUNT = "111122223333"
USER = {"type": "IAMUser", "principalId": "AIDAEXAMPLE000000001", "arn": f"arn:aws:iam::{ACCOUNT}:user/maria",
        "accountId": ACCOUNT, "accessKeyId": "AKIAEXAMPLE000000001", "userName": "maria"}
ROLE = {"type": "AssumedRole", "principalId": "AROAEXAMPLE000000001:ops", "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Ops/ops",
        "accountId": ACCOUNT, "accessKeyId": "ASIAEXAMPLE000000001",
        "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE000000001",
                                             "arn": f"arn:aws:iam::{ACCOUNT}:role/Ops", "accountId": ACCOUNT, "userName": "Ops"},
                           "attributes": {"creationDate": "2026-03-01T09:00:00Z", "mfaAuthenticated": "true"},
                           "sourceIdentity": "maria"}}
EVENT = {
    "eventVersion": "1.10", "userIdentity": USER, "eventTime": "2026-03-01T10:00:00Z", "eventSource": "iam.amazonaws.com",
    "eventName": "ListUsers", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7",
    "userAgent": "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64", "requestParameters": None,
    "responseElements": None, "requestID": "req-1", "eventID": "11111111-2222-4333-8444-555555555555",
    "readOnly": True, "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": ACCOUNT,
    "eventCategory": "Management",
}


def event(**changes: object) -> dict:
    """The reference event with some top-level fields changed (None removes one)."""
    record = {**EVENT, **changes}
    return {k: v for k, v in record.items() if v is not None}


def norm(record: dict | None = None, **changes: object) -> dict:
    """Normalize one event given as a dict."""
    data = record if record is not None else event(**changes)
    return cloudtrail.normalize(RawRecord(orjson.dumps(data).decode(), "test.json", 1, 0))


def run(data: bytes, source: str = "test.json") -> list:
    """Everything normalize_stream yields for an object's bytes."""
    return list(normalize_stream(io.BytesIO(data), "cloudtrail", source))


def records_file(records: list) -> bytes:
    """An S3-delivered CloudTrail object (compact, as AWS writes it)."""
    return orjson.dumps({"Records": records})


def docs(results: list) -> list[dict]:
    """The documents among normalize_stream results."""
    return [r.doc for r in results if isinstance(r, Normalized)]


def errors(results: list) -> list[NormalizationError]:
    """The errors among normalize_stream results."""
    return [r for r in results if isinstance(r, NormalizationError)]


def numbered(n: int) -> list[dict]:
    """n distinct events."""
    return [event(eventID=f"id-{i}", eventName=f"Call{i}") for i in range(n)]


class Trickle(io.RawIOBase):
    """A stream that hands out at most `step` bytes per read and remembers how far it was read."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step, self.position = data, step, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self.step if size < 0 else min(size, self.step)
        chunk = self.data[self.position : self.position + size]
        self.position += len(chunk)
        return chunk


# --- reading objects ---------------------------------------------------------------------------

def test_records_file_yields_each_record() -> None:
    """An S3 {"Records":[...]} object yields one document per record, numbered, in order."""
    results = run(records_file(numbered(3)))
    assert [d["event"]["action"] for d in docs(results)] == ["Call0", "Call1", "Call2"]
    assert [r.record.line for r in results] == [1, 2, 3]


def test_records_file_is_streamed_not_loaded() -> None:
    """The first record comes out after reading a bounded prefix, not the whole object."""
    data = records_file(numbered(20000))  # ~10 MB
    stream = Trickle(data, 1 << 20)
    first = next(read_records(stream, "big.json"))  # type: ignore[arg-type]
    assert isinstance(first, RawRecord) and orjson.loads(first.text)["eventName"] == "Call0"
    assert stream.position <= 2 * (1 << 20) < len(data)


def test_record_straddling_reads_is_reassembled() -> None:
    """Records cut across many small reads come out whole."""
    data = records_file(numbered(50))
    items = list(read_records(Trickle(data, 7), "small-reads.json"))  # type: ignore[arg-type]
    assert [orjson.loads(i.text)["eventName"] for i in items] == [f"Call{n}" for n in range(50)]


def test_record_offsets_point_at_the_record() -> None:
    """Each record's offset is where its JSON starts in the decompressed object."""
    data = records_file(numbered(3))
    for item in read_records(io.BytesIO(data), "x.json"):
        assert orjson.loads(data[item.offset : item.offset + len(item.text.encode())]) == orjson.loads(item.text)


def test_pretty_printed_records_file() -> None:
    """A pretty-printed Records file (as AWS documents them) reads like a compact one."""
    data = json.dumps({"Records": numbered(3)}, indent=4).encode()
    assert [d["event"]["action"] for d in docs(run(data))] == ["Call0", "Call1", "Call2"]


def test_records_not_starting_with_event_version() -> None:
    """Records whose first key is not eventVersion are still split correctly."""
    records = [{"eventTime": "2026-03-01T10:00:00Z", **event(eventID=f"k{i}")} for i in range(3)]
    assert len(docs(run(records_file(records)))) == 3


def test_malformed_record_is_located_and_rest_continues() -> None:
    """A broken record becomes an error naming its number and offset; its neighbours normalize."""
    good = [orjson.dumps(r) for r in numbered(3)]
    broken = b'{"eventVersion":"1.08","eventTime":,"eventName":"Broken"}'
    data = b'{"Records":[' + b",".join([good[0], broken, good[1], good[2]]) + b"]}"
    results = run(data, "objects/bad.json")
    assert [d["event"]["action"] for d in docs(results)] == ["Call0", "Call1", "Call2"]
    (error,) = errors(results)
    assert error.line == 2 and error.offset == data.index(broken) and error.source == "objects/bad.json"
    assert "invalid JSON" in str(error)


def test_non_object_record_is_an_error() -> None:
    """A Records element that is not an object is reported; the next record still normalizes."""
    data = b'{"Records":[42,' + orjson.dumps(event()) + b"]}"
    results = run(data)
    assert len(docs(results)) == 1 and len(errors(results)) == 1


def test_oversized_record_is_rejected_and_reading_resumes() -> None:
    """A record over the size limit is an error; the next record is found and normalized."""
    huge = event(eventID="huge", requestParameters={"blob": "x" * (MAX_RECORD_BYTES + 10)})
    results = run(records_file([huge, event(eventID="after")]))
    assert [d["event"]["id"] for d in docs(results)] == ["after"]
    assert "longer than" in str(errors(results)[0])


def test_megabyte_string_within_limit_is_kept() -> None:
    """A long (but allowed) value is normalized, not rejected: the string form keeps it."""
    doc = docs(run(records_file([event(requestParameters={"userData": "A" * 500_000})])))[0]
    assert len(doc["aws"]["cloudtrail"]["request_parameters"]) > 500_000
    assert "request_parameters" not in doc["aws"]["cloudtrail"].get("flattened", {})  # over Lucene's term limit


def test_truncated_records_file() -> None:
    """An object cut inside a record yields the complete records, then one error."""
    data = records_file(numbered(3))
    results = run(data[: len(data) - 40])
    assert len(docs(results)) == 2
    assert "truncated" in str(errors(results)[0])


def test_truncated_gzip_keeps_records_before_the_cut() -> None:
    """A truncated gzip object still yields the records before the cut, then an error."""
    data = gzip.compress(records_file(numbered(2000)))
    results = run(data[: len(data) // 2], "cut.json.gz")
    assert 0 < len(docs(results)) < 2000
    assert any("corrupt or truncated" in str(e) for e in errors(results))


def test_gzip_object() -> None:
    """A gzip-compressed object (as S3 delivers) is read like a plain one."""
    assert len(docs(run(gzip.compress(records_file(numbered(5)))))) == 5


def test_one_event_per_line() -> None:
    """NDJSON (CloudWatch Logs exports): each line is one event, errors carry the line number."""
    lines = [orjson.dumps(r) for r in numbered(2)]
    data = lines[0] + b"\n\n" + b"{not json}\n" + lines[1] + b"\n"
    results = run(data)
    assert [d["event"]["action"] for d in docs(results)] == ["Call0", "Call1"]
    assert errors(results)[0].line == 3


def test_concatenated_objects_without_newlines() -> None:
    """Objects written back to back (Firehose delivery) are split apart."""
    data = b"".join(orjson.dumps(r) for r in numbered(3))
    assert len(docs(run(data))) == 3


def test_eventbridge_envelope() -> None:
    """An EventBridge event normalizes its `detail` (the CloudTrail event)."""
    envelope = {"version": "0", "id": "e1", "detail-type": "AWS API Call via CloudTrail", "source": "aws.iam",
                "account": ACCOUNT, "time": "2026-03-01T10:00:00Z", "region": "us-east-1", "resources": [],
                "detail": event(eventName="CreateUser")}
    assert norm(envelope)["event"]["action"] == "CreateUser"


def test_cloudwatch_logs_subscription_envelope() -> None:
    """A CloudWatch Logs subscription message yields each log event's CloudTrail event."""
    envelope = {"messageType": "DATA_MESSAGE", "owner": ACCOUNT, "logGroup": "aws-cloudtrail-logs",
                "logStream": f"{ACCOUNT}_CloudTrail_us-east-1", "subscriptionFilters": ["all"],
                "logEvents": [{"id": str(i), "timestamp": 0, "message": orjson.dumps(r).decode()}
                              for i, r in enumerate(numbered(2))]}
    assert [d["event"]["action"] for d in docs(run(orjson.dumps(envelope)))] == ["Call0", "Call1"]


def test_digest_file_is_skipped_with_a_count() -> None:
    """A CloudTrail digest file is recognized and skipped (one Skipped), never an error."""
    digest = {"awsAccountId": ACCOUNT, "digestStartTime": "2026-03-01T10:00:00Z", "digestEndTime": "2026-03-01T11:00:00Z",
              "digestS3Bucket": "trail", "digestS3Object": "AWSLogs/x.json.gz", "digestSignatureAlgorithm": "SHA256withRSA",
              "logFiles": [{"s3Bucket": "trail", "s3Object": f"f{i}", "hashValue": "00" * 32} for i in range(5000)]}
    results = run(gzip.compress(orjson.dumps(digest)))
    assert results == [Skipped(source="test.json", reason="CloudTrail digest file")]


def test_sample_digest_is_skipped() -> None:
    """The sample digest object (CloudTrail-Digest layout) yields only a Skipped."""
    (path,) = SAMPLES.glob("CloudTrail-Digest/**/*.json.gz")
    with path.open("rb") as fh:
        results = list(normalize_stream(fh, "cloudtrail", str(path)))
    assert [type(r) for r in results] == [Skipped]


def test_not_json_content_is_one_error() -> None:
    """A text file that is not JSON (a flow log given as CloudTrail) is one located error."""
    data = b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 1024 6 10 840 1 2 ACCEPT OK\n" * 1000
    results = run(data, "flow.log")
    (error,) = errors(results)
    assert error.line == 1 and error.offset == 0 and "not JSON" in str(error)


def test_other_aws_json_is_rejected_by_field() -> None:
    """A JSON line from another source (a GuardDuty finding) is rejected naming eventVersion."""
    finding = {"schemaVersion": "2.0", "accountId": ACCOUNT, "type": "Recon:EC2/PortProbeUnprotectedPort", "id": "f1"}
    (error,) = errors(run(orjson.dumps(finding) + b"\n"))
    assert error.field == "eventVersion" and error.line == 1


def test_non_utf8_record() -> None:
    """A record with bytes that are not UTF-8 is an error; the other records normalize."""
    bad = orjson.dumps(event(eventID="bad")).replace(b"maria", b"mar\xffa")
    data = b'{"Records":[' + bad + b"," + orjson.dumps(event(eventID="ok")) + b"]}"
    results = run(data)
    assert [d["event"]["id"] for d in docs(results)] == ["ok"]
    assert "not UTF-8" in str(errors(results)[0])


def test_absurd_timestamp_names_event_time() -> None:
    """An eventTime in year 9999 (or not a time) is rejected naming the field."""
    for value in ("9999-01-01T00:00:00Z", "yesterday", 12):
        with pytest.raises(NormalizationError) as info:
            norm(eventTime=value)
        assert info.value.field == "eventTime"


def test_wrong_value_types_name_the_field() -> None:
    """An object where a string belongs is rejected naming the native field."""
    with pytest.raises(NormalizationError) as info:
        norm(eventName={"nested": True})
    assert info.value.field == "eventName"
    with pytest.raises(NormalizationError) as info:
        norm(readOnly="perhaps")
    assert info.value.field == "readOnly"


# --- identities --------------------------------------------------------------------------------

@pytest.mark.parametrize(("identity", "name", "user_id", "actor_field"), [
    (USER, "maria", "AIDAEXAMPLE000000001", "user"),
    (ROLE, "Ops", "AROAEXAMPLE000000001:ops", "user"),
    ({"type": "Root", "principalId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root", "accountId": ACCOUNT}, None, ACCOUNT, "user"),
    ({"type": "FederatedUser", "principalId": f"{ACCOUNT}:bob", "arn": f"arn:aws:sts::{ACCOUNT}:federated-user/bob",
      "accountId": ACCOUNT, "sessionContext": {"sessionIssuer": {"type": "IAMUser", "userName": "maria",
                                                                 "arn": f"arn:aws:iam::{ACCOUNT}:user/maria"}}},
     "maria", f"{ACCOUNT}:bob", "user"),
    ({"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}, None, None, "service"),
    ({"type": "AWSAccount", "principalId": "AIDAOTHER", "accountId": "444455556666"}, None, "AIDAOTHER", None),
    ({"type": "IdentityCenterUser", "accountId": ACCOUNT,
      "onBehalfOf": {"userId": "u-123", "identityStoreArn": "arn:aws:identitystore::1:identitystore/d-1"}},
     None, "u-123", "entity"),
    ({"type": "SAMLUser", "principalId": "idp:jo@example.com", "userName": "jo@example.com", "identityProvider": "idp"},
     "jo@example.com", "idp:jo@example.com", None),
    ({"type": "WebIdentityUser", "principalId": "accounts.google.com:app:1", "userName": "1",
      "identityProvider": "accounts.google.com"}, "1", "accounts.google.com:app:1", None),
    ({"type": "Unknown", "principalId": "", "accountId": "anonymous"}, None, None, None),
], ids=lambda v: v["type"] if isinstance(v, dict) else None)
def test_every_identity_type(identity: dict, name: str | None, user_id: str | None, actor_field: str | None) -> None:
    """Each userIdentity type gives its type, user.name/id and an actor of the right kind."""
    doc = norm(userIdentity=identity)
    assert doc["aws"]["cloudtrail"]["user_identity"]["type"] == identity["type"]
    assert doc.get("user", {}).get("name") == name
    assert doc.get("user", {}).get("id") == user_id
    if actor_field is None:
        assert "actor" not in doc or "entity" in doc
    elif actor_field == "entity":
        assert doc["entity"]["id"] == doc["actor"]["entity"]["id"]
    else:
        assert doc[actor_field]["entity"]["id"]


def test_assumed_role_session_context() -> None:
    """sessionContext: MFA flag, issuer, source identity and creation date are kept."""
    context = norm(userIdentity=ROLE)["aws"]["cloudtrail"]["user_identity"]["session_context"]
    assert context == {
        "mfa_authenticated": "true", "creation_date": "2026-03-01T09:00:00.000Z", "source_identity": "maria",
        "session_issuer": {"type": "Role", "principal_id": "AROAEXAMPLE000000001",
                           "arn": f"arn:aws:iam::{ACCOUNT}:role/Ops", "account_id": ACCOUNT},
    }


def test_role_session_user_and_related_users() -> None:
    """A role session: user.name is the role, related.user has session, principal and role."""
    doc = norm(userIdentity=ROLE)
    assert doc["user"]["entity"]["id"] == [f"arn:aws:iam::{ACCOUNT}:role/Ops"]
    assert doc["actor"]["entity"]["id"] == [ROLE["arn"]]
    assert doc["related"]["user"] == ["ops", "AROAEXAMPLE000000001:ops", "Ops"]


def test_sso_session_name_is_an_email() -> None:
    """An Identity Center role session named by e-mail fills user.email and its local part."""
    identity = {**ROLE, "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_Admin_1/jo@example.com"}
    doc = norm(userIdentity=identity)
    assert doc["user"]["email"] == "jo@example.com"
    assert {"jo@example.com", "jo"} <= set(doc["related"]["user"])


def test_malformed_creation_date_is_left_out() -> None:
    """A malformed sessionContext creationDate is dropped; the event still normalizes."""
    identity = json.loads(json.dumps(ROLE))
    identity["sessionContext"]["attributes"]["creationDate"] = "2021-02-21T23: 46: 28Z"
    context = norm(userIdentity=identity)["aws"]["cloudtrail"]["user_identity"]["session_context"]
    assert "creation_date" not in context and context["mfa_authenticated"] == "true"


def test_web_identity_federation_data() -> None:
    """webIdFederationData's provider is a keyword and its attributes a flattened object."""
    identity = json.loads(json.dumps(ROLE))
    identity["sessionContext"]["webIdFederationData"] = {"federatedProvider": "accounts.google.com",
                                                         "attributes": {"accounts.google.com:sub": "123"}}
    federation = norm(userIdentity=identity)["aws"]["cloudtrail"]["user_identity"]["session_context"]["web_id_federation_data"]
    assert federation == {"federated_provider": "accounts.google.com", "attributes": {"accounts.google.com:sub": "123"}}


# --- console sign-in ---------------------------------------------------------------------------

def signin(name: str, result: str, **extra: object) -> dict:
    """A console sign-in event with its result in responseElements."""
    return norm(eventSource="signin.amazonaws.com", eventName=name, eventType="AwsConsoleSignIn",
                responseElements={name: result}, **extra)


def test_console_login_success_without_mfa() -> None:
    """ConsoleLogin Success with MFAUsed No: outcome success, mfa_used false, authentication category."""
    doc = signin("ConsoleLogin", "Success", additionalEventData={"LoginTo": "https://console.aws.amazon.com/",
                                                                 "MobileVersion": "No", "MFAUsed": "No"})
    assert doc["event"]["outcome"] == "success" and doc["event"]["category"] == ["authentication"]
    assert doc["aws"]["cloudtrail"]["console_login"]["additional_eventdata"] == {
        "mobile_version": False, "login_to": "https://console.aws.amazon.com/", "mfa_used": False}
    assert doc["aws"]["cloudtrail"]["flattened"]["additional_eventdata"]["MFAUsed"] == "No"


def test_console_login_failure() -> None:
    """ConsoleLogin Failure is a failure, with errorMessage kept."""
    doc = signin("ConsoleLogin", "Failure", errorMessage="Failed authentication")
    assert doc["event"]["outcome"] == "failure"
    assert doc["aws"]["cloudtrail"]["error_message"] == "Failed authentication"


def test_console_login_result_wins_over_error_fields() -> None:
    """A ConsoleLogin reporting Success is a success even with an errorMessage present."""
    assert signin("ConsoleLogin", "Success", errorMessage="odd")["event"]["outcome"] == "success"


@pytest.mark.parametrize(("name", "result", "outcome"), [
    ("CheckMfa", "Success", "success"), ("CheckMfa", "Failure", "failure"),
    ("SwitchRole", "Success", "success"), ("SwitchRole", "Failure", "failure"), ("SwitchRole", "Odd", "unknown"),
])
def test_sign_in_steps(name: str, result: str, outcome: str) -> None:
    """CheckMfa and SwitchRole report their own result as the outcome."""
    assert signin(name, result)["event"]["outcome"] == outcome


# --- outcome, categories, objects --------------------------------------------------------------

def test_error_code_is_failure() -> None:
    """errorCode (AccessDenied) makes the outcome failure and is kept with errorMessage."""
    doc = norm(errorCode="AccessDenied", errorMessage="User is not authorized")
    assert doc["event"]["outcome"] == "failure"
    assert doc["aws"]["cloudtrail"]["error_code"] == "AccessDenied"


def test_iam_change_categories() -> None:
    """IAM changes get ECS category iam and their types; unlisted calls are type info."""
    assert norm(eventName="AttachUserPolicy")["event"]["category"] == ["iam"]
    assert norm(eventName="AttachUserPolicy")["event"]["type"] == ["user", "change"]
    assert norm(eventName="DeleteTrail")["event"]["type"] == ["deletion"]
    doc = norm(eventName="SomethingNew")
    assert "category" not in doc["event"] and doc["event"]["type"] == ["info"]


def test_objects_kept_as_string_and_flattened() -> None:
    """requestParameters is kept as Elastic's string form and as a flattened object."""
    params = {"roleArn": "arn:aws:iam::1:role/R", "roleSessionName": "s", "durationSeconds": 3600}
    ct = norm(eventName="AssumeRole", requestParameters=params)["aws"]["cloudtrail"]
    assert ct["request_parameters"] == "{durationSeconds=3600, roleArn=arn:aws:iam::1:role/R, roleSessionName=s}"
    assert ct["flattened"]["request_parameters"] == params


def test_objects_drop_empty_values() -> None:
    """Null, empty strings, empty objects and lists are pruned from both forms."""
    params = {"groupId": "sg-1", "groups": {}, "ipv6Ranges": {"items": []}, "note": "", "x": None}
    ct = norm(requestParameters=params)["aws"]["cloudtrail"]
    assert ct["flattened"]["request_parameters"] == {"groupId": "sg-1"}
    assert ct["request_parameters"] == "{groupId=sg-1}"


def test_all_four_objects_and_service_event_details() -> None:
    """responseElements, additionalEventData and serviceEventDetails get both forms too."""
    ct = norm(responseElements={"a": True}, additionalEventData={"b": 1.5}, serviceEventDetails={"c": [1, 2]})["aws"]["cloudtrail"]
    assert (ct["response_elements"], ct["additional_eventdata"], ct["service_event_details"]) == (
        "{a=true}", "{b=1.5}", "{c=[1, 2]}")
    assert ct["flattened"]["service_event_details"] == {"c": [1, 2]}


def test_too_deep_object_keeps_only_the_string() -> None:
    """An object deeper than a flattened field accepts keeps its string form only."""
    deep: dict = {"leaf": "x"}
    for _ in range(25):
        deep = {"d": deep}
    ct = norm(requestParameters=deep)["aws"]["cloudtrail"]
    assert ct["request_parameters"].endswith("{leaf=x}" + "}" * 25)
    assert "flattened" not in ct


def test_java_hash_order() -> None:
    """Keys come out in java.util.HashMap order, which is what Elastic's string form shows."""
    params = {"roleArn": "r", "roleSessionName": "s", "durationSeconds": 1}
    assert norm(requestParameters=params)["aws"]["cloudtrail"]["request_parameters"] == (
        "{durationSeconds=1, roleArn=r, roleSessionName=s}")
    response = {"credentials": "c", "assumedRoleUser": "u"}
    assert norm(responseElements=response)["aws"]["cloudtrail"]["response_elements"] == (
        "{assumedRoleUser=u, credentials=c}")


@pytest.mark.parametrize(("value", "text"), [
    (1.5, "1.5"), (100.0, "100.0"), (1e7, "1.0E7"), (12345678.9, "1.23456789E7"), (0.0001, "1.0E-4"),
    (-2.5e-10, "-2.5E-10"), (0.0, "0.0"), (0.001, "0.001"),
])
def test_java_double_format(value: float, text: str) -> None:
    """Floating point values are written as Java's Double.toString writes them."""
    assert norm(additionalEventData={"v": value})["aws"]["cloudtrail"]["additional_eventdata"] == f"{{v={text}}}"


def test_prune_render_of_scalars() -> None:
    """A scalar object (requestParameters as a bare string) is kept as it is; an empty one is left out."""
    ct = norm(requestParameters="plain")["aws"]["cloudtrail"]
    assert (ct["request_parameters"], ct["flattened"]["request_parameters"]) == ("plain", "plain")
    assert "request_parameters" not in norm(requestParameters="")["aws"]["cloudtrail"]


def test_insight_event() -> None:
    """An Insights event keeps its details as keywords and as a flattened object."""
    insight = {"eventVersion": "1.08", "eventTime": "2026-03-01T12:00:00Z", "awsRegion": "us-east-1", "eventID": "i-1",
               "eventType": "AwsCloudTrailInsight", "recipientAccountId": ACCOUNT, "sharedEventID": "shared-1",
               "insightDetails": {"state": "Start", "eventSource": "iam.amazonaws.com", "eventName": "CreateUser",
                                  "insightType": "ApiCallRateInsight",
                                  "insightContext": {"statistics": {"baseline": {"average": 0.5}, "insight": {"average": 9}}}},
               "eventCategory": "Insight"}
    doc = norm(insight)
    ct = doc["aws"]["cloudtrail"]
    assert ct["insight_details"] == {"state": "Start", "event_source": "iam.amazonaws.com", "event_name": "CreateUser",
                                     "insight_type": "ApiCallRateInsight"}
    assert ct["flattened"]["insight_details"]["insightContext"]["statistics"]["insight"] == {"average": 9}
    assert ct["shared_event_id"] == "shared-1" and doc["cloud"]["account"]["id"] == ACCOUNT
    assert "action" not in doc["event"]  # not the API call it reports on


def test_s3_data_event() -> None:
    """An S3 object-level event: resources renamed and de-duplicated, objects and bucket as targets."""
    resources = [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/k"},
                 {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b"},
                 {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b"}]
    doc = norm(eventSource="s3.amazonaws.com", eventName="GetObject", eventCategory="Data", managementEvent=False,
               requestParameters={"bucketName": "b", "key": "k"}, resources=resources)
    assert doc["aws"]["cloudtrail"]["resources"] == [{"type": "AWS::S3::Object", "arn": "arn:aws:s3:::b/k"},
                                                     {"account_id": ACCOUNT, "type": "AWS::S3::Bucket", "arn": "arn:aws:s3:::b"}]
    assert doc["service"]["target"]["entity"]["id"] == ["arn:aws:s3:::b", "arn:aws:s3:::b/k"]
    assert doc["aws"]["cloudtrail"]["management_event"] == "false"
    assert doc["event"]["category"] == ["file"] and "b" in doc["related"]["entity"]


def test_targets_of_iam_changes() -> None:
    """CreateAccessKey's target is the new key and the user; user.target.name is the user."""
    doc = norm(eventName="CreateAccessKey", requestParameters={"userName": "bot"},
               responseElements={"accessKey": {"accessKeyId": "AKIAEXAMPLENEWKEY001", "userName": "bot"}})
    assert doc["target"]["entity"]["id"] == ["AKIAEXAMPLENEWKEY001", "bot"]
    assert doc["user"]["target"]["name"] == "bot" and "bot" in doc["related"]["user"]


def test_tls_vpc_endpoint_shared_event_and_recipient() -> None:
    """tlsDetails → tls.*, vpcEndpointId, sharedEventID and recipientAccountId are kept."""
    doc = norm(tlsDetails={"tlsVersion": "TLSv1.2", "cipherSuite": "ECDHE-RSA-AES128-GCM-SHA256",
                           "clientProvidedHostHeader": "iam.amazonaws.com"},
               vpcEndpointId="vpce-1", sharedEventID="s-1")
    assert doc["tls"] == {"version_protocol": "tls", "version": "1.2", "cipher": "ECDHE-RSA-AES128-GCM-SHA256",
                          "client": {"server_name": "iam.amazonaws.com"}}
    ct = doc["aws"]["cloudtrail"]
    assert (ct["vpc_endpoint_id"], ct["shared_event_id"], ct["recipient_account_id"]) == ("vpce-1", "s-1", ACCOUNT)


def test_cloud_source_and_user_agent() -> None:
    """cloud.*, source.ip with related.ip, and a parsed user agent."""
    doc = norm()
    assert doc["cloud"] == {"provider": "aws", "region": "us-east-1", "account": {"id": ACCOUNT},
                            "service": {"name": "iam"}}
    assert doc["source"] == {"address": "198.51.100.7", "ip": "198.51.100.7"} and doc["related"]["ip"] == ["198.51.100.7"]
    assert doc["user_agent"]["name"] == "aws-cli" and doc["user_agent"]["version"] == "2.15.30"
    assert doc["user_agent"]["os"] == {"name": "Linux", "version": "6.5.0", "full": "Linux 6.5.0"}


def test_service_source_address_is_not_an_ip() -> None:
    """A sourceIPAddress naming a service stays in source.address only."""
    doc = norm(sourceIPAddress="ec2.amazonaws.com")
    assert doc["source"] == {"address": "ec2.amazonaws.com"} and "ip" not in doc.get("related", {})


def test_unknown_top_level_fields_are_kept() -> None:
    """A top-level field the map does not know is kept in a flattened field, not lost."""
    doc = norm(brandNewField={"a": 1})
    assert doc["aws"]["cloudtrail"]["flattened"]["unmapped"] == {"brandNewField": {"a": 1}}


def test_original_only_when_asked() -> None:
    """event.original holds the raw record only when asked for."""
    raw = orjson.dumps(event()).decode()
    assert "original" not in cloudtrail.normalize(RawRecord(raw, "x", 1, 0))["event"]
    assert cloudtrail.normalize(RawRecord(raw, "x", 1, 0), True)["event"]["original"] == raw


def test_doc_id_is_event_id() -> None:
    """The document id is the eventID, so a redelivered event is one document."""
    (result,) = run(records_file([event()]))
    assert result.doc_id == EVENT["eventID"]


def test_doc_id_without_event_id_is_deterministic() -> None:
    """Without an eventID the id is a hash of object and offset: the same on every run, distinct per record."""
    data = records_file([event(eventID=None), event(eventID=None, eventName="Other")])
    first, second = run(data, "k.json"), run(data, "k.json")
    assert [r.doc_id for r in first] == [r.doc_id for r in second]
    assert len({r.doc_id for r in first}) == 2


# --- samples, conformance inputs, the field map -----------------------------------------------

def test_sample_objects_normalize_cleanly() -> None:
    """Every CloudTrail sample object (one an hour of the sample day, one a day of the sign-in history)
    normalizes with no error."""
    paths = sorted(SAMPLES.glob("CloudTrail/**/*.json.gz")) + sorted(SAMPLES.glob("CloudTrail-Insight/**/*.json.gz"))
    assert len(paths) == 24 + len(HISTORY_DAYS)
    for path in paths:
        with path.open("rb") as fh:
            results = list(normalize_stream(fh, "cloudtrail", str(path)))
        assert results and all(isinstance(r, Normalized) for r in results), path


@pytest.mark.skipif(not AWSDOCS.exists(), reason="shared/conformance is not beside this checkout")
def test_aws_documentation_examples_normalize() -> None:
    """Every CloudTrail example from AWS's documentation normalizes, but the one without an eventTime,
    which is a located error naming the field (an event is never given a made-up time)."""
    with AWSDOCS.open("rb") as fh:
        results = list(normalize_stream(fh, "cloudtrail", AWSDOCS.name))
    errors = [r for r in results if not isinstance(r, Normalized)]
    assert len(results) == 19 and len(errors) == 1
    assert isinstance(errors[0], NormalizationError) and "eventTime" in str(errors[0]) and errors[0].line


def test_every_written_field_is_in_the_field_map() -> None:
    """Each field the normalizer writes (on the samples and goldens) has a type in the field map."""
    types = ecs_types(FIELD_TABLES["cloudtrail"].fields + BASE_FIELDS)
    flattened = tuple(name + "." for name, kind in types.items() if kind == "flattened")
    written: set[str] = set()
    for path in [*SAMPLES.glob("CloudTrail*/**/*.json.gz"), *GOLDEN.glob("*.log")]:
        with path.open("rb") as fh:
            for result in normalize_stream(fh, "cloudtrail", str(path), original=True):
                if isinstance(result, Normalized):
                    written |= leaves(result.doc)
    unknown = {f for f in written if f not in types and not f.startswith(flattened) and f != "event.original"}
    assert not unknown


def test_field_map_native_names_and_mapping() -> None:
    """The map knows the native names rules use, and the index mapping builds from it."""
    natives = first_rows(FIELD_TABLES["cloudtrail"].fields)
    assert natives["eventName"] == "event.action" and natives["eventSource"] == "event.provider"
    assert natives["userIdentity.arn"] == "aws.cloudtrail.user_identity.arn"
    assert natives["requestParameters"] == "aws.cloudtrail.flattened.request_parameters"
    assert natives["sourceIPAddress"] == "source.address" and natives["errorCode"] == "aws.cloudtrail.error_code"
    assert "cloudtrail" in mappings()["properties"]["aws"]["properties"]


# --- hostile input -----------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
PATHS = st.sampled_from([
    ("eventTime",), ("eventName",), ("eventSource",), ("userIdentity",), ("userIdentity", "type"),
    ("userIdentity", "arn"), ("userIdentity", "sessionContext"), ("userIdentity", "sessionContext", "attributes"),
    ("requestParameters",), ("responseElements",), ("additionalEventData",), ("resources",), ("tlsDetails",),
    ("sourceIPAddress",), ("userAgent",), ("readOnly",), ("eventID",), ("insightDetails",), ("managementEvent",),
])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(PATHS, JSON_VALUES), max_size=4))
def test_mutated_records_give_a_document_or_an_error(mutations: list) -> None:
    """Any mutation of a valid event gives a document or a NormalizationError, nothing else."""
    record = json.loads(json.dumps({**EVENT, "userIdentity": ROLE}))
    for path, value in mutations:
        node = record
        for key in path[:-1]:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[path[-1]] = value
    try:
        doc = norm(record)
    except NormalizationError:
        return
    assert isinstance(doc, dict)
    orjson.dumps(doc)


@pytest.mark.parametrize("field", ["resources", "requestParameters", "insightDetails", "userIdentity", "brandNew"])
def test_deeply_nested_values_give_a_document_or_an_error(field: str) -> None:
    """Lists and objects nested 900 deep (within orjson's limit) never escape as another exception."""
    base = orjson.dumps(event()).decode()[:-1]
    for deep in ("[" * 900 + "]" * 900, '{"a":' * 900 + "1" + "}" * 900):
        try:
            doc = cloudtrail.normalize(RawRecord(f'{base},"{field}":{deep}}}', "deep.json", 1, 0))
        except NormalizationError:
            continue
        assert isinstance(doc, dict)


def test_hostile_shapes_stay_fast() -> None:
    """Megabyte-long keys and user agents are handled without per-character Python work."""
    doc = norm(requestParameters={"k" * 500_000: "v", "b": "c"}, userAgent="x" * 500_000)
    assert doc["aws"]["cloudtrail"]["request_parameters"].startswith("{" + "k" * 100)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(0, 400))
def test_reader_never_raises(noise: bytes, cut: int) -> None:
    """Arbitrary bytes (or a cut or corrupted object) yield records, skips and errors, never an exception."""
    data = records_file(numbered(2))[:cut] + noise
    for item in run(data):
        assert isinstance(item, (Normalized, Skipped, NormalizationError))


# --- the native core's edge cases ----------------------------------------------------------------

def test_nested_separator_is_not_a_record_boundary() -> None:
    """AWS's record separator inside a record (an object list with eventVersion keys) does not cut it."""
    inner = event(eventID="outer", responseElements={"items": [{"a": 1}, {"eventVersion": "x", "b": 2}]})
    results = run(records_file([inner, event(eventID="next")]))
    assert [d["event"]["id"] for d in docs(results)] == ["outer", "next"] and not errors(results)


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_are_written_as_python_orjson_and_java_write_them(value: float) -> None:
    """A float keeps Python's str() as a keyword, orjson's form in flattened, and Java's in the string form."""
    raw = orjson.dumps(event(eventVersion=value, additionalEventData={"v": value})).decode()
    _, body, _ = cloudtrail.document(RawRecord(raw, "f.json", 1, 0), False)
    ct = orjson.loads(body)["aws"]["cloudtrail"]
    assert ct["event_version"] == str(value)
    assert b'"additional_eventdata":{"v":' + orjson.dumps(value) + b"}" in body
    java = ct["additional_eventdata"][len("{v="):-1]
    assert float(java.replace("E", "e")) == value and ("E" in java) == (not 1e-3 <= abs(value) < 1e7 and value != 0)


def test_integers_past_64_bits_become_floats_as_in_python() -> None:
    """Integers orjson reads as floats (past 64 bits) are floats in every form; 64-bit ones stay exact."""
    params = {"n": 2**64 - 1, "k": -(2**63)}
    raw = orjson.dumps(event(requestParameters=params))[:-1] + b',"brandNew":[18446744073709551616,-9223372036854775809]}'
    doc = cloudtrail.normalize(RawRecord(raw.decode(), "n.json", 1, 0))
    ct = doc["aws"]["cloudtrail"]
    assert ct["flattened"]["request_parameters"] == params
    assert ct["request_parameters"] == "{k=-9223372036854775808, n=18446744073709551615}"
    assert ct["flattened"]["unmapped"] == {"brandNew": [1.8446744073709552e19, -9.223372036854776e18]}


def test_escapes_controls_and_non_ascii_round_trip() -> None:
    """Quotes, backslashes, control characters and non-ASCII text come out as they went in."""
    text = 'é😀 "q" \\ \x00\x1f\n\t\u2028'
    doc = norm(userAgent=text, errorMessage=text, requestParameters={text: text})
    assert doc["user_agent"]["original"] == text and doc["aws"]["cloudtrail"]["error_message"] == text
    assert doc["aws"]["cloudtrail"]["flattened"]["request_parameters"] == {text: text}
    assert doc["aws"]["cloudtrail"]["request_parameters"] == f"{{{text}={text}}}"


@pytest.mark.parametrize("raw", [
    '{"eventName":"\\ud800"}', '{"eventName":"a"', '{"eventName":"a"} x', '{"eventTime":1e400}',
    '[' * 1025 + ']' * 1025, '{"eventName":"a","x":' + '[' * 1024 + ']' * 1024 + '}',
])
def test_invalid_json_is_a_normalization_error(raw: str) -> None:
    """Bad escapes, truncation, trailing data, infinite numbers and nesting past orjson's limit are invalid JSON."""
    with pytest.raises(NormalizationError, match="invalid JSON"):
        cloudtrail.normalize(RawRecord(raw, "bad.json", 1, 0))


def test_lone_surrogate_in_text_is_a_normalization_error() -> None:
    """A record text that cannot be UTF-8 (a lone surrogate) is rejected, not an exception of another kind."""
    with pytest.raises(NormalizationError):
        cloudtrail.normalize(RawRecord('{"eventName":"\ud800"}', "s.json", 1, 0))


def test_repeated_keys_keep_the_last_value() -> None:
    """A key given twice keeps its last value, as Python's JSON parsers do."""
    doc = cloudtrail.normalize(RawRecord('{"eventName":"First","eventSource":"iam.amazonaws.com","eventName":"CreateUser",'
                                         '"eventTime":"2024-01-02T03:04:05Z"}', "d.json", 1, 0))
    assert doc["event"]["action"] == "CreateUser" and doc["event"]["category"] == ["iam"]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.ip_addresses().map(str), st.from_regex(r"\A[0-9a-fA-F:.%]{0,24}\Z")))
def test_source_ip_is_what_inet_pton_accepts(address: str) -> None:
    """source.ip is set exactly for the addresses the C library's inet_pton accepts."""
    doc = norm(sourceIPAddress=address)
    expected = bool(address) and is_ip(address)
    assert ("ip" in doc.get("source", {})) == expected


@settings(max_examples=300, deadline=None)
@given(st.datetimes(), st.sampled_from(["Z", "z", "", "+05:30", "-11:00", "+00:00"]), st.integers(0, 9))
def test_event_time_is_what_from_iso_gives(moment: datetime, zone: str, digits: int) -> None:
    """@timestamp equals timestamps.from_iso for AWS's shapes (and the same error outside its range)."""
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{moment.microsecond:06d}123"[: digits + 1] if digits else "") + zone
    try:
        expected = from_iso(text, "eventTime")
    except NormalizationError:
        with pytest.raises(NormalizationError) as info:
            norm(eventTime=text)
        assert info.value.field == "eventTime"
        return
    assert norm(eventTime=text)["@timestamp"] == expected
