"""The CloudTrail reader on hostile Records arrays: every element is exactly one outcome, in order,
and nothing inside a record is ever taken for a record."""
from __future__ import annotations

import gzip
import io
import json

import pytest

from normalizer.errors import NormalizationError
from normalizer.readers import MAX_RECORD_BYTES
from normalizer.records import Normalized
from normalizer.stream import normalize_stream


def event(n: int, *, first_key: str = "eventVersion", **extra: object) -> dict:
    """A CloudTrail event with eventID `id-n`; `first_key` is written first."""
    body = {"eventVersion": "1.09", "eventTime": "2024-01-02T03:04:05Z", "eventSource": "iam.amazonaws.com",
            "eventName": "ListUsers", "eventID": f"id-{n}", **extra}
    return {first_key: body.pop(first_key), **body}


def oversized(n: int, *, forged_first: bool = True) -> dict:
    """An event longer than a record may be, holding an event-shaped object (before or after the
    bulk of its bytes) that must not become one."""
    forged = {"eventVersion": "1.09", "eventTime": "2024-01-02T03:04:05Z", "eventID": "FORGED"}
    items, pad = ("items", [{"a": 1}, forged]), ("pad", "x" * (MAX_RECORD_BYTES + 10))
    return event(n, requestParameters=dict([items, pad] if forged_first else [pad, items]))


def records_file(elements: list[str], *, pretty: bool = False) -> bytes:
    """A Records file from already serialized elements (so they can be anything, even not JSON)."""
    separator = ",\n    " if pretty else ","
    return ('{"Records":[' + separator.join(elements) + "]}").encode()


def outcomes(data: bytes) -> list[str]:
    """Each result as `id-n` (a document's id) or `error`."""
    out = []
    for result in normalize_stream(io.BytesIO(data), "cloudtrail", "s3://b/AWSLogs/1/CloudTrail/x.json.gz"):
        assert isinstance(result, Normalized | NormalizationError)
        out.append(result.doc_id if isinstance(result, Normalized) else "error")
    return out


def dumped(value: object) -> str:
    """`value` as AWS writes JSON: compact, so its separator between records is `},{"eventVersion"`."""
    return json.dumps(value, separators=(",", ":"))


def test_bad_elements_are_each_one_error_and_the_rest_is_read() -> None:
    """`[r1, 5, 6, "x", null, r2, r3]` (as reported): three documents and four errors, in order."""
    data = records_file([dumped(event(1)), "5", "6", '"x"', "null", dumped(event(2)), dumped(event(3))])
    assert outcomes(data) == ["id-1", "error", "error", "error", "error", "id-2", "id-3"]


def test_records_after_an_oversized_one_are_read_whatever_their_first_key() -> None:
    """A valid record whose first key is not eventVersion, after an oversized record, is a document."""
    data = records_file([dumped(event(1)), dumped(oversized(2)), dumped(event(3, first_key="eventTime"))])
    assert outcomes(data) == ["id-1", "error", "id-3"]


@pytest.mark.parametrize("forged_first", [True, False], ids=["forged-first", "forged-last"])
def test_an_event_inside_an_oversized_record_is_not_indexed(forged_first: bool) -> None:
    """The event-shaped object nested in an oversized record is part of its error, never a document."""
    data = records_file([dumped(oversized(1, forged_first=forged_first)), dumped(event(2))])
    assert outcomes(data) == ["error", "id-2"]


ELEMENTS = {
    "number": "-12.5e3",
    "string": '"a,]} \\" {\\"eventVersion\\":1}"',
    "null": "null",
    "boolean": "true",
    "array": '[1, {"eventVersion": "1.09", "eventID": "FORGED"}]',
    "nested arrays": "[[[], [[{}]]], [\"]\"]]",
    "object that is no event": '{"a": {"b": [1, 2]}}',
    "invalid object": '{"a": 1 "b": 2}',
    "oversized object": dumped(oversized(9)),
    "oversized string": dumped("y" * (MAX_RECORD_BYTES + 5)),
    "oversized array": dumped([event(8)] * (MAX_RECORD_BYTES // 150)),
}


@pytest.mark.parametrize("pretty", [False, True], ids=["compact", "pretty"])
@pytest.mark.parametrize("where", ["start", "middle", "end"])
@pytest.mark.parametrize("kind", sorted(ELEMENTS))
def test_every_element_kind_anywhere_is_exactly_one_outcome(kind: str, where: str, pretty: bool) -> None:
    """Any element, at the start, middle or end of the array, is one error and the events around it are read."""
    good = [dumped(event(n)) for n in range(1, 4)]
    at = {"start": 0, "middle": 2, "end": 3}[where]
    data = records_file([*good[:at], ELEMENTS[kind], *good[at:]], pretty=pretty)
    expected = ["id-1", "id-2", "id-3"]
    expected.insert(at, "error")
    assert outcomes(data) == expected


def test_several_oversized_records_in_a_row_are_one_error_each() -> None:
    """Oversized records back to back, gzipped as delivered, are skipped one by one to their real ends."""
    data = gzip.compress(records_file([dumped(oversized(1)), dumped(oversized(2)), dumped(event(3)),
                                       dumped(oversized(4)), dumped(event(5))]))
    assert outcomes(data) == ["error", "error", "id-3", "error", "id-5"]


def test_an_array_that_is_not_json_from_some_point_ends_with_one_error() -> None:
    """A bracket closing what is not open: the records before are read, the rest is one error saying so."""
    data = records_file([dumped(event(1)), '{"a": [1}', dumped(event(2))])
    results = list(normalize_stream(io.BytesIO(data), "cloudtrail", "s3://b/x.json"))
    assert [r.doc_id for r in results if isinstance(r, Normalized)] == ["id-1"]
    errors = [r for r in results if isinstance(r, NormalizationError)]
    assert len(errors) == 1 and "the rest of the object is not read" in errors[0].reason


def test_an_oversized_pretty_printed_event_is_not_split_into_events() -> None:
    """Outside a Records array too, an oversized event is skipped by its structure, not by its lines."""
    inner = json.dumps(oversized(1), indent=2)
    data = (inner + "\n" + json.dumps(event(2), indent=2) + "\n").encode()
    assert outcomes(data) == ["error", "id-2"]


def test_a_bad_line_among_one_event_per_line_is_that_lines_error() -> None:
    """In one-event-per-line input, a broken line is its own error and the next lines are read."""
    data = "\n".join([json.dumps(event(1)), '{"eventVersion": "1.09", "eventID": ', json.dumps(event(2))]).encode()
    assert outcomes(data) == ["id-1", "error", "id-2"]


def test_a_broken_first_line_does_not_swallow_the_lines_after_it() -> None:
    """A broken first line of one-event-per-line input is its error; the events on the next lines are read."""
    data = "\n".join(['{"eventVersion": "1.09", "eventID": [', json.dumps(event(1)), json.dumps(event(2))]).encode()
    assert outcomes(data) == ["error", "id-1", "id-2"]
