"""Route 53 query logs (Resolver JSON and public hosted-zone text) → ECS."""
from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from results import errors_and_docs, leaves

from normalizer.errors import NormalizationError
from normalizer.field_tables import FIELD_TABLES
from normalizer.mapping import BASE_FIELDS
from normalizer.records import Normalized, RawRecord
from normalizer.route53 import document as route53
from normalizer.route53.domains import split_domain
from normalizer.stream import normalize_stream

SAMPLES = Path(__file__).parents[2] / "sample_logs" / "AWSLogs"

RESOLVER = {
    "version": "1.100000", "account_id": "111122223333", "region": "eu-west-1", "vpc_id": "vpc-0123456789abcdef0",
    "query_timestamp": "2026-03-02T10:15:00Z", "query_name": "www.example.com.", "query_type": "A",
    "query_class": "IN", "rcode": "NOERROR",
    "answers": [{"Rdata": "cdn.example.net.", "Type": "CNAME", "Class": "IN"},
                {"Rdata": "192.0.2.10", "Type": "A", "Class": "IN"}],
    "srcaddr": "10.1.2.3", "srcport": "53211", "transport": "UDP", "srcids": {"instance": "i-0123456789abcdef0"},
}
PUBLIC = "1.0 2017-12-13T08:16:02.130Z Z123412341234 example.com A NOERROR UDP FRA6 192.168.1.1 -"


def resolver(**changes: object) -> dict:
    """Normalize the reference Resolver record with some fields changed (None removes one)."""
    record = {**RESOLVER, **changes}
    record = {k: v for k, v in record.items() if v is not None}
    return route53.normalize(RawRecord(orjson.dumps(record).decode(), "test.log", 1, 0))


def normalize_line(line: str) -> dict:
    """Normalize one line of either format."""
    return route53.normalize(RawRecord(line, "test.log", 1, 0))


def public(line: str = PUBLIC) -> dict:
    """Normalize one public hosted-zone query log line."""
    return normalize_line(line)


def run(data: bytes, source: str = "test.log") -> list:
    """Everything normalize_stream yields for an object's bytes."""
    return list(normalize_stream(io.BytesIO(data), "route53", source))


# --- Resolver query logs -------------------------------------------------------------------------

def test_question_name_loses_trailing_dot() -> None:
    """dns.question.name is the query name without its trailing dot."""
    assert resolver()["dns"]["question"]["name"] == "www.example.com"


def test_question_type_and_class() -> None:
    """query_type and query_class land in dns.question.type/class."""
    question = resolver(query_type="AAAA", query_class="CH")["dns"]["question"]
    assert (question["type"], question["class"]) == ("AAAA", "CH")


def test_registered_domain_split() -> None:
    """A plain name splits into subdomain, registered domain and TLD."""
    question = resolver(query_name="a.b.example.com.")["dns"]["question"]
    assert (question["subdomain"], question["registered_domain"], question["top_level_domain"]) == (
        "a.b", "example.com", "com")


@pytest.mark.parametrize(("name", "expected"), [
    ("www.bbc.co.uk", ("www", "bbc.co.uk", "co.uk")),
    ("shop.example.com.au", ("shop", "example.com.au", "com.au")),
    ("ssm.us-east-1.amazonaws.com", ("ssm", "us-east-1.amazonaws.com", "amazonaws.com")),
    ("blob.example.blob.core.windows.net", ("blob", "example.blob.core.windows.net", "blob.core.windows.net")),
    ("example.org", (None, "example.org", "org")),
    ("co.uk", (None, None, "co.uk")),
])
def test_multi_label_public_suffixes(name: str, expected: tuple) -> None:
    """The longest suffix in the embedded table wins (co.uk, com.au, amazonaws.com, …)."""
    assert split_domain(name) == expected


@pytest.mark.parametrize("name", ["instance-data", "example.invalid", "db.corp.internal", "a..example.com"])
def test_unknown_tld_is_not_split(name: str) -> None:
    """A name under a TLD the table does not know (or malformed) gets no domain split."""
    question = resolver(query_name=name + ".")["dns"]["question"]
    assert question["name"] == name and "registered_domain" not in question and "top_level_domain" not in question


def test_split_keeps_the_names_case() -> None:
    """Suffix lookup ignores case; the split parts keep the name's own spelling."""
    assert split_domain("WWW.Example.CO.UK") == ("WWW", "Example.CO.UK", "CO.UK")


def test_response_code_and_outcome() -> None:
    """rcode → dns.response_code; NOERROR is a success, anything else a failure."""
    assert resolver()["event"]["outcome"] == "success"
    doc = resolver(rcode="NXDOMAIN", answers=[])
    assert (doc["dns"]["response_code"], doc["event"]["outcome"]) == ("NXDOMAIN", "failure")


def test_answers_and_resolved_ips() -> None:
    """answers → dns.answers (data without trailing dots), dns.resolved_ip and related ip/hosts."""
    doc = resolver()
    assert doc["dns"]["answers"] == [
        {"data": "cdn.example.net", "type": "CNAME", "class": "IN"},
        {"data": "192.0.2.10", "type": "A", "class": "IN"},
    ]
    assert doc["dns"]["resolved_ip"] == ["192.0.2.10"]
    assert sorted(doc["related"]["ip"]) == ["10.1.2.3", "192.0.2.10"]
    assert sorted(doc["related"]["hosts"]) == ["cdn.example.net", "www.example.com"]


def test_malformed_answer_ip_is_not_a_resolved_ip() -> None:
    """An A record whose data is not an address stays in dns.answers but not in IP fields."""
    doc = resolver(answers=[{"Rdata": "bogus", "Type": "A", "Class": "IN"}])
    assert doc["dns"]["answers"] == [{"data": "bogus", "type": "A", "class": "IN"}]
    assert "resolved_ip" not in doc["dns"] and doc["related"]["ip"] == ["10.1.2.3"]


def test_reverse_lookup_ipv4() -> None:
    """An in-addr.arpa PTR query adds the address asked about to related.ip, and is not split."""
    doc = resolver(query_name="10.2.1.10.in-addr.arpa.", query_type="PTR",
                   answers=[{"Rdata": "host.example.com.", "Type": "PTR", "Class": "IN"}])
    assert "10.1.2.10" in doc["related"]["ip"]
    assert doc["related"]["hosts"] == ["host.example.com"]
    assert "registered_domain" not in doc["dns"]["question"]


def test_reverse_lookup_ipv6() -> None:
    """An ip6.arpa PTR query adds the IPv6 address asked about to related.ip."""
    nibbles = ".".join(reversed("20010db8000000000000000000000001"))
    doc = resolver(query_name=f"{nibbles}.ip6.arpa.", query_type="PTR", answers=[])
    assert "2001:0db8:0000:0000:0000:0000:0000:0001" in doc["related"]["ip"]


def test_source_and_network() -> None:
    """srcaddr/srcport → source.*; transport → lower-case network.transport with its IANA number."""
    doc = resolver(transport="TCP", srcaddr="fd00:ec2::23")
    assert doc["source"] == {"ip": "fd00:ec2::23", "address": "fd00:ec2::23", "port": 53211}
    assert doc["network"] == {"protocol": "dns", "transport": "tcp", "iana_number": "6", "type": "ipv6"}


def test_cloud_and_vpc() -> None:
    """account_id/region → cloud.*, vpc_id → aws.vpc_id, and the dataset is the Resolver one."""
    doc = resolver()
    assert doc["cloud"]["account"]["id"] == "111122223333" and doc["cloud"]["region"] == "eu-west-1"
    assert doc["cloud"]["provider"] == "aws" and doc["aws"]["vpc_id"] == "vpc-0123456789abcdef0"
    assert doc["event"]["dataset"] == "aws.route53_resolver_logs"
    assert (doc["event"]["kind"], doc["event"]["category"], doc["event"]["type"]) == ("event", ["network"], ["protocol"])


def test_instance_source_id() -> None:
    """srcids.instance → cloud.instance.id and aws.instance_id."""
    doc = resolver()
    assert doc["cloud"]["instance"]["id"] == doc["aws"]["instance_id"] == "i-0123456789abcdef0"


def test_resolver_endpoint_source_ids() -> None:
    """srcids.resolver_endpoint / resolver_network_interface → aws.route53.srcids.*."""
    doc = resolver(srcids={"resolver_endpoint": "rslvr-in-1", "resolver_network_interface": "rni-1"})
    assert doc["aws"]["route53"]["srcids"] == {"resolver_endpoint": "rslvr-in-1", "resolver_network_interface": "rni-1"}
    assert "instance" not in doc["cloud"]


def test_dns_firewall_block() -> None:
    """DNS Firewall fields → aws.route53.firewall.*; a BLOCK adds event.type denied."""
    doc = resolver(firewall_rule_action="BLOCK", firewall_rule_group_id="rslvr-frg-1",
                   firewall_domain_list_id="rslvr-fdl-1")
    assert doc["aws"]["route53"]["firewall"] == {
        "action": "BLOCK", "rule_group": {"id": "rslvr-frg-1"}, "domain_list": {"id": "rslvr-fdl-1"}}
    assert doc["event"]["type"] == ["protocol", "denied"]


def test_dns_firewall_alert_keeps_type() -> None:
    """A DNS Firewall ALERT is recorded but the query was answered: no denied type."""
    assert resolver(firewall_rule_action="ALERT")["event"]["type"] == ["protocol"]


def test_original_behind_flag() -> None:
    """event.original holds the raw line only when asked for."""
    line = orjson.dumps(RESOLVER).decode()
    assert "original" not in route53.normalize(RawRecord(line, "k", 1, 0))["event"]
    assert route53.normalize(RawRecord(line, "k", 1, 0), original=True)["event"]["original"] == line


def test_doc_id_is_source_and_offset() -> None:
    """The id is deterministic per object key + offset, and differs between records."""
    line = orjson.dumps(RESOLVER).decode()
    first, again, other = (RawRecord(line, "s3://b/k", 1, 0), RawRecord(line, "s3://b/k", 1, 0),
                           RawRecord(line, "s3://b/k", 2, 512))
    doc = route53.normalize(first)
    assert route53.doc_id(doc, first) == route53.doc_id(doc, again) != route53.doc_id(doc, other)


# --- public hosted-zone query logs --------------------------------------------------------------

def test_public_log_fields() -> None:
    """Every column of the public query log lands in its ECS or aws.route53 field."""
    doc = public("1.0 2017-12-13T08:15:50.235Z Z123412341234 bad.example.com AAAA NXDOMAIN TCP IAD12 "
                 "2001:db8::53 192.168.222.0/24")
    assert doc["@timestamp"] == "2017-12-13T08:15:50.235Z"
    assert doc["aws"]["route53"] == {"version": "1.0", "hosted_zone_id": "Z123412341234", "edge_location": "IAD12",
                                     "edns_client_subnet": "192.168.222.0/24"}
    assert doc["dns"] == {"question": {"name": "bad.example.com", "type": "AAAA", "subdomain": "bad",
                                       "registered_domain": "example.com", "top_level_domain": "com"},
                          "response_code": "NXDOMAIN"}
    assert doc["source"] == {"ip": "2001:db8::53", "address": "2001:db8::53"}
    assert doc["network"]["transport"] == "tcp" and doc["event"]["outcome"] == "failure"


def test_public_log_dash_means_absent() -> None:
    """A '-' EDNS client subnet is left out; the dataset is the public-log one."""
    doc = public()
    assert "edns_client_subnet" not in doc["aws"]["route53"]
    assert doc["event"]["dataset"] == "aws.route53_public_logs"


def test_formats_detected_per_line() -> None:
    """One object may mix both formats: each line is recognized on its own."""
    data = (PUBLIC + "\n" + orjson.dumps(RESOLVER).decode() + "\n").encode()
    datasets = [r.doc["event"]["dataset"] for r in run(data)]
    assert datasets == ["aws.route53_public_logs", "aws.route53_resolver_logs"]


# --- the field map ------------------------------------------------------------------------------

def test_datasets() -> None:
    """The log type writes the two Elastic data streams' datasets."""
    assert FIELD_TABLES["route53"].datasets == ("aws.route53_resolver_logs", "aws.route53_public_logs")


def test_every_native_field_is_mapped() -> None:
    """Every key of a full Resolver record has a row in the field map under its AWS name."""
    natives = {f.native for f in FIELD_TABLES["route53"].fields}
    record = {**RESOLVER, "firewall_rule_action": "BLOCK", "firewall_rule_group_id": "g",
              "firewall_domain_list_id": "d", "srcids": {"instance": "i", "resolver_endpoint": "e",
                                                         "resolver_network_interface": "n"}}
    assert leaves(record) <= natives | {"answers.Rdata", "answers.Type", "answers.Class"}
    assert {"answers.Rdata", "answers.Type", "answers.Class", "hosted_zone_id", "edge_location",
            "resolver_ip", "edns_client_subnet"} <= natives


def test_every_written_field_has_a_type() -> None:
    """Every field the sample objects produce is declared (so the index template maps it)."""
    declared = {f.ecs for f in FIELD_TABLES["route53"].fields} | {f.ecs for f in BASE_FIELDS}
    written: set[str] = set()
    for path in SAMPLES.glob("*/vpcdnsquerylogs/**/*.gz"):
        for result in run(path.read_bytes(), str(path)):
            assert isinstance(result, Normalized), result
            written |= leaves(result.doc)
    written |= leaves(public()) | leaves(resolver(srcids={"resolver_endpoint": "e"}))
    assert written and written <= declared, written - declared


def test_sample_objects_normalize_cleanly() -> None:
    """The demo objects under sample_logs/ normalize without a single error."""
    paths = list(SAMPLES.glob("*/vpcdnsquerylogs/**/*.log.gz"))
    assert paths
    results = [result for path in paths for result in run(path.read_bytes(), str(path))]
    assert len(results) >= 24 * len(paths) / 2 and all(isinstance(r, Normalized) for r in results)


# --- bad input ----------------------------------------------------------------------------------

def test_invalid_json_is_located_and_rest_goes_on() -> None:
    """Invalid JSON is an error naming the object and line; the following line is still normalized."""
    data = b'{"query_timestamp": "2026-01-01T00:00:00Z", \n' + orjson.dumps(RESOLVER) + b"\n"
    errors, docs = errors_and_docs(run(data, "s3://b/k.log"))
    assert len(errors) == 1 and len(docs) == 1
    assert errors[0].source == "s3://b/k.log" and errors[0].line == 1 and "invalid JSON" in str(errors[0])


def test_wrong_number_of_fields() -> None:
    """A public log line with a missing column names the first missing field."""
    with pytest.raises(NormalizationError) as info:
        public("1.0 2017-12-13T08:16:02.130Z Z123412341234 example.com A NOERROR UDP FRA6")
    assert info.value.field == "resolver_ip" and "8 fields" in str(info.value)


def test_too_many_fields() -> None:
    """A public log line with an extra column is refused too."""
    with pytest.raises(NormalizationError, match="11 fields"):
        public(PUBLIC + " extra")


def test_non_utf8_line() -> None:
    """A line that is not UTF-8 is an error with its line number; the others are normalized."""
    data = PUBLIC.encode() + b"\n" + PUBLIC.encode().replace(b"example", b"ex\xffample") + b"\n" + PUBLIC.encode()
    errors, docs = errors_and_docs(run(data))
    assert len(docs) == 2 and len(errors) == 1 and errors[0].line == 2 and "UTF-8" in errors[0].reason


@pytest.mark.parametrize("stamp", ["2199-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "yesterday", "2026-13-40T99:00:00Z"])
def test_absurd_timestamp(stamp: str) -> None:
    """A timestamp out of range or unparseable is an error naming query_timestamp."""
    with pytest.raises(NormalizationError) as info:
        resolver(query_timestamp=stamp)
    assert info.value.field == "query_timestamp"


def test_megabyte_long_string() -> None:
    """A line over the reader's limit is refused without parsing; the next line is normalized."""
    huge = orjson.dumps({**RESOLVER, "query_name": "a" * (2 * 1024 * 1024)})
    errors, docs = errors_and_docs(run(huge + b"\n" + PUBLIC.encode() + b"\n"))
    assert len(errors) == 1 and errors[0].line == 1 and len(docs) == 1


def test_long_name_within_limit_is_kept() -> None:
    """A long (but sub-megabyte) name is normalized, not truncated: length is evidence of tunnelling."""
    name = "x" * 5000 + ".example.com"
    assert resolver(query_name=name + ".")["dns"]["question"]["name"] == name


def test_truncated_gzip() -> None:
    """A truncated gzip object yields the records before the damage, then one located error."""
    lines = "\n".join([PUBLIC] * 2000).encode()
    data = gzip.compress(lines)[:-200]
    errors, docs = errors_and_docs(run(data, "s3://b/cut.log.gz"))
    assert docs and len(errors) == 1 and "truncated" in errors[0].reason and errors[0].source == "s3://b/cut.log.gz"


@pytest.mark.parametrize("line", [
    '{"eventVersion":"1.08","eventTime":"2026-03-02T10:21:05Z","eventName":"GetCallerIdentity"}',
    "2 123456789012 eni-0123456789abcdef0 10.0.0.1 10.0.0.2 443 49152 6 10 840 1772446865 1772446925 ACCEPT OK",
    "[1, 2, 3]",
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes",
])
def test_content_of_another_type(line: str) -> None:
    """CloudTrail, flow-log or other content is refused as not a Route 53 record."""
    with pytest.raises(NormalizationError):
        normalize_line(line)


@pytest.mark.parametrize(("changes", "field"), [
    ({"srcaddr": "not-an-ip"}, "srcaddr"),
    ({"srcport": "port"}, "srcport"),
    ({"answers": {"Rdata": "x"}}, "answers"),
    ({"answers": ["x"]}, "answers"),
    ({"query_name": {"a": 1}}, "query_name"),
    ({"query_name": None}, "query_name"),
    ({"account_id": ["1"]}, "account_id"),
])
def test_wrong_value_types_name_the_field(changes: dict, field: str) -> None:
    """A value of the wrong shape is an error naming its native field."""
    with pytest.raises(NormalizationError) as info:
        resolver(**changes)
    assert info.value.field == field


# --- property: never anything but a document or a NormalizationError ----------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from([*RESOLVER, "firewall_rule_action", "srcids"]), value=JSON_VALUES,
       drop=st.sets(st.sampled_from(list(RESOLVER)), max_size=3))
def test_mutated_resolver_records(key: str, value: object, drop: set) -> None:
    """A Resolver record with any field replaced or removed gives a document or a NormalizationError."""
    record = {k: v for k, v in {**RESOLVER, key: value}.items() if k not in drop}
    try:
        doc = route53.normalize(RawRecord(json.dumps(record), "k", 1, 0))
    except NormalizationError:
        return
    assert isinstance(doc, dict) and doc["event"]["dataset"] == "aws.route53_resolver_logs"


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1, max_size=200).filter(lambda t: t.strip()),
       position=st.integers(min_value=0, max_value=len(PUBLIC)))
def test_mutated_text_lines(text: str, position: int) -> None:
    """Any text spliced into a public log line gives a document or a NormalizationError."""
    line = (PUBLIC[:position] + text + PUBLIC[position:]).strip()
    try:
        doc = normalize_line(line)
    except NormalizationError:
        return
    assert isinstance(doc, dict)
