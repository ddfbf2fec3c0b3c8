"""Hostile records through every source's normalizer: each record is exactly one outcome, never a crash.

A record's failure must be a NormalizationError that says what is wrong, not a normalizer bug that
normalize_stream caught ("unexpected IndexError") or a native panic it turned into an error: both
mean an input shape nobody thought of, which the normalizer must handle at its root.
"""
from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normalizer.errors import NormalizationError
from normalizer.records import Normalized, Skipped
from normalizer.stream import normalize_stream

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
SAMPLES = HERE.parents[1] / "sample_logs"
# Values of every JSON type and then some: nulls in lists, huge numbers and strings, deep nesting.
HOSTILE_VALUES: tuple[Any, ...] = (
    None, True, 0, -1, 2**64, -(2**63) - 1, 1e308, -0.5, "", "-", "x" * 70_000, "\"\\\x00\u2028\ud7ff",
    [], [None], [None, ""], [1, [2, [3]]], [{}], [{"a": None}], {}, {"a": None}, {"": [None]},
    "2024-13-45T99:99:99Z", "::ffff:1.2.3.4%eth0", "999.1.1.1",
)
DEEP = {"a": [{"b": [{"c": [[[[{"d": None}]]]]}]}]}


def json_records(source: str) -> list[dict]:
    """The JSON records of a source's golden inputs (and sample objects), one dict each."""
    records = []
    for path in sorted((GOLDEN / source).glob("*.log")):
        for line in path.read_bytes().splitlines():
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError:  # the goldens' deliberately bad lines
                continue
            if isinstance(value, dict):
                records.extend(value.get("Records", value.get("findings", [value])))
    return records


def cloudtrail_records() -> list[dict]:
    records = json_records("cloudtrail")
    # One sample record per kind of call (source, name, identity type), at most 40: the sample day holds
    # thousands, and every path of every record meets every hostile value.
    kinds: set[tuple] = set()
    for path in sorted(SAMPLES.glob("AWSLogs/*/CloudTrail/**/*.json.gz")):
        for record in orjson.loads(gzip.decompress(path.read_bytes()))["Records"]:
            kind = (record["eventSource"], record["eventName"], record["userIdentity"].get("type"))
            if kind not in kinds and len(kinds) < 40:
                kinds.add(kind)
                records.append(record)
    return records


def paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path into `value` (dict keys and list indices), the value itself included."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


def replaced(value: Any, path: tuple, new: Any) -> Any:
    """A copy of `value` with `path` set to `new`."""
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    node = copy
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = new
    return copy


def outcomes(data: bytes, source: str) -> list:
    """Every result of normalizing `data`, each checked to be a real outcome, not a caught bug."""
    results = list(normalize_stream(io.BytesIO(data), source, f"s3://hostile/{source}.log"))
    for result in results:
        assert isinstance(result, Normalized | NormalizationError | Skipped)
        if isinstance(result, NormalizationError):
            assert not result.reason.startswith(("unexpected ", "reading stopped")), str(result)
            assert "internal error" not in result.reason, str(result)
        if isinstance(result, Normalized):
            orjson.loads(result.body)
    return results


def isolated(record: dict, path: tuple) -> dict:
    """The record's top-level scalars (ids, times, types) and only the branch `path` is on: a field
    that is the only source of a value is tried without the fields that could stand in for it."""
    if not path:
        return record
    kept = {key: value for key, value in record.items() if not isinstance(value, dict | list)}
    kept[path[0]] = _branch(record[path[0]], path[1:])
    return kept


def _branch(value: Any, path: tuple) -> Any:
    """`value` reduced to the branch along `path` (a list keeps only the element on it)."""
    if not path:
        return value
    step, rest = path[0], path[1:]
    return {step: _branch(value[step], rest)} if isinstance(value, dict) else [_branch(value[step], rest)]


def mutations(record: dict) -> Iterator[dict]:
    """The record with each of its paths in turn given each hostile value, beside its other fields
    and alone."""
    for path in paths(record):
        for value in (*HOSTILE_VALUES, DEEP):
            mutated = replaced(record, path, value)
            yield mutated
            if len(path) > 1:
                yield isolated(mutated, path)


def as_object(source: str, records: list[dict]) -> bytes:
    """Records in the source's object shape: a CloudTrail Records file, else one JSON per line."""
    texts = [json.dumps(r, ensure_ascii=False).encode() for r in records]  # orjson refuses 2**64
    if source == "cloudtrail":
        return b'{"Records":[' + b",".join(texts) + b"]}"
    return b"\n".join(texts) + b"\n"


JSON_SOURCES = {
    "cloudtrail": cloudtrail_records,
    "guardduty": lambda: json_records("guardduty"),
    "waf": lambda: json_records("waf"),
    "route53": lambda: json_records("route53"),
    # Bare findings: an EventBridge event carries several, so a mutation there is several outcomes.
    "securityhub": lambda: [r for r in json_records("securityhub") if "detail-type" not in r],
    # ECS JSON records (applog without a declared map); the CloudWatch envelopes have tests of their own.
    "applog": lambda: [orjson.loads(line) for line in (GOLDEN / "applog" / "ecs.log").read_bytes().splitlines()],
}


@pytest.mark.parametrize("source", sorted(JSON_SOURCES))
def test_every_path_with_every_hostile_value_is_one_outcome(source: str) -> None:
    """Each sample record, with any one path given any hostile value, is one document or one clear error."""
    for record in JSON_SOURCES[source]():
        mutated = list(mutations(record))
        results = outcomes(as_object(source, mutated), source)
        # One outcome each: an empty findings array (Security Hub's root replaced by []) is a counted skip.
        assert len(results) == len(mutated)


def test_guardduty_null_source_ip_is_not_a_crash() -> None:
    """`"sourceIPs":[null]` (as reported) gives a document, not an IndexError that stops the object."""
    finding = next(r for r in json_records("guardduty") if "kubernetesApiCallAction" in json.dumps(r))
    call = finding["service"]["action"]["kubernetesApiCallAction"]
    call["sourceIPs"] = [None]
    del call["remoteIpDetails"]  # no other field gives source.ip
    results = outcomes(as_object("guardduty", [finding]), "guardduty")
    assert len(results) == 1 and isinstance(results[0], Normalized)
    doc = results[0].doc
    assert "source" not in doc
    assert "source_ips" not in doc["aws"]["guardduty"]["service"]["action"]["kubernetes_api_call_action"]


_TOKENS = st.one_of(
    st.sampled_from(["-", "", "0", "-1", "18446744073709551616", "1e9", "4294967296", "NaN", "999.1.1.1",
                     "::", "1.2.3.4%x", "\x00", "\u00e9", "9" * 400, "2100000000", "ACCEPT", "OK", "6"]),
    st.text(st.characters(blacklist_characters="\n\r"), max_size=12),
)
_FLOW_HEADERS = [path.read_text().splitlines()[0] for path in sorted((GOLDEN / "vpcflow").glob("*.log"))]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.sampled_from(_FLOW_HEADERS), data=st.data())
def test_hostile_flow_log_lines_are_one_outcome_each(header: str, data: st.DataObject) -> None:
    """A flow log with hostile tokens (and too many or too few of them) gives one outcome per line."""
    width = len(header.split()) if not header[0].isdigit() else 14
    lines = data.draw(st.lists(st.lists(_TOKENS, min_size=max(width - 2, 0), max_size=width + 2), min_size=1, max_size=5))
    text = "\n".join(" ".join(token.replace(" ", "") or "-" for token in line) for line in lines)
    body = (header + "\n" if not header[0].isdigit() else "") + text + "\n"
    results = outcomes(body.encode("utf-8", "surrogatepass"), "vpcflow")
    blank = sum(1 for line in lines if not "".join(t.replace(" ", "") or "-" for t in line).strip())
    assert len(results) == len(lines) - blank


_JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text()),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.sampled_from(sorted(JSON_SOURCES)), data=st.data())
def test_several_hostile_values_at_once_are_one_outcome(source: str, data: st.DataObject) -> None:
    """Records with several paths changed at once, to any JSON value, are one outcome each."""
    record = data.draw(st.sampled_from(JSON_SOURCES[source]()))
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(list(paths(record))))
        record = replaced(record, path, data.draw(_JSON_VALUES))
    results = outcomes(as_object(source, [record]), source)
    assert len(results) == 1  # a skip (an empty findings array) is an outcome too


@pytest.mark.parametrize("source", sorted(JSON_SOURCES))
@pytest.mark.parametrize("depth", [1000, 1100, 100_000])
def test_deeply_nested_values_are_one_outcome(source: str, depth: int) -> None:
    """A value nested deeper than JSON parsers go (at the first and last path of a record) is one outcome."""
    record = JSON_SOURCES[source]()[0]
    everywhere = list(paths(record))[1:]
    mutated = [replaced(record, path, "\u0000deep") for path in (everywhere[0], everywhere[-1])]
    deep = ("[" * depth + "]" * depth).encode()
    data = as_object(source, mutated).replace(b'"\\u0000deep"', deep)
    results = outcomes(data, source)
    assert len(results) == len(mutated)


_S3_LINES = [line for line in (GOLDEN / "s3access" / "features.log").read_text().splitlines() if line]
_S3_TOKENS = st.one_of(
    _TOKENS,
    st.sampled_from(['"', '"-"', '""', "[", "]", "[x]", "[01/Aug/2019:00:24:41 +0000]", "[99/Zzz/0000:99:99:99 +9999]",
                     '"GET / HTTP/1.1"', '"a" b"', "\ud800", "TLSv1.2", "TLSv", "s3.-.amazonaws.com"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=st.sampled_from(_S3_LINES), data=st.data())
def test_hostile_s3_access_lines_are_one_outcome_each(line: str, data: st.DataObject) -> None:
    """Access log lines with columns replaced, dropped or added (quotes, brackets, bad bytes) give one outcome each."""
    columns = line.split(" ")
    lines = []
    for _ in range(data.draw(st.integers(1, 4))):
        mutated = list(columns)
        for _ in range(data.draw(st.integers(1, 4))):
            at = data.draw(st.integers(0, len(mutated)))
            action = data.draw(st.sampled_from(["replace", "drop", "insert"]))
            if action == "drop" and at < len(mutated):
                del mutated[at]
            elif action == "replace" and at < len(mutated):
                mutated[at] = data.draw(_S3_TOKENS).replace("\n", "").replace("\r", "")
            else:
                mutated.insert(at, data.draw(_S3_TOKENS).replace("\n", "").replace("\r", ""))
        lines.append(" ".join(mutated))
    results = outcomes(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"), "s3access")
    blank = sum(1 for text in lines if not text.strip())
    assert len(results) == len(lines) - blank
