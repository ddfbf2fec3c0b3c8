"""CloudTrail's free-form objects (requestParameters, …): pruned, and rendered as Elastic renders them.

Elastic's pipeline parses the record into Java HashMaps, drops null/empty values, then keeps
`toString()` of each object (`{key=value, other={nested=1}, list=[a, b]}`) in a keyword field.
A HashMap iterates in hash-bucket order, so reproducing that string needs Java's String.hashCode
and HashMap's table sizing. Key orders are cached per key tuple: CloudTrail repeats the same
shapes millions of times, so the hashing is paid once per shape.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from normalizer.errors import NormalizationError

# Deeper than this is not something AWS writes; Python's own recursion limit is near.
MAX_DEPTH = 64
# Bound the per-shape cache: hostile input can invent key sets without end. Shapes bigger than
# AWS ever writes are not hashed at all (their keys keep the record's order): hashing megabyte
# keys in Python would let one hostile record stall the pipeline.
_MAX_CACHED_SHAPES = 50_000
_MAX_HASHED_KEYS = 64
_MAX_HASHED_KEY_CHARS = 128
_ORDERS: dict[tuple[str, ...], tuple[str, ...]] = {}


def prune_render(value: Any, field: str) -> tuple[Any, str] | None:
    """(value without nulls/empties, its Java toString form), or None when nothing is left."""
    return _render(value, field, 0)


def prune(value: Any, field: str) -> Any:
    """The value without nulls, empty strings, empty objects and empty lists (None if nothing is left)."""
    rendered = _render(value, field, 0)
    return None if rendered is None else rendered[0]


def java_hash_order(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The order a java.util.HashMap filled with `keys` (in this order) iterates them."""
    order = _ORDERS.get(keys)
    if order is None:
        if len(keys) > _MAX_HASHED_KEYS or any(len(key) > _MAX_HASHED_KEY_CHARS for key in keys):
            return keys
        capacity = 16
        while len(keys) > capacity * 3 // 4:
            capacity *= 2
        mask = capacity - 1
        # Same bucket → insertion order: sort is stable, so the bucket index alone is the key.
        order = tuple(sorted(keys, key=lambda k: _spread(_java_string_hash(k)) & mask))
        if len(_ORDERS) >= _MAX_CACHED_SHAPES:
            _ORDERS.clear()
        _ORDERS[keys] = order
    return order


def _java_string_hash(text: str) -> int:
    h = 0
    if text.isascii():
        for char in text:
            h = (31 * h + ord(char)) & 0xFFFFFFFF
        return h
    data = text.encode("utf-16-le", "surrogatepass")  # Java hashes UTF-16 code units
    for i in range(0, len(data), 2):
        h = (31 * h + (data[i] | data[i + 1] << 8)) & 0xFFFFFFFF
    return h


def _spread(h: int) -> int:
    return h ^ (h >> 16)


def java_double(value: float) -> str:
    """Java's Double.toString: plain between 1e-3 and 1e7, else 'd.dddE±n' (shortest digits)."""
    if value == 0:
        return "-0.0" if str(value).startswith("-") else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        return repr(value)
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    power = len(digits) - 1 + int(exponent)
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{power}"


def _render(value: Any, field: str, depth: int) -> tuple[Any, str] | None:
    kind = type(value)
    if kind is str:
        return (value, value) if value else None
    if kind is dict:
        return _render_map(value, field, depth)
    if kind is list:
        return _render_list(value, field, depth)
    if kind is bool:
        return value, "true" if value else "false"
    if kind is int:
        return value, str(value)
    if kind is float:
        return value, java_double(value)
    return None  # JSON null


def _render_map(obj: dict, field: str, depth: int) -> tuple[Any, str] | None:
    if depth >= MAX_DEPTH:
        raise NormalizationError(f"nested deeper than {MAX_DEPTH} levels", field=field)
    keys = tuple(obj)
    order = _ORDERS.get(keys) or java_hash_order(keys)
    parts = []
    changed: dict[str, Any] | None = None
    for key in order:
        item = obj[key]
        if type(item) is str:  # the common leaf, inline
            if item:
                parts.append(f"{key}={item}")
                continue
            rendered = None
        else:
            rendered = _render(item, field, depth + 1)
        if rendered is None:
            changed = changed or {}
            changed[key] = _DROP
            continue
        if rendered[0] is not item:
            changed = changed or {}
            changed[key] = rendered[0]
        parts.append(f"{key}={rendered[1]}")
    if not parts:
        return None
    if changed:
        obj = {k: changed.get(k, v) for k, v in obj.items() if changed.get(k) is not _DROP}
    return obj, "{" + ", ".join(parts) + "}"


def _render_list(items: list, field: str, depth: int) -> tuple[Any, str] | None:
    if depth >= MAX_DEPTH:
        raise NormalizationError(f"nested deeper than {MAX_DEPTH} levels", field=field)
    kept = []
    parts = []
    changed = False
    for item in items:
        rendered = _render(item, field, depth + 1)
        if rendered is None:
            changed = True
            continue
        changed = changed or rendered[0] is not item
        kept.append(rendered[0])
        parts.append(rendered[1])
    if not parts:
        return None
    return (kept if changed else items), "[" + ", ".join(parts) + "]"


_DROP = object()
