"""The shared type converters: one behaviour per source convention, errors that name the field."""
from __future__ import annotations

import pytest

from normalizer.converters import Conventions, converters, is_ip
from normalizer.errors import NormalizationError

STRICT = converters(Conventions(dash_is_absent=True))
LOOSE = converters(Conventions(dash_is_absent=False, truncate_fractions=True, flattened_as_is=True, scoped_ips=True))


@pytest.mark.parametrize(("text", "scoped", "ok"), [
    ("10.0.0.1", False, True), ("2001:db8::1", False, True), ("10.0.0.256", False, False),
    ("fe80::1%eth0", False, False), ("fe80::1%eth0", True, True), ("10.0.0.1%eth0", True, False),
    ("fe80::1%", True, False), ("example.com", False, False),
])
def test_is_ip(text: str, scoped: bool, ok: bool) -> None:
    """IPv4/IPv6 strictly; a zone only on IPv6 and only when scoped addresses are allowed."""
    assert is_ip(text, scoped=scoped) is ok


def test_dash_means_absent_only_where_the_source_says_so() -> None:
    """'-' is no value for Route 53/WAF-style sources and a value for CloudTrail-style ones."""
    assert STRICT["keyword"]("-", "f") is None
    assert LOOSE["keyword"]("-", "f") == "-"


def test_fractions_truncate_only_when_asked() -> None:
    """8.9 is a long 8 under truncate_fractions, and an error naming the field otherwise."""
    assert LOOSE["long"](8.9, "severity") == 8
    with pytest.raises(NormalizationError) as info:
        STRICT["long"](8.9, "severity")
    assert info.value.field == "severity"


def test_longs_stay_in_elasticsearch_range() -> None:
    """A number past 64 bits is refused rather than rejected later by Elasticsearch."""
    with pytest.raises(NormalizationError):
        STRICT["long"](2**64, "bytes")


def test_flattened_pruned_unless_kept_as_is() -> None:
    """Nulls and empties are pruned from flattened objects unless the source keeps them as written."""
    value = {"a": None, "b": "", "c": {"d": 1}}
    assert STRICT["flattened"](value, "requestParameters") == {"c": {"d": 1}}
    assert LOOSE["flattened"](value, "requestParameters") == value


def test_objects_in_keyword_fields_are_refused_by_name() -> None:
    """An object where a string belongs is an error saying what it got and where."""
    with pytest.raises(NormalizationError, match="an object") as info:
        STRICT["keyword"]({"x": 1}, "eventName")
    assert info.value.field == "eventName"
