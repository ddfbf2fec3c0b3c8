"""VPC Flow Logs normalizer: golden files, each required behaviour, bad input, properties."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import socket
import sys
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from results import first_rows

from normalizer.errors import NormalizationError
from normalizer.field_tables import FIELD_TABLES
from normalizer.fieldmap import ecs_types
from normalizer.ids import hashed_id
from normalizer.mapping import BASE_FIELDS
from normalizer.records import Normalized, RawRecord
from normalizer.stream import normalize_stream
from normalizer.vpcflow import document as vpcflow
from normalizer.vpcflow.fields import DEFAULT_HEADER
from normalizer.vpcflow.reader import read as read_flow_log

HERE = Path(__file__).parent
GOLDEN = HERE / "golden" / "vpcflow"
REPO = HERE.parent.parent
SAMPLES = REPO / "sample_logs" / "AWSLogs"
AWSDOCS = REPO.parent / "shared" / "conformance" / "awsdocs"
# Regenerate the expected files after a deliberate change: CLOUDSIFT_UPDATE_GOLDEN=1 pytest ...
UPDATE_GOLDEN = os.environ.get("CLOUDSIFT_UPDATE_GOLDEN") == "1"
# The tag of a document whose line had no time: its @timestamp is the ingest time (docs/fields/vpcflow.md).
INGEST_TIME_TAG = "cloudsift_ingest_timestamp"

V2 = " ".join(DEFAULT_HEADER)
V5 = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
    "log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id "
    "sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"
)
ACCEPTED = (
    "2 111122223333 eni-0f00d1e2c3b4a59 10.0.0.1 10.0.0.2 40000 443 6 10 840 1763596800 1763596860 ACCEPT OK"
)
# Every field AWS documents: VPC flow logs v2-v5 (V5), v7 ECS, v8, and Transit Gateway (v6).
LATER = (
    "ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id ecs-container-id "
    "ecs-second-container-id ecs-service-name ecs-task-definition-arn ecs-task-arn ecs-task-id reject-reason "
    "resource-type tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id "
    "tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id tgw-dst-az-id "
    "tgw-pair-attachment-id packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded "
    "packets-lost-ttl-expired"
)
DOCUMENTED = (*V5.split(), *LATER.split())


def run(
    text: str | bytes, source: str = "s3://bucket/flow.log"
) -> tuple[list[dict], list[NormalizationError]]:
    """Normalize a whole object through the real pipeline; return the documents and the errors."""
    data = text.encode() if isinstance(text, str) else text
    docs, errors = [], []
    for result in normalize_stream(io.BytesIO(data), "vpcflow", source):
        if isinstance(result, Normalized):
            docs.append(result.doc)
        else:
            assert isinstance(result, NormalizationError), result
            errors.append(result)
    return docs, errors


def one(line: str, header: str | None = V2) -> dict:
    """The document for a single line under `header` (None: an object without a header line)."""
    docs, errors = run((f"{header}\n" if header else "") + line + "\n")
    assert not errors, [str(e) for e in errors]
    assert len(docs) == 1
    return docs[0]


def line_error(line: str, header: str | None = V2) -> NormalizationError:
    """The error a single bad line produces."""
    docs, errors = run((f"{header}\n" if header else "") + line + "\n")
    assert not docs and len(errors) == 1
    return errors[0]


# ---------------------------------------------------------------------------------------------
# Golden files


@pytest.mark.parametrize("case", sorted(p.stem for p in GOLDEN.glob("*.log")))
def test_golden(case: str) -> None:
    """Each golden input normalizes to exactly its expected documents."""
    before = datetime.now(UTC)
    docs, errors = run((GOLDEN / f"{case}.log").read_bytes())
    assert not errors, [str(e) for e in errors]
    docs = [_ingest_time_checked(doc, before) for doc in docs]
    expected_file = GOLDEN / f"{case}.expected.json"
    if UPDATE_GOLDEN:
        expected_file.write_text(json.dumps(docs, indent=2, sort_keys=True) + "\n")
    assert docs == json.loads(expected_file.read_text())


def _ingest_time_checked(doc: dict, before: datetime) -> dict:
    """`doc` with an ingest-time @timestamp (a line without times) checked to be now, then made fixed."""
    if INGEST_TIME_TAG not in doc.get("tags", ()):
        return doc
    stamped = datetime.fromisoformat(doc["@timestamp"])
    assert before - timedelta(seconds=1) <= stamped <= datetime.now(UTC)
    return {**doc, "@timestamp": "<ingest time>"}


# ---------------------------------------------------------------------------------------------
# Field order: the header line


def test_header_line_gives_a_custom_field_order() -> None:
    """A custom header's order is followed, whatever it is."""
    doc = one("ACCEPT 10.9.8.7 OK 3", header="action srcaddr log-status version")
    assert doc["source"]["ip"] == "10.9.8.7"
    assert doc["aws"]["vpcflow"] == {"action": "ACCEPT", "log_status": "OK", "version": "3"}


def test_header_line_itself_is_not_a_record() -> None:
    """The header line yields no document and no error."""
    docs, errors = run(f"{V2}\n{ACCEPTED}\n")
    assert len(docs) == 1 and not errors


def test_header_is_passed_to_each_record() -> None:
    """The reader hands the header's field order to every line via RawRecord.header."""
    records = list(read_flow_log(io.BytesIO(f"{V5}\n{ACCEPTED}\n".encode()), "k"))
    assert [r.header for r in records] == [tuple(V5.split())]


def test_without_header_a_14_field_line_is_the_default_format() -> None:
    """An object without a header line is read in the default (version 2) order."""
    doc = one(ACCEPTED, header=None)
    assert doc["destination"]["port"] == 443 and doc["aws"]["vpcflow"]["version"] == "2"


def test_without_header_another_width_is_a_clear_error() -> None:
    """A headerless line that is not 14 fields wide is an error naming the default format."""
    error = line_error("3 111122223333 eni-1 10.0.0.1", header=None)
    assert "no header line" in error.reason and "14 fields" in error.reason
    assert error.field == "dstaddr" and error.line == 1  # the first field the line lacks


def test_unknown_header_field_is_an_error_naming_it() -> None:
    """An unknown header field rejects the header, naming the field, and every line after it."""
    docs, errors = run("version srcaddr flux-capacitor\n2 10.0.0.1 88\n2 10.0.0.2 88\n")
    assert not docs
    assert errors[0].field == "flux-capacitor" and errors[0].line == 1
    assert [e.line for e in errors[1:]] == [2, 3]
    assert all("header line was rejected" in e.reason for e in errors[1:])


def test_repeated_header_field_is_an_error() -> None:
    """A header naming a field twice is rejected."""
    docs, errors = run("version srcaddr srcaddr\n2 10.0.0.1 10.0.0.2\n")
    assert not docs and errors[0].field == "srcaddr" and "twice" in errors[0].reason


def test_wrong_number_of_fields_names_the_line_and_the_rest_goes_on() -> None:
    """A short or long line is an error naming its line and field; other lines still normalize."""
    short = ACCEPTED.rsplit(" ", 1)[0]
    docs, errors = run(f"{V2}\n{ACCEPTED}\n{short}\n{ACCEPTED} extra\n{ACCEPTED}\n", source="s3://b/k.log")
    assert len(docs) == 2
    assert [(e.line, e.field) for e in errors] == [(3, "log-status"), (4, "log-status")]
    assert errors[0].source == "s3://b/k.log" and errors[0].offset == len(V2) + len(ACCEPTED) + 2
    assert "14 fields, the line has 13" in errors[0].reason


# ---------------------------------------------------------------------------------------------
# Values


def test_nodata_record() -> None:
    """A NODATA record keeps interface, account, times and status, and nothing else."""
    doc = one("2 111122223333 eni-0a1 - - - - - - - 1763596830 1763596890 - NODATA")
    assert doc["aws"]["vpcflow"] == {
        "version": "2",
        "account_id": "111122223333",
        "interface_id": "eni-0a1",
        "log_status": "NODATA",
    }
    assert "source" not in doc and "destination" not in doc and "network" not in doc
    assert "outcome" not in doc["event"] and doc["event"]["type"] == ["connection"]


def test_skipdata_record() -> None:
    """A SKIPDATA record normalizes with its status."""
    doc = one("2 111122223333 eni-0a1 - - - - - - - 1763596830 1763596890 - SKIPDATA")
    assert doc["aws"]["vpcflow"]["log_status"] == "SKIPDATA"


def test_dash_means_absent() -> None:
    """'-' values produce no field at all (not '-', not null, not an empty object)."""
    doc = one(
        "- eni-1 10.0.0.1 - us-east-1 -", header="instance-id interface-id srcaddr dstaddr region az-id"
    )
    assert doc["cloud"] == {"provider": "aws", "region": "us-east-1"}
    assert "destination" not in doc and "instance_id" not in doc["aws"]["vpcflow"]
    del doc["@timestamp"]  # the line has no time: the ingest time, whose date has dashes
    assert "-" not in json.dumps(doc).replace("eni-1", "").replace("us-east-1", "")


def test_ipv6_addresses() -> None:
    """IPv6 source and destination land in source/destination.ip with network.type ipv6."""
    doc = one("2 1 eni-1 2001:db8::1 2001:db8::2 1 22 6 1 60 1763596800 1763596860 ACCEPT OK")
    assert doc["source"]["ip"] == "2001:db8::1" and doc["destination"]["ip"] == "2001:db8::2"
    assert doc["network"]["type"] == "ipv6"


def test_ipv4_network_type() -> None:
    """IPv4 traffic is network.type ipv4."""
    assert one(ACCEPTED)["network"]["type"] == "ipv4"


@pytest.mark.parametrize(
    ("flags", "names"),
    [
        ("2", ["syn"]),
        ("18", ["syn", "ack"]),
        ("1", ["fin"]),
        ("4", ["rst"]),
        ("19", ["fin", "syn", "ack"]),
        ("63", ["fin", "syn", "rst", "psh", "ack", "urg"]),
    ],
)
def test_tcp_flags_decoded_to_names(flags: str, names: list[str]) -> None:
    """tcp-flags keeps its bitmask and gains the flag names (aws.vpcflow.tcp_flags_array)."""
    vpc = one(f"3 {flags}", header="version tcp-flags")["aws"]["vpcflow"]
    assert vpc["tcp_flags"] == flags and vpc["tcp_flags_array"] == names


def test_tcp_flags_zero_has_no_names() -> None:
    """A zero bitmask gives no tcp_flags_array."""
    assert "tcp_flags_array" not in one("3 0", header="version tcp-flags")["aws"]["vpcflow"]


@pytest.mark.parametrize(
    ("number", "transport"), [("6", "tcp"), ("17", "udp"), ("1", "icmp"), ("58", "ipv6-icmp")]
)
def test_protocol_number_to_transport(number: str, transport: str) -> None:
    """protocol → network.iana_number (as text) and network.transport."""
    assert one(number, header="protocol")["network"] == {"iana_number": number, "transport": transport}


def test_protocol_without_a_keyword_keeps_its_number() -> None:
    """A protocol number with no common keyword still sets network.iana_number."""
    assert one("253", header="protocol")["network"] == {"iana_number": "253"}


def test_flow_direction_to_network_direction() -> None:
    """flow-direction (ingress/egress) → network.direction."""
    assert one("egress", header="flow-direction")["network"]["direction"] == "egress"


def test_source_destination_bytes_and_packets() -> None:
    """Addresses, ports, bytes and packets fill source.*, destination.* and network.*."""
    doc = one(ACCEPTED)
    assert doc["source"] == {
        "address": "10.0.0.1",
        "ip": "10.0.0.1",
        "port": 40000,
        "bytes": 840,
        "packets": 10,
    }
    assert doc["destination"] == {"address": "10.0.0.2", "ip": "10.0.0.2", "port": 443}
    assert doc["network"]["bytes"] == 840 and doc["network"]["packets"] == 10


def test_times_duration_and_timestamp() -> None:
    """start/end → event.start/end, event.duration in nanoseconds, @timestamp = end."""
    doc = one(ACCEPTED)
    assert doc["event"]["start"] == "2025-11-20T00:00:00.000Z"
    assert doc["event"]["end"] == doc["@timestamp"] == "2025-11-20T00:01:00.000Z"
    assert doc["event"]["duration"] == 60_000_000_000


def test_start_alone_is_the_timestamp() -> None:
    """Without `end`, `start` gives @timestamp."""
    assert one("1763596800", header="start")["@timestamp"] == "2025-11-20T00:00:00.000Z"


@pytest.mark.parametrize(
    ("action", "outcome", "kind"), [("ACCEPT", "success", "allowed"), ("REJECT", "failure", "denied")]
)
def test_action_to_outcome_and_type(action: str, outcome: str, kind: str) -> None:
    """ACCEPT/REJECT → event.action, event.outcome and event.type allowed/denied."""
    event = one(action, header="action")["event"]
    assert event["action"] == action and event["outcome"] == outcome
    assert event["type"] == ["connection", kind] and event["category"] == ["network"]
    assert event["kind"] == "event" and event["dataset"] == "aws.vpcflow"


def test_cloud_fields() -> None:
    """account-id, region, az-id and instance-id → cloud.*."""
    doc = one("111122223333 eu-west-1 euw1-az2 i-0abc", header="account-id region az-id instance-id")
    assert doc["cloud"] == {
        "provider": "aws",
        "account": {"id": "111122223333"},
        "region": "eu-west-1",
        "availability_zone": "euw1-az2",
        "instance": {"id": "i-0abc"},
    }


def test_related_ip_has_every_address_once() -> None:
    """related.ip holds the source, destination and packet-level addresses, without repeats."""
    doc = one("10.0.0.5 10.0.0.9 203.0.113.7 10.0.0.9", header="srcaddr dstaddr pkt-srcaddr pkt-dstaddr")
    assert doc["related"]["ip"] == ["10.0.0.5", "10.0.0.9", "203.0.113.7"]
    assert doc["aws"]["vpcflow"]["pkt_srcaddr"] == "203.0.113.7"


def test_ecs_task_fields() -> None:
    """ECS cluster, container instance and service → orchestrator.* and service.name; the rest aws.vpcflow."""
    header = (
        "ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id "
        "ecs-container-id ecs-second-container-id ecs-service-name ecs-task-definition-arn ecs-task-arn "
        "ecs-task-id"
    )
    doc = one("arn:c shop arn:ci ci-1 c1 c2 checkout arn:td arn:t t-1", header=header)
    assert doc["orchestrator"] == {
        "cluster": {"id": "arn:c", "name": "shop"},
        "resource": {"name": "arn:ci", "id": "ci-1"},
    }
    assert doc["service"] == {"name": "checkout"}
    assert doc["aws"]["vpcflow"] == {
        "ecs_container_id": "c1",
        "ecs_second_container_id": "c2",
        "ecs_task_definition_arn": "arn:td",
        "ecs_task_arn": "arn:t",
        "ecs_task_id": "t-1",
    }


def test_reject_reason() -> None:
    """reject-reason → event.reason."""
    assert one("REJECT BPA", header="action reject-reason")["event"]["reason"] == "BPA"


def test_transit_gateway_fields() -> None:
    """Transit Gateway fields land under aws.vpcflow, the packets-lost counters as numbers."""
    doc = one(
        "TransitGateway tgw-1 tgw-attach-1 7 0",
        header="resource-type tgw-id tgw-attachment-id packets-lost-no-route packets-lost-blackhole",
    )
    assert doc["aws"]["vpcflow"] == {
        "resource_type": "TransitGateway",
        "tgw_id": "tgw-1",
        "tgw_attachment_id": "tgw-attach-1",
        "packets_lost_no_route": 7,
        "packets_lost_blackhole": 0,
    }


def test_aws_service_and_traffic_path() -> None:
    """pkt-src/dst-aws-service and traffic-path land under aws.vpcflow."""
    doc = one("S3 - 7", header="pkt-src-aws-service pkt-dst-aws-service traffic-path")
    assert doc["aws"]["vpcflow"] == {"pkt_src_service": "S3", "traffic_path": "7"}


def test_sublocation() -> None:
    """sublocation-type/id → aws.vpcflow.sublocation.type/id."""
    doc = one("outpost op-1", header="sublocation-type sublocation-id")
    assert doc["aws"]["vpcflow"]["sublocation"] == {"type": "outpost", "id": "op-1"}


def test_community_id_matches_the_spec_vector() -> None:
    """network.community_id reproduces the Community ID v1 specification's TCP example."""
    doc = one("128.232.110.120 66.35.250.204 34855 80 6", header="srcaddr dstaddr srcport dstport protocol")
    assert doc["network"]["community_id"] == "1:LQU9qZlK+B5F3KDmev6m5PMibrg="
    reverse = one(
        "66.35.250.204 128.232.110.120 80 34855 6", header="srcaddr dstaddr srcport dstport protocol"
    )
    assert reverse["network"]["community_id"] == doc["network"]["community_id"]


def test_community_id_needs_ports_for_tcp() -> None:
    """A TCP flow without ports gets no community id (it would not match other tools')."""
    assert "community_id" not in one("10.0.0.1 10.0.0.2 6", header="srcaddr dstaddr protocol")["network"]


def test_doc_id_is_object_and_offset() -> None:
    """The id hashes the object key and the line's byte offset: stable across runs, distinct per line."""
    records = list(read_flow_log(io.BytesIO(f"{V2}\n{ACCEPTED}\n{ACCEPTED}\n".encode()), "s3://b/k"))
    ids = [vpcflow.document(r, False)[0] for r in records]
    assert ids == [hashed_id("s3://b/k", len(V2) + 1), hashed_id("s3://b/k", len(V2) + len(ACCEPTED) + 2)]


def test_original_behind_a_flag() -> None:
    """event.original holds the raw line only when asked."""
    record = RawRecord(ACCEPTED, "k", 1, 0)
    assert "original" not in vpcflow.normalize(record)["event"]
    assert vpcflow.normalize(record, original=True)["event"]["original"] == ACCEPTED


# ---------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("header", "line", "field"),
    [
        ("srcaddr", "10.0.0.999", "srcaddr"),
        ("dstaddr", "fe80::1%eth0", "dstaddr"),
        ("pkt-srcaddr", "not-an-ip", "pkt-srcaddr"),
        ("srcport", "65536", "srcport"),
        ("dstport", "-1", "dstport"),
        ("protocol", "256", "protocol"),
        ("bytes", "12ab", "bytes"),
        ("packets", "99999999999999999999", "packets"),
        ("tcp-flags", "SYN", "tcp-flags"),
        ("packets-lost-no-route", "-5", "packets-lost-no-route"),
    ],
)
def test_bad_value_is_an_error_naming_the_field(header: str, line: str, field: str) -> None:
    """A value that is not what its field holds is rejected, naming the field."""
    error = line_error(f"{line} OK", header=f"{header} log-status")
    assert error.field == field and repr(line) in error.reason


def test_absurd_end_timestamp_rejects_the_record() -> None:
    """An end time far outside any plausible range is an error naming `end`."""
    error = line_error("2 1 eni-1 - - - - - - - 1763596800 99999999999 - NODATA")
    assert error.field == "end" and "out of range" in error.reason


def test_huge_timestamp_is_an_error_naming_it() -> None:
    """A timestamp with hundreds of digits is out of range, and the error names that field."""
    error = line_error(f"1 {'9' * 400}", header="srcport end")
    assert error.field == "end" and "out of range" in error.reason


def test_non_numeric_timestamp_is_an_error() -> None:
    """A timestamp that is not epoch seconds is an error naming the field."""
    assert line_error("soon", header="start").field == "start"


def test_absurd_start_is_reported_in_the_document() -> None:
    """A bad start next to a good end keeps the record; the problem goes to error.message."""
    doc = one("2 1 eni-1 - - - - - - - 164000066 1763596890 - NODATA")
    assert "start" not in doc["event"] and "duration" not in doc["event"]
    assert doc["@timestamp"] == "2025-11-20T00:01:30.000Z"
    assert doc["error"]["message"].startswith("start: timestamp out of range")


def test_non_utf8_line_is_an_error_and_the_rest_goes_on() -> None:
    """A line with invalid UTF-8 is rejected with its line number; the others are normalized."""
    docs, errors = run(f"{V2}\n".encode() + b"2 1 eni-\xff\xfe 1.2.3.4\n" + f"{ACCEPTED}\n".encode())
    assert len(docs) == 1 and [e.line for e in errors] == [2] and "UTF-8" in errors[0].reason


def test_megabyte_line_is_an_error_and_the_rest_goes_on() -> None:
    """A line over the record size limit is rejected; the next line is still read."""
    docs, errors = run(f"{V2}\n{'x' * 1_100_000}\n{ACCEPTED}\n")
    assert len(docs) == 1 and [e.line for e in errors] == [2]


def test_megabyte_value_inside_the_limit_does_not_crash() -> None:
    """A huge (but under-limit) value in a keyword field is kept, in a huge number field rejected."""
    docs, errors = run(f"version log-status bytes\n2 {'A' * 500_000} 1\n2 OK {'9' * 500_000}\n")
    assert len(docs) == 1 and [(e.line, e.field) for e in errors] == [(3, "bytes")]


def test_truncated_gzip_is_an_error_after_the_good_lines() -> None:
    """A truncated gzip object yields the lines read so far, then one error."""
    body = (V2 + "\n" + "\n".join([ACCEPTED] * 2000) + "\n").encode()
    broken = gzip.compress(body)[:-200]
    docs, errors = run(broken)
    assert docs and len(docs) < 2000
    assert len(errors) == 1 and "truncated" in errors[0].reason and errors[0].source == "s3://bucket/flow.log"


def test_content_of_another_type_is_rejected_line_by_line() -> None:
    """A CloudTrail JSON object given as flow logs: every line is an error, none a document."""
    docs, errors = run('{"Records": [\n{"eventName": "ConsoleLogin"}\n]}\n')
    assert not docs and len(errors) == 3
    assert all("default format" in e.reason for e in errors)


# ---------------------------------------------------------------------------------------------
# Properties


V5_LINE = (
    "5 111122223333 eni-1 10.0.0.1 2001:db8::2 40000 443 6 10 840 1763596800 1763596860 REJECT OK vpc-1 "
    "subnet-1 i-1 19 IPv4 10.0.0.1 2001:db8::2 us-east-1 use1-az1 - - S3 - egress 7"
)
_TOKENS = st.one_of(
    st.sampled_from(
        ["-", "0", "65536", "-1", "256", "1.2.3.4", "::1", "ACCEPT", "REJECT", "1e9", "٣", "9" * 30]
    ),
    st.text(min_size=1, max_size=12).filter(lambda t: t.split() == [t]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from([(None, ACCEPTED), (tuple(DEFAULT_HEADER), ACCEPTED), (tuple(V5.split()), V5_LINE)]),
    edits=st.lists(st.tuples(st.integers(0, 30), _TOKENS), max_size=6),
    width_change=st.sampled_from([0, 0, 0, -1, 1]),
)
def test_mutated_lines_give_a_document_or_a_normalization_error(base, edits, width_change) -> None:
    """Whatever values a line holds, normalize returns a dict or raises NormalizationError, nothing else."""
    header, line = base
    values = line.split()
    for index, token in edits:
        values[index % len(values)] = token
    values = values[:-1] if width_change < 0 else values + ["x"] * width_change
    try:
        doc = vpcflow.normalize(RawRecord(" ".join(values), "k", 1, 0, header=header))
    except NormalizationError as exc:
        assert exc.reason and (exc.field is None or exc.field in (header or DEFAULT_HEADER))
    else:
        assert isinstance(doc, dict) and doc["event"]["kind"] == "event"
        json.dumps(doc)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_line_gives_a_document_or_a_normalization_error(text: str) -> None:
    """Arbitrary text never raises anything but NormalizationError."""
    with contextlib.suppress(NormalizationError):
        vpcflow.normalize(RawRecord(text, "k", 1, 0, header=None))


# ---------------------------------------------------------------------------------------------
# The native core (normalizer/native/src/vpcflow/): text as Python reads it


def _document(line: str, header: str | None, original: bool = False) -> tuple[str, bytes, str]:
    record = RawRecord(line, "k", 1, 0, header=tuple(header.split()) if header else None)
    return vpcflow.document(record, original)


def test_document_is_the_id_the_document_and_the_dataset() -> None:
    """document() gives the line's id (object key and offset), the document normalize() parses, and the dataset."""
    record = RawRecord(V5_LINE, "s3://b/k", 3, 77, header=tuple(V5.split()))
    doc = vpcflow.normalize(record, True)
    assert vpcflow.document(record, True) == (hashed_id("s3://b/k", 77), orjson.dumps(doc), "aws.vpcflow")


@settings(max_examples=300, deadline=None)
@given(line=st.text(max_size=60))
def test_documents_are_json_as_orjson_writes_it(line: str) -> None:
    """Any text in keyword fields gives compact JSON, escaped exactly as orjson escapes it."""
    try:
        _, body, _ = _document(line, "version log-status", original=True)
    except NormalizationError:
        return
    assert orjson.dumps(orjson.loads(body)) == body


def test_escapes_and_non_ascii_values_survive() -> None:
    """Quotes, backslashes, control characters and non-ASCII text come back as written."""
    values = ['q"q', "a\\b", "\x00\x08\x7f", "é😀"]
    doc = orjson.loads(_document(" ".join(values), "version log-status interface-id az-id", True)[1])
    vpc = doc["aws"]["vpcflow"]
    assert [vpc["version"], vpc["log_status"], vpc["interface_id"], doc["cloud"]["availability_zone"]] == values
    assert doc["event"]["original"] == " ".join(values)


def test_fields_are_split_as_str_split_splits() -> None:
    """Every character Python counts as whitespace separates fields; no other does."""
    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(chars), 4096):
        line = "x" + "x".join(chars[start : start + 4096]) + "x"
        expected = len(line.split())
        if expected == 1:
            _document(line, "version")
        else:
            with pytest.raises(NormalizationError, match=rf"the line has {expected} \(extra values"):
                _document(line, "version")


@pytest.mark.parametrize(
    ("text", "value"),
    [("٣", 3), ("1_000", 1000), ("+5", 5), ("-0", 0), ("0005", 5), ("9" * 18, 10**18 - 1), (str(2**63 - 1), 2**63 - 1)],
)
def test_numbers_are_read_as_python_int_reads_them(text: str, value: int) -> None:
    """A count takes what int() takes: other scripts' digits, underscores, a sign, leading zeros."""
    assert orjson.loads(_document(text, "bytes")[1])["network"]["bytes"] == value


@pytest.mark.parametrize("text", [str(2**63), "9" * 5000, "1__0", "_1", "1_", "0x10", "1e3", "٣x", "--1"])
def test_numbers_int_refuses_are_rejected(text: str) -> None:
    """What int() refuses, or a count beyond 64 bits, is an error naming the field."""
    with pytest.raises(NormalizationError) as caught:
        _document(f"{text} OK", "bytes log-status")
    assert caught.value.field == "bytes"


def test_every_scripts_decimal_digits_are_digits() -> None:
    """Each decimal digit of every script (as int() reads them) counts as its value; other numerals do not."""
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.decimal(char, None) is not None:
            assert orjson.loads(_document(char + char, "bytes")[1])["network"]["bytes"] == int(char + char), hex(code)
        elif unicodedata.numeric(char, None) is not None:  # ², ½, Roman numerals: numbers, not digits
            with pytest.raises(NormalizationError):
                _document(char, "bytes")


@pytest.mark.parametrize(("digits", "reason"), [(4300, "timestamp out of range"), (4301, "not an epoch timestamp")])
def test_numbers_past_4300_digits_are_not_read(digits: int, reason: str) -> None:
    """A number of 4300 digits is a number (too big); one digit more is not read as a number at all."""
    with pytest.raises(NormalizationError, match=reason):
        _document("1" * digits, "start")


def test_timestamps_in_other_scripts_digits() -> None:
    """Epoch seconds written in Arabic-Indic digits are read as int() reads them."""
    doc = orjson.loads(_document("١٧٦٣٥٩٦٨٠٠", "start")[1])
    assert doc["@timestamp"] == "2025-11-20T00:00:00.000Z"


_ADDRESS_TEXT = st.text(alphabet="0123456789abcdefABCDEFx:.%/ ", max_size=42).map(str.strip)


@settings(max_examples=1000, deadline=None)
@given(text=st.one_of(_ADDRESS_TEXT, st.ip_addresses().map(str), st.ip_addresses(v=6).map(lambda a: a.exploded)))
def test_addresses_are_what_inet_pton_accepts(text: str) -> None:
    """An address field accepts exactly what socket.inet_pton accepts (IPv6 when it has a ':')."""
    if not text or text == "-" or len(text.split()) != 1:
        return
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in text else socket.AF_INET, text)
        valid = True
    except OSError:
        valid = False
    try:
        doc = orjson.loads(_document(text, "srcaddr")[1])
    except NormalizationError as exc:
        assert not valid and exc.field == "srcaddr", text
    else:
        assert valid and doc["source"]["ip"] == text, text


# The Python normalizer's documents, byte for byte (key order included), before it became native.
V5_DOCUMENT = (
    b'{"@timestamp":"2025-11-20T00:01:00.000Z","related":{"ip":["10.0.0.1","2001:db8::2"]},"aws":{"vpc'
    b'flow":{"version":"5","account_id":"111122223333","interface_id":"eni-1","action":"REJECT","log_s'
    b'tatus":"OK","vpc_id":"vpc-1","subnet_id":"subnet-1","instance_id":"i-1","tcp_flags":"19","tcp_fl'
    b'ags_array":["fin","syn","ack"],"type":"IPv4","pkt_srcaddr":"10.0.0.1","pkt_dstaddr":"2001:db8::2'
    b'","pkt_src_service":"S3","traffic_path":"7"}},"cloud":{"provider":"aws","region":"us-east-1","av'
    b'ailability_zone":"use1-az1","account":{"id":"111122223333"},"instance":{"id":"i-1"}},"destinatio'
    b'n":{"ip":"2001:db8::2","address":"2001:db8::2","port":443},"ecs":{"version":"8.11.0"},"event":{"kind":"event","category":["'
    b'network"],"type":["connection","denied"],"dataset":"aws.vpcflow","start":"2025-11-20T00:00:00.00'
    b'0Z","end":"2025-11-20T00:01:00.000Z","action":"REJECT","outcome":"failure","duration":6000000000'
    b'0,"original":"5 111122223333 eni-1 10.0.0.1 2001:db8::2 40000 443 6 10 840 1763596800 1763596860'
    b' REJECT OK vpc-1 subnet-1 i-1 19 IPv4 10.0.0.1 2001:db8::2 us-east-1 use1-az1 - - S3 - egress 7"'
    b'},"network":{"iana_number":"6","transport":"tcp","packets":10,"bytes":840,"direction":"egress","'
    b'type":"ipv4","community_id":"1:TswRGTCe0RILtIXpSJli9uUBBf8="},"source":{"ip":"10.0.0.1","address'
    b'":"10.0.0.1","port":40000,"packets":10,"bytes":840}}'
)


def test_document_bytes_and_key_order_are_the_python_normalizers() -> None:
    """A v5 line with every derived field gives exactly the bytes the Python normalizer wrote."""
    assert _document(V5_LINE, V5, original=True)[1] == V5_DOCUMENT


def test_lone_surrogate_is_a_normalization_error() -> None:
    """Text that cannot be UTF-8 (a lone surrogate) is rejected, not a crash."""
    with pytest.raises(NormalizationError):
        _document("2 \ud800", "version log-status")


# ---------------------------------------------------------------------------------------------
# The field map, documentation examples and sample objects


def test_every_documented_field_is_in_the_map() -> None:
    """Every field AWS documents (v2-v8 and Transit Gateway) is a native row of FIELDS."""
    assert set(first_rows(FIELD_TABLES["vpcflow"].fields)) == set(DOCUMENTED)


def test_everything_written_is_declared_with_a_type() -> None:
    """Every leaf the normalizer writes, for a line with every field set, is a FIELDS row."""
    header = DOCUMENTED
    values = (
        {name: "x" for name in header}
        | {
            "version": "8",
            "srcaddr": "10.0.0.1",
            "dstaddr": "10.0.0.2",
            "pkt-srcaddr": "10.0.0.3",
            "pkt-dstaddr": "10.0.0.4",
            "srcport": "1",
            "dstport": "2",
            "protocol": "6",
            "packets": "3",
            "bytes": "4",
            "start": "1763596800",
            "end": "1763596860",
            "action": "REJECT",
            "tcp-flags": "2",
        }
        | {name: "5" for name in header if name.startswith("packets-lost")}
    )
    doc = vpcflow.normalize(
        RawRecord(" ".join(values[n] for n in header), "k", 1, 0, header=tuple(header)), True
    )
    types = ecs_types(BASE_FIELDS + FIELD_TABLES["vpcflow"].fields)

    def leaves(node: dict, prefix: str = "") -> list[str]:
        out = []
        for key, value in node.items():
            path = f"{prefix}{key}"
            out += leaves(value, path + ".") if isinstance(value, dict) else [path]
        return out

    assert set(leaves(doc)) - set(types) == set()
    assert types["source.ip"] == "ip" and types["source.bytes"] == "long" and types["@timestamp"] == "date"


@pytest.mark.parametrize("path", sorted(AWSDOCS.glob("*vpcflow*.log")), ids=lambda p: p.name)
def test_aws_documentation_examples_normalize(path: Path) -> None:
    """Every flow-log example from AWS's documentation normalizes without an error."""
    docs, errors = run(path.read_bytes())
    assert docs and not errors, [str(e) for e in errors]


def test_sample_objects_normalize_and_hold_the_demo_scenarios() -> None:
    """The sample day's objects normalize fully and hold its port scan, SSH from the internet, NODATA, SKIPDATA,
    and both formats (the default version 2 and a custom version 5)."""
    objects = sorted(SAMPLES.glob("*/vpcflowlogs/**/*.log.gz"))
    assert len(objects) == 48  # two flow logs, one object an hour
    docs: list[dict] = []
    for path in objects:
        found, errors = run(path.read_bytes(), source=str(path))
        assert found and not errors, [str(e) for e in errors]
        docs += found
    scanned = {
        d["destination"]["port"]
        for d in docs
        if d.get("source", {}).get("ip") == "192.0.2.61" and d["event"].get("outcome") == "failure"
    }
    assert len(scanned) >= 20
    public = {
        d["source"]["ip"]
        for d in docs
        if d.get("destination", {}).get("port") == 22 and d["event"].get("outcome") == "success"
        and not d["source"]["ip"].startswith("10.")
    }
    assert public == {"192.0.2.61"}
    assert {"NODATA", "SKIPDATA"} <= {d["aws"]["vpcflow"].get("log_status") for d in docs}
    assert {d["aws"]["vpcflow"]["version"] for d in docs if "version" in d["aws"]["vpcflow"]} == {"2", "5"}
