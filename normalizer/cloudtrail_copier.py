"""Compile CloudTrail's plain field-map rows, once, into one straight-line copy function.

Running a field map row by row (look a path up, walk, write) costs about three times what
straight-line code does in CPython, and the copy runs for every record. So the table is
turned into Python source at import: one `get` per native name, one write per value, the
ECS parent objects created only when a value lands in them. The rows stay the only source
of truth; `SOURCE` keeps the generated text for reading and debugging.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from normalizer.errors import NormalizationError
from normalizer.fieldmap import Field

_TYPES = frozenset({"keyword", "boolean"})


def convert(value: Any, kind: str, native: str) -> Any:
    """A native scalar as the field's type (keyword: string, boolean: bool); None when empty."""
    kinds = type(value)
    if kind == "boolean":
        if kinds is bool:
            return value
        if kinds is str and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise NormalizationError(f"expected true or false, got {str(value)[:40]!r}", field=native)
    if kinds is str:
        return value or None
    if kinds is bool:
        return "true" if value else "false"
    if kinds is int or kinds is float:
        return str(value)
    if value is None:
        return None
    raise NormalizationError(f"expected a string, got {'an object' if kinds is dict else 'a list'}", field=native)


def section(doc: dict, path: tuple[str, ...]) -> dict:
    """The object at `path` in `doc`, created (with its parents) when missing."""
    node = doc
    for part in path:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        node = child
    return node


def compile_copier(rows: tuple[Field, ...]) -> tuple[Callable[[dict, dict], None], str]:
    """(copy(record, doc), its source) for rows of type keyword or boolean with a native name."""
    tree: dict[str, Any] = {}
    for row in rows:
        if row.native is None or row.type not in _TYPES:
            raise ValueError(f"field map row {row.native!r}: only native keyword/boolean rows can be compiled")
        *parents, leaf = row.native.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = row
    parents = {tuple(row.ecs.split(".")[:-1]) for row in rows}
    # Every prefix of a parent path gets a local variable, so creating a.b.c reuses a.b.
    paths = sorted({path[:i] for path in parents for i in range(1, len(path) + 1)})
    slot = {path: f"n{i}" for i, path in enumerate(paths)}
    lines = ["def copy(src, doc):"]
    lines += [f"    {name} = None  # {'.'.join(path)}" for path, name in slot.items()]
    _emit(tree, "src", 1, lines, slot, [0])
    source = "\n".join(lines) + "\n"
    namespace: dict[str, Any] = {"convert": convert}
    exec(compile(source, "<cloudtrail field map>", "exec"), namespace)  # noqa: S102 - our own generated code
    return namespace["copy"], source


def _emit(tree: dict, obj: str, depth: int, lines: list[str], slot: dict, counter: list[int]) -> None:
    pad = "    " * depth
    for key, node in tree.items():
        if isinstance(node, dict):
            counter[0] += 1
            child = f"o{counter[0]}"
            lines.append(f"{pad}{child} = {obj}.get({key!r})")
            lines.append(f"{pad}if {child}.__class__ is dict:")
            _emit(node, child, depth + 1, lines, slot, counter)
            continue
        *parent, leaf = node.ecs.split(".")
        name = slot[tuple(parent)]
        write = [f"{pad}        {line}" for line in _ensure(tuple(parent), slot)] + [f"{pad}        {name}[{leaf!r}] = v"]
        if node.type == "keyword":
            lines += [
                f"{pad}v = {obj}.get({key!r})",
                f"{pad}if v.__class__ is not str and v is not None:",
                f"{pad}    v = convert(v, 'keyword', {node.native!r})",
                f"{pad}if v:",
                *(line[4:] for line in write),
            ]
        else:
            lines += [
                f"{pad}v = {obj}.get({key!r})",
                f"{pad}if v is not None:",
                f"{pad}    if v.__class__ is not bool:",
                f"{pad}        v = convert(v, {node.type!r}, {node.native!r})",
                *(line[4:] for line in write),
            ]


def _ensure(path: tuple[str, ...], slot: dict) -> list[str]:
    """Lines that make the local for `path` point at its object, creating it and its parents."""
    name = slot[path]
    holder = slot[path[:-1]] if len(path) > 1 else "doc"
    inner = _ensure(path[:-1], slot) if len(path) > 1 else []
    return [
        f"if {name} is None:",
        *(f"    {line}" for line in inner),
        f"    {name} = {holder}.get({path[-1]!r})",
        f"    if {name} is None:",
        f"        {name} = {holder}[{path[-1]!r}] = {{}}",
    ]
