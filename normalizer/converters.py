"""Native values → Elasticsearch field types: one converter per type, shared by every source.

Values come from hostile input: a converter returns a value Elasticsearch accepts for its type,
None (absent), or raises a NormalizationError naming the native field. Sources differ in a few
conventions (whether "-" means "no value", whether 8.9 may go into a long, …); those are the
fields of `Conventions`, chosen once per source, not copies of the converters.
"""
from __future__ import annotations

import math
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

from normalizer.errors import NormalizationError, excerpt
from normalizer.timestamps import from_epoch, from_iso

Converter = Callable[[Any, str], Any]

# Elasticsearch's flattened type rejects objects nested deeper than 20 levels by default.
FLATTENED_MAX_DEPTH = 20
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
# Epoch values above this are milliseconds (1e11 seconds is the year 5138).
EPOCH_MILLIS_ABOVE = 1e11

_pton = socket.inet_pton
_AF4, _AF6 = socket.AF_INET, socket.AF_INET6


@dataclass(frozen=True, slots=True)
class Conventions:
    """How a source writes values: what means "no value", and how loosely it is read.

    `dash_is_absent`: "-" in a keyword, long or ip field means "no value" (Route 53, WAF); elsewhere
    (CloudTrail, GuardDuty) it is a value. None and "" are absent everywhere.
    `truncate_fractions`: a long takes 8.9 as 8 and "8.9" as 8, as Elastic's pipelines do; otherwise
    only whole numbers and decimal integer strings are longs.
    `flattened_as_is`: a flattened value is kept as written; otherwise nulls and empties are pruned
    and nesting past FLATTENED_MAX_DEPTH is refused.
    `scoped_ips`: an IPv6 address may carry a zone ("fe80::1%eth0"), as Python's ipaddress accepts.
    """

    dash_is_absent: bool
    truncate_fractions: bool = False
    flattened_as_is: bool = False
    scoped_ips: bool = False


def converters(conventions: Conventions) -> dict[str, Converter]:
    """Elasticsearch type → converter(value, native field name), following `conventions`."""
    absent = ("", "-") if conventions.dash_is_absent else ("",)
    keyword = _keyword(conventions.dash_is_absent)
    return {
        "keyword": keyword,
        "text": keyword,
        "long": (_truncated_long if conventions.truncate_fractions else _long)(absent),
        "double": _double,
        "boolean": _boolean,
        "date": _date,
        "ip": _ip(absent, conventions.scoped_ips),
        "flattened": _as_is if conventions.flattened_as_is else _pruned,
    }


def describe(value: Any) -> str:
    """What a value is, for an error message ("an object", "a list", "int")."""
    return "an object" if isinstance(value, dict) else "a list" if isinstance(value, list) else type(value).__name__


def packed_ip(text: str) -> bytes:
    """A textual IPv4 or IPv6 address in network order; OSError or ValueError when it is not one."""
    return _pton(_AF6 if ":" in text else _AF4, text)


def is_ip(text: str, *, scoped: bool = False) -> bool:
    """True for a textual IPv4 or IPv6 address (inet_pton: strict and fast); `scoped` allows "%zone"."""
    try:
        if scoped and "%" in text:
            # ipaddress's rule: a non-empty zone without '%' or '/', after an IPv6 address.
            text, _, zone = text.partition("%")
            if not zone or "%" in zone or "/" in zone or ":" not in text:
                return False
        packed_ip(text)
    except (OSError, ValueError):
        return False
    return True


# ---------------------------------------------------------------- converters by type


def _keyword(dash_is_absent: bool) -> Converter:
    def keyword(value: Any, field: str) -> str | None:
        """A scalar as a string; objects and arrays are refused (they would break the mapping)."""
        if value.__class__ is str:  # nearly every value: checked first, with no call
            return value if value and not (dash_is_absent and value == "-") else None
        kind = type(value)
        if kind is bool:
            return "true" if value else "false"
        if kind is int or kind is float:
            return str(value)
        if value is None:
            return None
        raise NormalizationError(f"expected a string, got {describe(value)}", field=field)

    return keyword


def _long(absent: tuple[str, ...]) -> Converter:
    def long(value: Any, field: str) -> int | None:
        """An integer (JSON number or decimal string) within Elasticsearch's 64-bit range."""
        kind = type(value)
        if value is None or (kind is str and value in absent):
            return None
        if kind is int:
            number = value
        elif kind is float and value.is_integer():
            number = int(value)
        elif kind is str:
            try:
                number = int(value.strip())
            except ValueError:
                raise NormalizationError(f"not an integer: {value[:40]!r}", field=field) from None
        else:
            raise NormalizationError(f"expected an integer, got {describe(value)}", field=field)
        if not LONG_MIN <= number <= LONG_MAX:
            raise NormalizationError("integer out of 64-bit range", field=field)
        return number

    return long


def _truncated_long(absent: tuple[str, ...]) -> Converter:
    def long(value: Any, field: str) -> int | None:
        """An integer, a fraction truncated (severity 8.9 → 8) as Elastic does, within 64 bits."""
        kind = type(value)
        if kind is int:
            number = value
        elif value is None or (kind is str and value in absent):
            return None
        else:
            try:
                number = int(float(value)) if kind is float or kind is str else int(value)
            except (TypeError, ValueError, OverflowError):
                number = None
            if number is None or kind is bool:
                raise NormalizationError(f"expected an integer, got {excerpt(value)}", field=field)
        if not LONG_MIN <= number <= LONG_MAX:
            raise NormalizationError(f"integer out of range: {excerpt(value)}", field=field)
        return number

    return long


def _double(value: Any, field: str) -> float:
    """A finite number (JSON number or numeric string)."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise NormalizationError(f"expected a finite number, got {excerpt(value)}", field=field)
    return number


def _boolean(value: Any, field: str) -> bool:
    """true/false, as JSON or as a string in any case; "" is malformed here, not absent."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise NormalizationError(f"expected true or false, got {excerpt(value)}", field=field)


def _date(value: Any, field: str) -> str:
    """An ISO 8601 string, or epoch seconds or milliseconds, as UTC ISO 8601."""
    if isinstance(value, str):
        return _iso(value) or from_iso(value, field)  # the second call only to raise, naming the field
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return from_epoch(value, field, millis=value > EPOCH_MILLIS_ABOVE)
    raise NormalizationError(f"expected a timestamp, got {describe(value)}", field=field)


# Records repeat the same timestamps (a finding's first/last seen): parse each once.
@lru_cache(maxsize=4096)
def _iso(value: str) -> str | None:
    try:
        return from_iso(value, "")
    except NormalizationError:
        return None


def _ip(absent: tuple[str, ...], scoped: bool) -> Converter:
    valid = _valid_scoped_ip if scoped else _valid_ip

    def ip(value: Any, field: str) -> str | None:
        """An IP address; anything else would make Elasticsearch reject the whole document."""
        if type(value) is str:
            if value in absent:
                return None
            if valid(value):
                return value
        elif value is None:
            return None
        raise NormalizationError(f"not an IP address: {excerpt(value)}", field=field)

    return ip


# Records repeat their addresses (an instance's IPs, a client's): check each once.
_valid_ip = lru_cache(maxsize=4096)(is_ip)
_valid_scoped_ip = lru_cache(maxsize=4096)(partial(is_ip, scoped=True))


def _as_is(value: Any, field: str) -> Any:
    """A free-form JSON value, kept as written."""
    return value


def _pruned(value: Any, field: str) -> Any:
    """A free-form JSON value with nulls and empties pruned, or None if nothing is left."""
    return _prune(value, field, 0)


def _prune(value: Any, field: str, depth: int) -> Any:
    if depth > FLATTENED_MAX_DEPTH:
        raise NormalizationError(f"nested deeper than {FLATTENED_MAX_DEPTH} levels", field=field)
    if isinstance(value, dict):
        pruned = {}
        for key, item in value.items():
            item = _prune(item, field, depth + 1)
            if item is not None:
                pruned[key] = item
        return pruned or None
    if isinstance(value, list):
        items = [p for p in (_prune(item, field, depth + 1) for item in value) if p is not None]
        return items or None
    if value is None or value == "":
        return None
    return value
