"""AWS WAF web ACL logs → ECS."""
from __future__ import annotations

import copy
import gzip
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from results import errors_and_docs, leaves

from normalizer.errors import NormalizationError
from normalizer.field_tables import FIELD_TABLES
from normalizer.mapping import BASE_FIELDS
from normalizer.records import Normalized, RawRecord
from normalizer.stream import normalize_stream
from normalizer.waf import document as waf

GOLDEN = Path(__file__).parent / "golden" / "waf"
SAMPLES = Path(__file__).parents[2] / "sample_logs" / "AWSLogs"
ACL = "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/api-acl/0a1b2c3d-4e5f-6789-abcd-ef0123456789"

RECORD = {
    "timestamp": 1772446500123, "formatVersion": 1, "webaclId": ACL,
    "terminatingRuleId": "Default_Action", "terminatingRuleType": "REGULAR", "action": "ALLOW",
    "terminatingRuleMatchDetails": [], "httpSourceName": "ALB", "httpSourceId": "111122223333-app/api/0123",
    "ruleGroupList": [], "rateBasedRuleList": [], "nonTerminatingMatchingRules": [],
    "requestHeadersInserted": None, "responseCodeSent": None,
    "httpRequest": {
        "clientIp": "198.51.100.7", "country": "DE",
        "headers": [{"name": "Host", "value": "api.example.com"}, {"name": "User-Agent", "value": "curl/8.5.0"}],
        "uri": "/v1/items", "args": "page=2", "httpVersion": "HTTP/1.1", "httpMethod": "GET", "requestId": "rid-1",
    },
    "labels": [{"name": "awswaf:clientip:geo:country:DE"}],
}


def normalize(**changes: object) -> dict:
    """Normalize the reference record with top-level fields changed (None removes one)."""
    record = {k: v for k, v in {**copy.deepcopy(RECORD), **changes}.items() if v is not None}
    return waf.normalize(RawRecord(json.dumps(record), "test.log", 1, 0))


def with_request(**changes: object) -> dict:
    """Normalize the reference record with httpRequest fields changed (None removes one)."""
    request = {k: v for k, v in {**RECORD["httpRequest"], **changes}.items() if v is not None}
    return normalize(httpRequest=request)


def run(data: bytes, source: str = "test.log") -> list:
    """Everything normalize_stream yields for an object's bytes."""
    return list(normalize_stream(io.BytesIO(data), "waf", source))


def test_aws_documentation_examples_normalize() -> None:
    """Every example from AWS's WAF logging documentation normalizes with no error."""
    results = run((GOLDEN / "awsdocs.log").read_bytes())
    assert len(results) == 6 and all(isinstance(r, Normalized) for r in results)


# --- fields -------------------------------------------------------------------------------------

def test_timestamp_epoch_millis() -> None:
    """timestamp (epoch milliseconds) → @timestamp with its milliseconds."""
    assert normalize()["@timestamp"] == "2026-03-02T10:15:00.123Z"


def test_web_acl_arn() -> None:
    """webaclId (an ARN) → aws.waf.arn/id and cloud account, region and service."""
    doc = normalize()
    assert doc["aws"]["waf"]["arn"] == ACL
    assert doc["aws"]["waf"]["id"] == "regional/webacl/api-acl/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    assert doc["cloud"] == {"provider": "aws", "account": {"id": "111122223333"}, "region": "eu-west-1",
                            "service": {"name": "wafv2"}}


def test_web_acl_classic_guid() -> None:
    """A WAF Classic webaclId (a GUID) is kept as aws.waf.id."""
    doc = normalize(webaclId="4f5e6d7c-8b9a-0123-4567-89abcdef0123")
    assert doc["aws"]["waf"]["id"] == "4f5e6d7c-8b9a-0123-4567-89abcdef0123" and "account" not in doc["cloud"]


def test_format_version() -> None:
    """formatVersion → aws.waf.format_version as a string."""
    assert normalize()["aws"]["waf"]["format_version"] == "1"


@pytest.mark.parametrize(("action", "types", "outcome"), [
    ("ALLOW", ["access", "allowed"], "success"),
    ("BLOCK", ["access", "denied"], "failure"),
    ("CAPTCHA", ["access", "denied"], "failure"),
    ("CHALLENGE", ["access", "denied"], "failure"),
    ("COUNT", ["access"], "unknown"),
])
def test_action(action: str, types: list[str], outcome: str) -> None:
    """action → event.action, with event.type and event.outcome from it."""
    event = normalize(action=action)["event"]
    assert (event["action"], event["type"], event["outcome"]) == (action, types, outcome)
    assert (event["kind"], event["category"], event["dataset"]) == ("event", ["web", "network"], "aws.waf")


def test_terminating_rule() -> None:
    """terminatingRuleId/Type → rule.id/ruleset; a plain rule is also rule.name."""
    doc = normalize(terminatingRuleId="block-admin", terminatingRuleType="REGULAR", action="BLOCK")
    assert doc["rule"] == {"id": "block-admin", "ruleset": "REGULAR", "name": "block-admin"}


def test_terminating_rule_inside_a_rule_group() -> None:
    """When a rule group terminated the request, rule.name is the rule inside it that matched."""
    groups = [{"ruleGroupId": "AWS#AWSManagedRulesSQLiRuleSet",
               "terminatingRule": {"ruleId": "SQLi_QUERYARGUMENTS", "action": "BLOCK", "ruleMatchDetails": None},
               "nonTerminatingMatchingRules": [], "excludedRules": None}]
    doc = normalize(terminatingRuleId="AWS-AWSManagedRulesSQLiRuleSet", terminatingRuleType="MANAGED_RULE_GROUP",
                    action="BLOCK", ruleGroupList=groups)
    assert doc["rule"]["name"] == "SQLi_QUERYARGUMENTS" and doc["rule"]["id"] == "AWS-AWSManagedRulesSQLiRuleSet"
    assert doc["aws"]["waf"]["rule_group_list"] == [{
        "ruleGroupId": "AWS#AWSManagedRulesSQLiRuleSet",
        "terminatingRule": {"ruleId": "SQLi_QUERYARGUMENTS", "action": "BLOCK"}}]


def test_terminating_rule_match_details() -> None:
    """terminatingRuleMatchDetails are kept whole (flattened) under aws.waf."""
    details = [{"conditionType": "XSS", "location": "HEADER", "matchedData": ["<", "frameset"]}]
    assert normalize(terminatingRuleMatchDetails=details)["aws"]["waf"]["terminating_rule_match_details"] == details


def test_rule_group_non_terminating_and_excluded_rules() -> None:
    """A rule group's non-terminating matches and excluded rules are kept."""
    groups = [{"ruleGroupId": "AWS#AWSManagedRulesCommonRuleSet", "terminatingRule": None,
               "nonTerminatingMatchingRules": [{"ruleId": "SizeRestrictions_QUERYSTRING", "action": "COUNT",
                                                "ruleMatchDetails": []}],
               "excludedRules": [{"exclusionType": "EXCLUDED_AS_COUNT", "ruleId": "SizeRestrictions_BODY"}]}]
    kept = normalize(ruleGroupList=groups)["aws"]["waf"]["rule_group_list"][0]
    assert kept["nonTerminatingMatchingRules"] == [{"ruleId": "SizeRestrictions_QUERYSTRING", "action": "COUNT"}]
    assert kept["excludedRules"] == [{"exclusionType": "EXCLUDED_AS_COUNT", "ruleId": "SizeRestrictions_BODY"}]


def test_rate_based_rules() -> None:
    """rateBasedRuleList → aws.waf.rate_based_rule_list."""
    rate = [{"rateBasedRuleId": "r-1", "rateBasedRuleName": "login-rate", "limitKey": "IP", "maxRateAllowed": 100,
             "evaluationWindowSec": "300", "limitValue": "198.51.100.7"}]
    doc = normalize(action="BLOCK", terminatingRuleType="RATE_BASED", terminatingRuleId="login-rate",
                    rateBasedRuleList=rate)
    assert doc["aws"]["waf"]["rate_based_rule_list"] == rate and doc["rule"]["ruleset"] == "RATE_BASED"


def test_non_terminating_matching_rules() -> None:
    """nonTerminatingMatchingRules (COUNT matches) → aws.waf.non_terminating_matching_rules."""
    rules = [{"ruleId": "count-sqli", "action": "COUNT",
              "ruleMatchDetails": [{"conditionType": "SQL_INJECTION", "location": "QUERY_STRING",
                                    "matchedData": ["1", "OR"]}]}]
    assert normalize(nonTerminatingMatchingRules=rules)["aws"]["waf"]["non_terminating_matching_rules"] == rules


def test_labels() -> None:
    """labels → aws.waf.labels, queried by name."""
    assert normalize()["aws"]["waf"]["labels"] == [{"name": "awswaf:clientip:geo:country:DE"}]


def test_request_headers() -> None:
    """httpRequest.headers → aws.waf.request.headers; a repeated header keeps all its values."""
    headers = [{"name": "Host", "value": "a.example.com"}, {"name": "Cookie", "value": "a=1"},
               {"name": "Cookie", "value": "b=2"}, {"name": "bad", "myValue": "ignored"}]
    assert with_request(headers=headers)["aws"]["waf"]["request"]["headers"] == {
        "Host": "a.example.com", "Cookie": ["a=1", "b=2"]}


@pytest.mark.parametrize("name", ["User-Agent", "user-agent", "USER-AGENT"])
def test_user_agent_from_header(name: str) -> None:
    """The User-Agent header, whatever its case, → user_agent.original."""
    doc = with_request(headers=[{"name": name, "value": "sqlmap/1.8"}])
    assert doc["user_agent"]["original"] == "sqlmap/1.8"


def test_referer_header() -> None:
    """The Referer header → http.request.referrer."""
    doc = with_request(headers=[{"name": "referer", "value": "https://evil.example/"}])
    assert doc["http"]["request"]["referrer"] == "https://evil.example/"


def test_url_from_request() -> None:
    """uri/args/fragment/scheme → url.path/query/fragment/scheme, and url.original."""
    url = with_request(fragment="top", scheme="https")["url"]
    assert url["path"] == "/v1/items" and url["query"] == "page=2" and url["original"] == "/v1/items?page=2"
    assert url["fragment"] == "top" and url["scheme"] == "https"


def test_url_domain_from_host_field_then_header() -> None:
    """httpRequest.host → url.domain/port; without it, the Host header is used."""
    explicit = with_request(host="shop.example.com:8443")["url"]
    assert (explicit["domain"], explicit["port"]) == ("shop.example.com", 8443)
    assert with_request()["url"]["domain"] == "api.example.com"
    ipv6 = with_request(headers=[{"name": "host", "value": "[2001:db8::1]:8080"}])["url"]
    assert (ipv6["domain"], ipv6["port"]) == ("2001:db8::1", 8080)


def test_empty_query_string_is_absent() -> None:
    """An empty args leaves url.query out and url.original is the path."""
    url = with_request(args="")["url"]
    assert "query" not in url and url["original"] == "/v1/items"


@pytest.mark.parametrize(("version", "number", "transport"), [
    ("HTTP/1.1", "1.1", "tcp"), ("HTTP/2.0", "2.0", "tcp"), ("HTTP/3.0", "3.0", "udp")])
def test_http_version(version: str, number: str, transport: str) -> None:
    """httpVersion → http.version and network.protocol/transport."""
    doc = with_request(httpVersion=version)
    assert doc["http"]["version"] == number and doc["network"] == {"protocol": "http", "transport": transport}


def test_method_and_request_id() -> None:
    """httpMethod/requestId → http.request.method/id."""
    assert normalize()["http"]["request"] == {"method": "GET", "id": "rid-1"}


def test_client_ip_and_country() -> None:
    """clientIp/country → source.ip/geo.country_iso_code and related.ip; '-' country is absent."""
    doc = normalize()
    assert doc["source"] == {"ip": "198.51.100.7", "geo": {"country_iso_code": "DE"}}
    assert doc["related"]["ip"] == ["198.51.100.7"]
    assert "geo" not in with_request(country="-", clientIp="2001:db8::7")["source"]


def test_source_names() -> None:
    """httpSourceName/Id → aws.waf.source.name/id; AWS's '-' means none."""
    assert normalize()["aws"]["waf"]["source"] == {"name": "ALB", "id": "111122223333-app/api/0123"}
    assert "source" not in normalize(httpSourceName="-", httpSourceId="-")["aws"]["waf"]


def test_captcha_response() -> None:
    """captchaResponse → aws.waf.captcha_response; a 0 solve time (never solved) is absent."""
    doc = normalize(action="CAPTCHA", captchaResponse={"responseCode": 405, "solveTimestamp": 0,
                                                       "failureReason": "TOKEN_MISSING"})
    assert doc["aws"]["waf"]["captcha_response"] == {"response_code": 405, "failure_reason": "TOKEN_MISSING"}


@pytest.mark.parametrize("solved", [1772446400, 1772446400000])
def test_challenge_solve_timestamp_seconds_or_millis(solved: int) -> None:
    """challengeResponse.solveTimestamp is read in seconds (as documented) or milliseconds."""
    doc = normalize(challengeResponse={"responseCode": 0, "solveTimestamp": solved})
    assert doc["aws"]["waf"]["challenge_response"] == {"response_code": 0,
                                                       "solve_timestamp": "2026-03-02T10:13:20.000Z"}


def test_inserted_headers_and_response_code() -> None:
    """requestHeadersInserted → a name/value map; responseCodeSent → a number."""
    doc = normalize(requestHeadersInserted=[{"name": "x-verified", "value": "yes"}], responseCodeSent=429)
    assert doc["aws"]["waf"]["request_headers_inserted"] == {"x-verified": "yes"}
    assert doc["aws"]["waf"]["response_code_sent"] == 429


def test_tls_fingerprints() -> None:
    """ja3Fingerprint/ja4Fingerprint → tls.client.ja3/ja4."""
    doc = normalize(ja3Fingerprint="e7d705a3286e19ea42f587b344ee6865", ja4Fingerprint="t13d1516h2_8daaf6152771_x")
    assert doc["tls"] == {"client": {"ja3": "e7d705a3286e19ea42f587b344ee6865", "ja4": "t13d1516h2_8daaf6152771_x"}}


def test_body_size_and_oversize_fields() -> None:
    """requestBodySize (also http.request.body.bytes), the inspected size and oversizeFields are kept."""
    doc = normalize(requestBodySize=4096, requestBodySizeInspectedByWAF=1024, oversizeFields=["REQUEST_BODY"])
    assert doc["http"]["request"]["body"] == {"bytes": 4096}
    assert (doc["aws"]["waf"]["request_body_size"], doc["aws"]["waf"]["request_body_size_inspected_by_waf"],
            doc["aws"]["waf"]["oversize_fields"]) == (4096, 1024, ["REQUEST_BODY"])


def test_original_behind_flag() -> None:
    """event.original holds the raw line only when asked for."""
    line = json.dumps(RECORD)
    assert "original" not in waf.normalize(RawRecord(line, "k", 1, 0))["event"]
    assert waf.normalize(RawRecord(line, "k", 1, 0), original=True)["event"]["original"] == line


def test_doc_id_is_source_and_offset() -> None:
    """The id is deterministic per object key + offset, and differs between records."""
    line = json.dumps(RECORD)
    first, again, other = RawRecord(line, "s3://b/k", 1, 0), RawRecord(line, "s3://b/k", 1, 0), RawRecord(
        line, "s3://b/k", 2, 900)
    doc = waf.normalize(first)
    assert waf.doc_id(doc, first) == waf.doc_id(doc, again) != waf.doc_id(doc, other)


# --- the field map ------------------------------------------------------------------------------

FLATTENED = frozenset(f.ecs for f in FIELD_TABLES["waf"].fields if f.type == "flattened")


def test_every_native_field_is_mapped() -> None:
    """Every documented WAF log field has a row in the field map under its AWS name."""
    natives = {f.native for f in FIELD_TABLES["waf"].fields}
    documented = {
        "timestamp", "formatVersion", "webaclId", "terminatingRuleId", "terminatingRuleType", "action",
        "terminatingRuleMatchDetails", "httpSourceName", "httpSourceId", "ruleGroupList", "rateBasedRuleList",
        "nonTerminatingMatchingRules", "requestHeadersInserted", "responseCodeSent", "labels.name",
        "captchaResponse.responseCode", "captchaResponse.solveTimestamp", "captchaResponse.failureReason",
        "challengeResponse.responseCode", "challengeResponse.solveTimestamp", "challengeResponse.failureReason",
        "ja3Fingerprint", "ja4Fingerprint", "httpRequest.clientIp", "httpRequest.country", "httpRequest.headers",
        "httpRequest.uri", "httpRequest.args", "httpRequest.httpVersion", "httpRequest.httpMethod",
        "httpRequest.requestId", "httpRequest.fragment", "httpRequest.scheme", "httpRequest.host",
        "oversizeFields", "requestBodySize", "requestBodySizeInspectedByWAF",
    }
    assert documented <= natives, documented - natives


def test_every_written_field_has_a_type() -> None:
    """Every field the sample and golden objects produce is declared (so the index template maps it)."""
    declared = {f.ecs for f in FIELD_TABLES["waf"].fields} | {f.ecs for f in BASE_FIELDS}
    written: set[str] = set()
    paths = [*SAMPLES.glob("*/WAFLogs/**/*.gz"), *GOLDEN.glob("*.log")]
    for path in paths:
        for result in run(path.read_bytes(), str(path)):
            if isinstance(result, Normalized):
                written |= leaves(result.doc, opaque=FLATTENED)
    assert written and written <= declared, written - declared


def test_sample_objects_normalize_cleanly() -> None:
    """The demo objects under sample_logs/ normalize without a single error."""
    paths = list(SAMPLES.glob("*/WAFLogs/**/*.log.gz"))
    assert paths
    results = [result for path in paths for result in run(path.read_bytes(), str(path))]
    assert len(results) >= 24 * len(paths) / 2 and all(isinstance(r, Normalized) for r in results)


# --- bad input ----------------------------------------------------------------------------------

GOOD = json.dumps(RECORD).encode()


def test_invalid_json_is_located_and_rest_goes_on() -> None:
    """Invalid JSON is an error naming the object and line; the following line is still normalized."""
    errors, docs = errors_and_docs(run(b'{"timestamp": 1, "httpRequest":\n' + GOOD + b"\n", "s3://b/w.log"))
    assert len(errors) == 1 and len(docs) == 1
    assert errors[0].source == "s3://b/w.log" and errors[0].line == 1 and "invalid JSON" in errors[0].reason


def test_non_utf8_line() -> None:
    """A line that is not UTF-8 is an error with its line number; the others are normalized."""
    errors, docs = errors_and_docs(run(GOOD + b"\n" + GOOD.replace(b"curl", b"cu\xferl") + b"\n" + GOOD))
    assert len(docs) == 2 and len(errors) == 1 and errors[0].line == 2


@pytest.mark.parametrize("stamp", [0, -5, 99999999999999999, "soon", 4102444800000, True])
def test_absurd_timestamp(stamp: object) -> None:
    """A timestamp out of range or not a number is an error naming timestamp."""
    with pytest.raises(NormalizationError) as info:
        normalize(timestamp=stamp)
    assert info.value.field == "timestamp"


def test_megabyte_long_string() -> None:
    """A line over the reader's limit is refused without parsing; the next line is normalized."""
    huge = json.dumps({**RECORD, "httpRequest": {**RECORD["httpRequest"], "uri": "/" + "a" * 2_000_000}}).encode()
    errors, docs = errors_and_docs(run(huge + b"\n" + GOOD + b"\n"))
    assert len(errors) == 1 and errors[0].line == 1 and len(docs) == 1


def test_truncated_gzip() -> None:
    """A truncated gzip object yields the records before the damage, then one located error."""
    data = gzip.compress(b"\n".join([GOOD] * 500))[:-300]
    errors, docs = errors_and_docs(run(data, "s3://b/cut.log.gz"))
    assert docs and len(errors) == 1 and "truncated" in errors[0].reason


@pytest.mark.parametrize("line", [
    '{"version":"1.100000","query_timestamp":"2026-03-02T10:21:01Z","query_name":"example.org.","srcaddr":"10.1.2.3"}',
    '{"eventVersion":"1.08","eventTime":"2026-03-02T10:21:05Z","eventName":"GetCallerIdentity"}',
    '{"timestamp": 1772446500123, "httpRequest": "GET /"}',
    "2 123456789012 eni-0123456789abcdef0 10.0.0.1 10.0.0.2 443 49152 6 10 840 1772446865 1772446925 ACCEPT OK",
    "[1, 2]",
])
def test_content_of_another_type(line: str) -> None:
    """Route 53, CloudTrail, flow-log or other content is refused as not a WAF record."""
    with pytest.raises(NormalizationError):
        waf.normalize(RawRecord(line, "k", 1, 0))


@pytest.mark.parametrize(("changes", "request_changes", "field"), [
    ({}, {"clientIp": "999.1.1.1"}, "httpRequest.clientIp"),
    ({}, {"headers": {"Host": "x"}}, "httpRequest.headers"),
    ({}, {"headers": ["Host: x"]}, "httpRequest.headers"),
    ({}, {"uri": ["/a"]}, "httpRequest.uri"),
    ({"labels": "a"}, {}, "labels"),
    ({"responseCodeSent": "teapot"}, {}, "responseCodeSent"),
    ({"captchaResponse": {"solveTimestamp": "now"}}, {}, "captchaResponse.solveTimestamp"),
    ({"ruleGroupList": json.loads("[" * 25 + '"deep"' + "]" * 25)}, {}, "ruleGroupList"),
])
def test_wrong_value_types_name_the_field(changes: dict, request_changes: dict, field: str) -> None:
    """A value of the wrong shape is an error naming its native field."""
    record = {**RECORD, **changes, "httpRequest": {**RECORD["httpRequest"], **request_changes}}
    with pytest.raises(NormalizationError) as info:
        waf.normalize(RawRecord(json.dumps(record), "k", 1, 0))
    assert info.value.field == field


# --- property: never anything but a document or a NormalizationError ----------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
KEYS = [*RECORD, "captchaResponse", "challengeResponse", "ja3Fingerprint", "oversizeFields", "requestBodySize"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(KEYS), value=JSON_VALUES,
       request_key=st.sampled_from([*RECORD["httpRequest"], "host", "fragment"]), request_value=JSON_VALUES,
       drop=st.sets(st.sampled_from(list(RECORD)), max_size=3))
def test_mutated_records(key: str, value: object, request_key: str, request_value: object, drop: set) -> None:
    """A WAF record with fields replaced or removed gives a document or a NormalizationError."""
    record = copy.deepcopy(RECORD)
    record["httpRequest"][request_key] = request_value
    record[key] = value
    record = {k: v for k, v in record.items() if k not in drop}
    try:
        doc = waf.normalize(RawRecord(json.dumps(record), "k", 1, 0))
    except NormalizationError:
        return
    assert isinstance(doc, dict) and doc["event"]["dataset"] == "aws.waf"


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(GOOD)), text=st.text(max_size=40))
def test_mutated_raw_text(cut: int, text: str) -> None:
    """Any text spliced into a raw WAF line gives a document or a NormalizationError."""
    line = GOOD.decode()[:cut] + text + GOOD.decode()[cut:]
    try:
        doc = waf.normalize(RawRecord(line, "k", 1, 0))
    except NormalizationError:
        return
    assert isinstance(doc, dict)
