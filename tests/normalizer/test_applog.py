"""Application logs: the reader's shapes, the declared map's effects, ids, bounds and hostile envelopes."""
from __future__ import annotations

import gzip
import io
import json

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normalizer.applog.document import MAX_DEPTH, MAX_VALUES
from normalizer.applog.reader import CONTROL, MAX_VALUE_BYTES
from normalizer.applog.spec import AppSpec, dataset_problem, time_format_problem
from normalizer.errors import NormalizationError
from normalizer.records import Normalized, Skipped
from normalizer.registry import applog_type
from normalizer.stream import normalize_stream

SPEC = AppSpec(dataset="shop", timestamp="ts", message="msg", level="level", user="usr", source_ip="ip",
               outcome="result", rename={"evt": "event.action", "status": "http.response.status_code"})
T = 1796288400000


def results(data: bytes, spec: AppSpec = SPEC, source: str = "s3://logs/app/obj.gz") -> list:
    return list(normalize_stream(io.BytesIO(data), applog_type(spec), source))


def envelope(*messages: str, kind: str = "DATA_MESSAGE", first_id: int = 1) -> dict:
    return {"messageType": kind, "owner": "123456789012", "logGroup": "/ecs/shop", "logStream": "web/1",
            "subscriptionFilters": ["f"],
            "logEvents": [{"id": str(first_id + n), "timestamp": T + n, "message": m} for n, m in enumerate(messages)]}


def docs(items: list) -> list[dict]:
    return [r.doc for r in items if isinstance(r, Normalized)]


def test_firehose_object_of_concatenated_gzip_envelopes_gives_one_document_per_event() -> None:
    """Firehose's object (gzip members run together, no separator) gives each data event and counts the control message."""
    data = b"".join(gzip.compress(orjson.dumps(e)) for e in (
        envelope("a", "b"), envelope("CWL CONTROL MESSAGE", kind="CONTROL_MESSAGE"), envelope("c", first_id=3)))
    got = results(data)
    assert [d["message"] for d in docs(got)] == ["a", "b", "c"]
    assert [r.reason for r in got if isinstance(r, Skipped)] == [CONTROL]


def test_cloudwatch_event_id_is_the_id_whatever_object_carries_it() -> None:
    """A CloudWatch event delivered twice (in two objects) has one _id; two events never share one."""
    one = results(orjson.dumps(envelope("a", "b")), source="s3://logs/app/1.gz")
    two = results(orjson.dumps(envelope("x", "a", first_id=0)), source="s3://logs/app/2.gz")
    assert one[0].doc_id == two[1].doc_id
    assert one[0].doc_id != one[1].doc_id


def test_lines_without_ids_are_keyed_by_object_and_offset() -> None:
    """JSON lines get ids from object and offset: the same line elsewhere is another document."""
    line = orjson.dumps({"ts": "2026-12-03T09:00:00Z", "msg": "m"}) + b"\n"
    a, b = results(line * 2)
    assert a.doc_id != b.doc_id
    assert results(line, source="s3://other/app/obj.gz")[0].doc_id != a.doc_id


def test_json_message_is_parsed_and_the_map_applies() -> None:
    """A CloudWatch event whose message is a JSON record is mapped by the declared names."""
    message = orjson.dumps({"ts": "2026-12-03T09:00:00.5Z", "msg": "login failed", "level": "WARN", "usr": "alice",
                            "ip": "203.0.113.9", "result": "Denied", "evt": "user.login", "status": "401"}).decode()
    (doc,) = docs(results(orjson.dumps(envelope(message))))
    assert doc["@timestamp"] == "2026-12-03T09:00:00.500Z"
    assert (doc["user"], doc["source"], doc["log"]) == ({"name": "alice"}, {"ip": "203.0.113.9"}, {"level": "WARN"})
    assert doc["event"]["outcome"] == "failure" and doc["event"]["action"] == "user.login"
    assert doc["http"]["response"]["status_code"] == 401
    assert doc["cloud"]["account"]["id"] == "123456789012"
    assert doc["aws"]["cloudwatch"]["log_group"] == "/ecs/shop"
    assert doc["applog"]["fields"]["usr"] == "alice"  # native names stay reachable


def test_a_value_that_does_not_fit_its_type_is_named_and_the_document_kept() -> None:
    """A hostile source address cannot drop the record (and hide the failure): it is left out and named."""
    record = orjson.dumps({"ts": "2026-12-03T09:00:00Z", "usr": "alice", "ip": "1.2.3.4, 10.0.0.1", "result": "failed",
                           "status": {"x": 1}})
    (doc,) = docs(results(record + b"\n"))
    assert "source" not in doc and doc["applog"]["invalid"] == ["source.ip", "http.response.status_code"]
    assert doc["event"]["outcome"] == "failure" and doc["user"]["name"] == "alice"


@pytest.mark.parametrize(("value", "outcome"), [("OK", "success"), (True, "success"), ("FAILED", "failure"),
                                                (False, "failure"), ("maybe", "unknown"), ({"a": 1}, "unknown")])
def test_outcome_words_become_ecs_values(value: object, outcome: str) -> None:
    """The app's outcome words map to ECS event.outcome, case-insensitively; others are unknown."""
    (doc,) = docs(results(orjson.dumps({"ts": "2026-12-03T09:00:00Z", "result": value}) + b"\n"))
    assert doc["event"]["outcome"] == outcome


def test_records_past_the_bounds_are_dead_letters() -> None:
    """Nesting past MAX_DEPTH and more than MAX_VALUES values are refused with the reason, the next line read."""
    deep: dict = {"ts": "2026-12-03T09:00:00Z"}
    node = deep
    for _ in range(MAX_DEPTH):
        node["a"] = {}
        node = node["a"]
    wide = {"ts": "2026-12-03T09:00:00Z", "list": list(range(MAX_VALUES))}
    ok = {"ts": "2026-12-03T09:00:00Z", "msg": "fine"}
    got = results(b"\n".join(orjson.dumps(r) for r in (deep, wide, ok)) + b"\n")
    assert [str(r.reason) for r in got[:2]] == [f"record nested deeper than {MAX_DEPTH} levels",
                                                f"record holds more than {MAX_VALUES} values"]
    assert docs(got)[0]["message"] == "fine"


def test_an_oversized_envelope_is_skipped_to_its_end() -> None:
    """An envelope past MAX_VALUE_BYTES is one error; the envelope after it is read."""
    big = envelope("x" * (MAX_VALUE_BYTES + 10))
    got = results(orjson.dumps(big) + orjson.dumps(envelope("after")))
    assert isinstance(got[0], NormalizationError) and "longer than" in got[0].reason
    assert [d["message"] for d in docs(got)] == ["after"]


def test_a_bad_line_is_its_own_error_in_a_line_oriented_object() -> None:
    """An unclosed bracket on one line of JSON lines costs that line only."""
    good = orjson.dumps({"ts": "2026-12-03T09:00:00Z", "msg": "m"})
    got = results(good + b'\n{"ts": [1,\n' + good + b"\n")
    assert [type(r).__name__ for r in got] == ["Normalized", "NormalizationError", "Normalized"]
    assert got[1].line == 2 and got[1].raw.startswith('{"ts"')


def test_text_lines_are_read_with_the_pattern_and_strptime() -> None:
    """Plain text: named groups are the fields, a strptime format reads the time (naive means UTC)."""
    spec = AppSpec(dataset="portal", format="text", pattern=r"(?P<when>\S+ \S+) (?P<who>\w+) (?P<what>.*)",
                   timestamp="when", timestamp_format="%Y-%m-%d %H:%M:%S", user="who", message="what")
    (doc,) = docs(results(b"2026-12-03 09:00:00 alice signed in\n", spec))
    assert (doc["@timestamp"], doc["user"]["name"], doc["message"]) == ("2026-12-03T09:00:00.000Z", "alice", "signed in")


def test_a_cloudwatch_text_message_keeps_the_event_time() -> None:
    """A text message without a readable time of its own takes the CloudWatch event's timestamp."""
    (doc,) = docs(results(orjson.dumps(envelope("START RequestId: 1"))))
    assert doc["@timestamp"] == "2026-12-03T09:00:00.000Z" and doc["message"] == "START RequestId: 1"


def test_cloudwatch_format_refuses_anything_else() -> None:
    """With format cloudwatch, an app record where an envelope should be is an error, not a document."""
    spec = AppSpec(dataset="shop", format="cloudwatch", timestamp="ts")
    (error,) = results(b'{"ts": "2026-12-03T09:00:00Z"}\n', spec)
    assert isinstance(error, NormalizationError) and "not a CloudWatch Logs subscription record" in error.reason


@pytest.mark.parametrize("name", ["Shop", "shop-api", "logs-*", "a,b", "a:b", "a..b", ".a", "a.", "aws.cloudtrail",
                                  "cloudsift.alerts", "applog", "x" * 101, "a b", "a/b", "é"])
def test_dataset_names_that_could_reach_an_index_name_badly_are_refused(name: str) -> None:
    """Uppercase, '-', wildcards, index-name characters and cloudsift's own prefixes are no dataset."""
    assert dataset_problem(name)


@pytest.mark.parametrize("name", ["shop", "billing.api", "legacy_portal", "a1.b2_c"])
def test_plain_dataset_names_are_accepted(name: str) -> None:
    """Lowercase dotted names are datasets."""
    assert dataset_problem(name) is None


def test_time_formats_are_checked() -> None:
    """Named formats and strptime patterns that read back pass; anything else says why."""
    assert time_format_problem("epoch_ms") is None and time_format_problem("%d/%b/%Y:%H:%M:%S %z") is None
    assert time_format_problem("dd/mm/yyyy") and time_format_problem("%Q")


_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10,
)
_KEYS = st.sampled_from(["messageType", "owner", "logGroup", "logStream", "subscriptionFilters", "logEvents"])
_EVENT_KEYS = st.sampled_from(["id", "timestamp", "message"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_envelopes_are_one_outcome_per_event(data: st.DataObject) -> None:
    """Envelopes with hostile keys and events (JSON or text messages, odd types) never crash and give
    one outcome per event, or one for the envelope."""
    body = envelope(orjson.dumps({"ts": "2026-12-03T09:00:00Z", "usr": "a"}).decode(), "text line", "{not json")
    for _ in range(data.draw(st.integers(0, 3))):
        body[data.draw(_KEYS)] = data.draw(_VALUES)
    events = body.get("logEvents")
    if isinstance(events, list):
        for _ in range(data.draw(st.integers(0, 3))):
            if events and isinstance(events[0], dict):
                events[data.draw(st.integers(0, len(events) - 1))] = \
                    {**events[0], data.draw(_EVENT_KEYS): data.draw(_VALUES | st.just(json.dumps({"ts": 1})))}
    got = results(json.dumps(body).encode())
    for r in got:
        if isinstance(r, NormalizationError):
            assert not r.reason.startswith(("unexpected ", "reading stopped")), str(r)
    events = body.get("logEvents")
    is_data = body.get("messageType") == "DATA_MESSAGE" and isinstance(events, list)
    assert len(got) == (len(events) if is_data and events else 0 if is_data else 1)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(0, 4000), junk=st.binary(max_size=40))
def test_cut_and_spliced_objects_never_crash(cut: int, junk: bytes) -> None:
    """Any prefix of an object with junk spliced in reads to located outcomes, never a reader bug."""
    data = orjson.dumps(envelope("a", '{"ts": "2026-12-03T09:00:00Z"}')) + b"\n" + orjson.dumps({"ts": 1}) + b"\n"
    data = data * 3
    for r in results(data[:cut] + junk + data[cut:]):
        if isinstance(r, NormalizationError):
            assert not r.reason.startswith(("unexpected ", "reading stopped")), str(r)
