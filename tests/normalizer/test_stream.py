"""normalize_stream: whatever one record's normalizer or an object's reader raises is that record's or
that object's located error, never the process's (MemoryError aside: it is the process's condition)."""
from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator

import pytest

from normalizer.errors import NormalizationError
from normalizer.records import Normalized, RawRecord
from normalizer.registry import LOG_TYPES
from normalizer.stream import normalize_stream


class Unforeseen(Exception):
    """An exception type no normalizer is written to expect."""


def faulty_document(record: RawRecord, original: bool) -> tuple[str, bytes, str]:
    """A normalizer that fails on some records the way a bug does."""
    if record.text == "lookup":
        raise LookupError("no such key")
    if record.text == "unforeseen":
        raise Unforeseen("x" * 10_000)
    if record.text == "memory":
        raise MemoryError
    return "id", b"{}", "aws.waf"


def reader_failing_after(count: int):  # type: ignore[no-untyped-def]
    def read(stream: io.BufferedReader, source: str) -> Iterator[RawRecord]:
        for line in range(1, count + 1):
            yield RawRecord("ok", source, line, line * 10)
        raise IndexError("reader bug")
    return read


@pytest.fixture
def faulty(monkeypatch: pytest.MonkeyPatch) -> str:
    """A log type `faulty` whose normalizer raises on chosen records."""
    monkeypatch.setitem(LOG_TYPES, "faulty", dataclasses.replace(LOG_TYPES["waf"], name="faulty", document=faulty_document))
    return "faulty"


def test_any_exception_from_a_record_is_that_records_located_error(faulty: str) -> None:
    """LookupError or an exception type of nobody's: one bounded, located error each; the next records go on."""
    data = b"lookup\nunforeseen\nfine\n"
    results = list(normalize_stream(io.BytesIO(data), faulty, "s3://b/k.log"))
    assert [type(r) for r in results] == [NormalizationError, NormalizationError, Normalized]
    assert (results[0].line, results[0].offset, results[0].raw) == (1, 0, "lookup")
    assert "Unforeseen" in results[1].reason and len(results[1].reason) < 400 and results[1].line == 2


def test_memory_error_is_not_taken_for_a_bad_record(faulty: str) -> None:
    """Running out of memory is the process's condition: it propagates."""
    with pytest.raises(MemoryError):
        list(normalize_stream(io.BytesIO(b"memory\n"), faulty, "s3://b/k.log"))


def test_a_reader_that_fails_ends_the_object_with_a_located_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The records before a reader's failure are kept; the failure is one error after the last of them."""
    monkeypatch.setitem(LOG_TYPES, "faulty", dataclasses.replace(LOG_TYPES["waf"], read=reader_failing_after(2),
                                                                  document=faulty_document))
    results = list(normalize_stream(io.BytesIO(b""), "faulty", "s3://b/k.log"))
    assert [type(r) for r in results] == [Normalized, Normalized, NormalizationError]
    error = results[-1]
    assert (error.source, error.line, error.offset) == ("s3://b/k.log", 2, 20)
    assert "IndexError" in error.reason and "the rest of the object is not read" in error.reason

