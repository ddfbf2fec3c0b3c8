"""The record-walk copy engine: a field table compiled into a tree of native keys, walked along a record.

Walking the record (not the table) means only the fields present cost anything, and a key the
table does not know is noticed and kept rather than silently lost; lists of objects are followed
element by element, and several natives may feed one ECS field (each value once). It serves
sources whose records nest deep and grow new keys (GuardDuty findings); sources with flat, known
records copy along the table instead (table_copy.py), which keeps the table's order. The
conversions follow each row's ES type (converters.py, under the conventions the caller names).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from normalizer.converters import Conventions, Converter, converters, describe
from normalizer.ecs import put_path, section, split_path
from normalizer.errors import NormalizationError
from normalizer.fieldmap import Field

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


def _each(convert: Converter) -> Converter:
    """The converter for a list-valued native: element by element, null and "" dropped."""

    def each(value: Any, native: str) -> Any:
        if not isinstance(value, list):
            raise NormalizationError(f"expected a list, got {describe(value)}", field=native)
        return [convert(v, native) for v in value if v is not None and v != ""]

    return each


# ---------------------------------------------------------------- compiling a table


def compile_tree(fields: tuple[Field, ...], lists: dict[str, str], list_valued: frozenset[str],
                 exact_prefix: str, conventions: Conventions) -> Tree:
    """The table as a tree keyed by native path segments (done once, at import).

    `lists` names the lists of objects (native → ECS). Rows under `exact_prefix` are the native
    field's exact counterpart, written where the walk is (inside a list element for rows below a
    list); every other row is an ECS copy, collected at the document level. Only natives in
    `list_valued` accept a list of scalars.
    """
    convert_as = converters(conventions)
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
        convert = _each(convert_as[f.type]) if f.native in list_valued else convert_as[f.type]
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
                raise NormalizationError(f"expected an object, got {describe(value)}", field=node.native)
            _walk(value, node.children, f"{node.native}.", out, parents, acc)
        else:
            converted: tuple[Converter, Any] | None = None  # the exact value, reused by copies of one type
            for parent_path, name, convert in node.puts:
                converted = (convert, convert(value, node.native))
                if converted[1] == []:  # a list of only nulls and "": empty, so left out like []
                    continue
                parent = parents.get(parent_path)
                if parent is None:
                    parent = parents[parent_path] = section(out, parent_path)
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
            raise NormalizationError(f"expected a list of objects, got {describe(item)} in it", field=node.native)
        element: dict = {}
        _walk(item, node.children, f"{node.native}.", element, {}, acc)
        if element:
            elements.append(element)
    if elements:
        put_path(out, node.container, elements if isinstance(value, list) else elements[0])


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
    items = converted if isinstance(converted, list) else (converted,)
    if not items:  # nothing to add: no empty list is left for map_record to write
        return
    bucket = copies.setdefault(path, [])
    for item in items:
        if item not in bucket:
            bucket.append(item)
