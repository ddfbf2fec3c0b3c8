"""CPU and memory amplification: the cost of an object is linear in its decompressed size with a
small constant, and decompression stops at a limit.

Costs are CPU time compared with only decompressing the same bytes, in the same process: a ratio
holds on a loaded machine where wall-clock bounds do not. Reading blank lines one at a time (as
the normalizer once did) costs hundreds of times the decompression; a linear pass costs a few.
"""
from __future__ import annotations

import gzip
import io
import time

import pytest

from normalizer.errors import NormalizationError
from normalizer.readers import MAX_OBJECT_BYTES
from normalizer.stream import normalize_stream

MB = 1024 * 1024
# How many times the cost of only decompressing an object normalizing it may take (measured: 3-7;
# reading blank lines one at a time cost ~350, skipping whitespace a byte at a time ~50).
MAX_RATIO = 25


def cpu(action) -> float:  # type: ignore[no-untyped-def]
    start = time.process_time()
    action()
    return time.process_time() - start


def decompressing(data: bytes) -> None:
    """Only decompress `data`, in chunks, as a reader would."""
    stream = gzip.GzipFile(fileobj=io.BytesIO(data))
    while stream.read1(MB):
        pass


def normalizing(data: bytes, source: str, **options: int) -> list:
    return list(normalize_stream(io.BytesIO(data), source, "s3://b/AWSLogs/k.gz", **options))


def assert_linear(data: bytes, source: str) -> None:
    baseline = min(cpu(lambda: decompressing(data)) for _ in range(3))
    spent = cpu(lambda: normalizing(data, source))
    assert spent <= MAX_RATIO * baseline + 0.5, f"{spent:.2f}s of CPU, decompressing alone takes {baseline:.3f}s"


@pytest.mark.parametrize("source", ["vpcflow", "waf", "route53", "guardduty", "cloudtrail"])
def test_fifty_megabytes_of_blank_lines_cost_about_their_decompression(source: str) -> None:
    """50 MB of gzipped newlines (blank lines, as reported) normalize in a linear pass, to nothing."""
    data = gzip.compress(b"\n" * (50 * MB), 9)
    assert_linear(data, source)
    assert normalizing(data, source) == []


@pytest.mark.parametrize("shape", [b"%s", b'{"Records":[%s]}', b'{"Records":[{"a":1},%s{"b":2}]}', b"[%s]"],
                         ids=["top level", "empty Records", "between records", "bare array"])
def test_fifty_megabytes_of_spaces_in_cloudtrail_cost_about_their_decompression(shape: bytes) -> None:
    """Whitespace anywhere a CloudTrail object allows it (as reported: 1 MB gzipped took 105 s) is skipped linearly."""
    data = gzip.compress(shape.replace(b"%s", b" " * (50 * MB)), 9)
    assert_linear(data, "cloudtrail")


def test_whitespace_inside_an_oversized_record_costs_about_its_decompression() -> None:
    """A 50 MB record of spaces is followed by its structure at native speed and is one error."""
    data = gzip.compress(b'{"Records":[{"a":' + b" " * (50 * MB) + b'1},{"eventVersion":"1"}]}', 9)
    assert_linear(data, "cloudtrail")
    results = normalizing(data, "cloudtrail")
    assert len(results) == 2 and "longer than" in results[0].reason


class CountingStream(io.RawIOBase):
    """A compressed object whose bytes read so far are counted."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        read = self._data.readinto(buffer)
        self.consumed += read
        return read


@pytest.mark.parametrize("source", ["vpcflow", "waf", "cloudtrail"])
def test_a_gzip_bomb_stops_at_the_limit_with_an_error_naming_it(source: str) -> None:
    """An object expanding past max_bytes ends with one located error naming the limit; the rest is never inflated."""
    bomb = gzip.compress(b"\n" * (200 * MB), 9)
    stream = CountingStream(bomb)
    results = list(normalize_stream(io.BufferedReader(stream), source, "s3://b/bomb.gz", max_bytes=8 * MB))
    assert isinstance(results[-1], NormalizationError)
    assert "limit of 8388608 bytes" in results[-1].reason and results[-1].source == "s3://b/bomb.gz"
    assert stream.consumed < len(bomb) / 4


def test_an_object_of_exactly_the_limit_is_read_whole() -> None:
    """The limit is a ceiling: an object of exactly max_bytes is no error."""
    line = b'{"timestamp":1576280412771,"action":"ALLOW","httpRequest":{"clientIp":"1.2.3.4"}}\n'
    results = normalizing(gzip.compress(line * 10), "waf", max_bytes=len(line) * 10)
    assert len(results) == 10 and not any(isinstance(r, NormalizationError) for r in results)


def test_the_default_limit_is_far_above_aws_objects() -> None:
    """By default an object may decompress to 4 GiB (the benchmark streams a 1 GiB CloudTrail object)."""
    assert MAX_OBJECT_BYTES == 4 * 1024 * MB
