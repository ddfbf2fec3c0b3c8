"""A field table compiled into a tree of native keys, walked along a parsed JSON record.

Walking the record (not the table) means only the fields present cost anything, and a key the
table does not know is noticed and kept rather than silently lost. Nothing here is specific to
GuardDuty except that its table is the one compiled; the conversions follow each row's ES type.
"""
from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from normalizer.document import put_path, split_path
from normalizer.errors import NormalizationError
from normalizer.fieldmap import Field
from normalizer.timestamps import from_epoch, from_iso

Converter = Callable[[Any, str], Any]

# Epoch values above this are milliseconds (1e11 seconds is the year 5138).
EPOCH_MILLIS_ABOVE = 1e11
LONG_MAX = 2**63 - 1
# ECS fields that hold several values by definition stay lists even with one value.
ALWAYS_LISTS = frozenset(split_path(name) for name in ("related.ip", "related.user", "related.hosts",
                                                        "related.hash", "user.roles"))


@dataclass(slots=True)
class Node:
    """One native key: where its value is written, or the keys below it."""

    native: str
    puts: list[tuple[tuple[str, ...], str, Converter]] = field(default_factory=list)  # exact: parent, key
    copies: list[tuple[tuple[str, ...], Converter]] = field(default_factory=list)  # ECS, document-level
    children: dict[str, Node] | None = None
    container: tuple[str, ...] | None = None  # a list of objects: its ECS path, relative to element


Tree = dict[str, Node]


# ---------------------------------------------------------------- conversions by ES type


def _kind(value: Any) -> str:
    return "an object" if isinstance(value, dict) else "a list" if isinstance(value, list) else type(value).__name__


def _to_keyword(value: Any, native: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    raise NormalizationError(f"expected a string, got {_kind(value)}", field=native)


def _to_long(value: Any, native: str) -> int:
    # AWS writes whole numbers; a fraction (severity 8.9 → event.severity) is truncated, as Elastic does.
    try:
        number = int(float(value)) if isinstance(value, (float, str)) else int(value)
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or isinstance(value, bool):
        raise NormalizationError(f"expected an integer, got {str(value)[:40]!r}", field=native)
    if not -LONG_MAX - 1 <= number <= LONG_MAX:
        raise NormalizationError(f"integer out of range: {str(value)[:40]}", field=native)
    return number


def _to_double(value: Any, native: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise NormalizationError(f"expected a finite number, got {str(value)[:40]!r}", field=native)
    return number


def _to_boolean(value: Any, native: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise NormalizationError(f"expected true or false, got {str(value)[:40]!r}", field=native)


def _to_date(value: Any, native: str) -> str:
    if isinstance(value, str):
        return _iso(value) or from_iso(value, native)  # the second call only to raise, naming the field
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return from_epoch(value, native, millis=value > EPOCH_MILLIS_ABOVE)
    raise NormalizationError(f"expected a timestamp, got {_kind(value)}", field=native)


# Findings repeat the same timestamps and addresses (first/last seen, an instance's IPs): parse each once.
@lru_cache(maxsize=4096)
def _iso(value: str) -> str | None:
    try:
        return from_iso(value, "")
    except NormalizationError:
        return None


def _to_ip(value: Any, native: str) -> str:
    if isinstance(value, str) and _is_ip(value):
        return value
    raise NormalizationError(f"not an IP address: {str(value)[:60]!r}", field=native)


@lru_cache(maxsize=4096)
def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _as_is(value: Any, native: str) -> Any:
    return value


CONVERTERS: dict[str, Converter] = {
    "keyword": _to_keyword,
    "text": _to_keyword,
    "long": _to_long,
    "double": _to_double,
    "boolean": _to_boolean,
    "date": _to_date,
    "ip": _to_ip,
    "flattened": _as_is,
}


def _each(convert: Converter) -> Converter:
    """The converter for a list-valued native: element by element, null and "" dropped."""

    def each(value: Any, native: str) -> Any:
        if not isinstance(value, list):
            raise NormalizationError(f"expected a list, got {_kind(value)}", field=native)
        return [convert(v, native) for v in value if v is not None and v != ""]

    return each


# ---------------------------------------------------------------- compiling a table


def compile_tree(fields: tuple[Field, ...], lists: dict[str, str], list_valued: frozenset[str],
                 exact_prefix: str) -> Tree:
    """The table as a tree keyed by native path segments (done once, at import).

    `lists` names the lists of objects (native → ECS). Rows under `exact_prefix` are the native
    field's exact counterpart, written where the walk is (inside a list element for rows below a
    list); every other row is an ECS copy, collected at the document level. Only natives in
    `list_valued` accept a list of scalars.
    """
    root: Tree = {}
    for native, ecs in lists.items():
        node = _node(root, native)
        enclosing = _enclosing(native, lists)
        node.container = _relative(ecs, lists[enclosing] if enclosing else None)
        node.children = node.children if node.children is not None else {}
    for f in fields:
        if f.native is None:
            continue
        node = _node(root, f.native)
        enclosing = _enclosing(f.native, lists)
        outer = lists[enclosing] if enclosing else None
        if node.children is not None:
            raise ValueError(f"field map: {f.native!r} is both a value and an object")
        convert = _each(CONVERTERS[f.type]) if f.native in list_valued else CONVERTERS[f.type]
        if f.ecs.startswith(exact_prefix + "."):
            path = _relative(f.ecs, outer)
            node.puts.append((path[:-1], path[-1], convert))
        else:
            node.copies.append((split_path(f.ecs), convert))
    return root


def _node(root: Tree, native: str) -> Node:
    parts = native.split(".")
    children = root
    for depth, part in enumerate(parts):
        node = children.get(part)
        if node is None:
            node = children[part] = Node(".".join(parts[: depth + 1]))
        if depth == len(parts) - 1:
            return node
        if node.puts or node.copies:
            raise ValueError(f"field map: {node.native!r} is both a value and an object")
        children = node.children = node.children if node.children is not None else {}
    raise ValueError("field map: empty native name")


def _enclosing(native: str, containers: dict[str, str]) -> str | None:
    """The innermost list-of-objects row strictly above `native`."""
    parts = native.split(".")
    for end in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in containers:
            return prefix
    return None


def _relative(ecs: str, container_ecs: str | None) -> tuple[str, ...]:
    if container_ecs is None:
        return split_path(ecs)
    if not ecs.startswith(container_ecs + "."):
        raise ValueError(f"field map: {ecs!r} is not under its list's field {container_ecs!r}")
    return split_path(ecs[len(container_ecs) + 1:])


# ---------------------------------------------------------------- walking a record


@dataclass(slots=True)
class _Acc:
    """What a walk collects besides the document itself."""

    copies: dict[tuple[str, ...], list[Any]] = field(default_factory=dict)
    unmapped: dict[str, Any] = field(default_factory=dict)


def map_record(record: dict, tree: Tree) -> tuple[dict, dict[str, Any]]:
    """The document the table makes of `record`, and the fields it does not know (native dotted name → value).

    Empty values (null, "", [], {}) are left out, as Elastic's pipelines drop them.
    """
    doc: dict = {}
    acc = _Acc()
    _walk(record, tree, "", doc, {}, acc)
    for path, values in acc.copies.items():
        put_path(doc, path, values if path in ALWAYS_LISTS or len(values) > 1 else values[0])
    return doc, acc.unmapped


def _walk(obj: dict, children: Tree, prefix: str, out: dict, parents: dict, acc: _Acc) -> None:
    """Map `obj` into `out`; `parents` caches out's inner objects by path (most fields share a parent)."""
    for key, value in obj.items():
        if value is None or value == "" or value == [] or value == {}:
            continue
        node = children.get(key)
        if node is None:
            _keep_unmapped(acc.unmapped, f"{prefix}{key}", value)
        elif node.container is not None:
            _walk_list(node, value, out, acc)
        elif node.children is not None:
            if not isinstance(value, dict):
                raise NormalizationError(f"expected an object, got {_kind(value)}", field=node.native)
            _walk(value, node.children, f"{node.native}.", out, parents, acc)
        else:
            converted: tuple[Converter, Any] | None = None  # the exact value, reused by copies of one type
            for parent_path, name, convert in node.puts:
                converted = (convert, convert(value, node.native))
                parent = parents.get(parent_path)
                if parent is None:
                    parent = parents[parent_path] = _inner(out, parent_path)
                parent[name] = converted[1]
            for path, convert in node.copies:
                if converted is not None and converted[0] is convert:
                    _add(acc.copies, path, converted[1])
                else:
                    _copy(acc.copies, path, convert, value, node.native)


def _walk_list(node: Node, value: Any, out: dict, acc: _Acc) -> None:
    assert node.container is not None and node.children is not None
    elements = []
    for item in value if isinstance(value, list) else (value,):
        if item is None:
            continue
        if not isinstance(item, dict):
            raise NormalizationError(f"expected a list of objects, got {_kind(item)} in it", field=node.native)
        element: dict = {}
        _walk(item, node.children, f"{node.native}.", element, {}, acc)
        if element:
            elements.append(element)
    if elements:
        put_path(out, node.container, elements if isinstance(value, list) else elements[0])


def _inner(out: dict, path: tuple[str, ...]) -> dict:
    """The object at `path` in `out`, created as needed."""
    for key in path:
        child = out.get(key)
        if not isinstance(child, dict):
            child = out[key] = {}
        out = child
    return out


def _keep_unmapped(unmapped: dict[str, Any], name: str, value: Any) -> None:
    if name in unmapped:  # the same unknown key in several list elements
        known = unmapped[name]
        unmapped[name] = [*known, value] if isinstance(known, list) else [known, value]
    else:
        unmapped[name] = value


def _copy(copies: dict[tuple[str, ...], list[Any]], path: tuple[str, ...], convert: Converter,
          value: Any, native: str) -> None:
    """Add a value to an ECS copy, once. Its exact counterpart already holds the value as AWS wrote it,
    so a value the ECS type cannot hold (an ASN like "unknown" for source.as.number) is left out."""
    try:
        converted = convert(value, native)
    except NormalizationError:
        return
    _add(copies, path, converted)


def _add(copies: dict[tuple[str, ...], list[Any]], path: tuple[str, ...], converted: Any) -> None:
    bucket = copies.setdefault(path, [])
    for item in converted if isinstance(converted, list) else (converted,):
        if item not in bucket:
            bucket.append(item)
