"""S3 server access logs: columns, ids and the derived ECS fields (the golden files hold whole documents)."""
from __future__ import annotations

import io

import pytest

from normalizer.errors import NormalizationError
from normalizer.records import Normalized
from normalizer.s3access.fields import COLUMNS, MIN_COLUMNS
from normalizer.s3access.tokens import split_columns
from normalizer.stream import normalize_stream

LINE = ('5b1d0c8e shop-data [20/Nov/2026:08:15:02 +0000] 203.0.113.9 arn:aws:iam::111122223333:user/alice 8F2A7C3E '
        'REST.GET.OBJECT a/b.txt "GET /shop-data/a/b.txt HTTP/1.1" 200 - 10 10 9223372036854775807 1 "-" "curl/8.5.0" - '
        'hostid SigV4 TLS_AES_128_GCM_SHA256 AuthHeader s3.dualstack.ap-south-2.amazonaws.com TLSv1.3 - -')


def documents(text: str, source: str = "s3://logs/2026-11-20-08-15-02-1A2B3C4D5E6F7A8B") -> list:
    return list(normalize_stream(io.BytesIO(text.encode()), "s3access", source))


def test_columns_keep_quoted_and_bracketed_values_whole() -> None:
    """The time and the quoted request line are one column each, without their brackets and quotes."""
    columns = split_columns(LINE)
    assert len(columns) == len(COLUMNS)
    assert columns[2] == "20/Nov/2026:08:15:02 +0000"
    assert columns[8] == "GET /shop-data/a/b.txt HTTP/1.1"


@pytest.mark.parametrize(("line", "width"), [(LINE.split(" - hostid")[0], MIN_COLUMNS), (LINE[:-2], len(COLUMNS) - 1),
                                           (LINE + " us-east-1 x y", len(COLUMNS) + 3)])
def test_older_and_newer_column_counts_are_read(line: str, width: int) -> None:
    """A line ending after the user agent, or carrying columns newer than ours, is a document."""
    assert len(split_columns(line)) == width
    [result] = documents(line)
    assert isinstance(result, Normalized)
    extra = result.doc["aws"]["s3access"].get("extra_fields")
    assert extra == (["us-east-1", "x", "y"] if width > len(COLUMNS) else None)


def test_ids_come_from_the_object_and_the_offset() -> None:
    """The same line twice in one object, or in two objects, gives distinct ids; a replay gives the same."""
    first = [r.doc_id for r in documents(LINE + "\n" + LINE + "\n")]
    again = [r.doc_id for r in documents(LINE + "\n" + LINE + "\n")]
    other = [r.doc_id for r in documents(LINE + "\n", source="s3://other/key")]
    assert first == again and len(set(first + other)) == 3


def test_derived_fields() -> None:
    """Region from the endpoint, TLS version split, duration left out when it would overflow a long."""
    [result] = documents(LINE)
    doc = result.doc
    assert doc["cloud"]["region"] == "ap-south-2"
    assert doc["tls"] == {"cipher": "TLS_AES_128_GCM_SHA256", "version": "1.3", "version_protocol": "tls"}
    assert "duration" not in doc["event"]
    assert doc["user"]["id"] == doc["client"]["user"]["id"] == "arn:aws:iam::111122223333:user/alice"


@pytest.mark.parametrize(("status", "error", "outcome"), [("200", "-", "success"), ("404", "NoSuchKey", "failure"),
                                                          ("503", "-", "failure"), ("-", "-", "success")])
def test_outcome(status: str, error: str, outcome: str) -> None:
    """An error code or an HTTP error status is a failure."""
    [result] = documents(LINE.replace(" 200 - ", f" {status} {error} "))
    assert result.doc["event"]["outcome"] == outcome


def test_an_unbalanced_quote_names_the_problem() -> None:
    """A quote that never closes is an error saying so, not a shifted document."""
    [result] = documents(LINE.replace('"curl/8.5.0"', '"curl/8.5.0'))
    assert isinstance(result, NormalizationError) and "never closed" in result.reason
