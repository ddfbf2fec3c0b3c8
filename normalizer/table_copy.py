"""The table copy engine: a field table's plain rows copied from a record into a document, in table order.

Values are written in table order, rows grouped under the native object they come from, so a
table's order is its documents' key order and the first bad value found is the one an error names.
The native CloudTrail normalizer runs the same engine in Rust (native/src/table_copy.rs); GuardDuty's
deep, growing findings use the record-walk engine instead (record_walk.py).

Why code generation: the rows are compiled, once at import, into one straight-line Python function
(one `get` per native name, one write per value, the ECS parent objects created only when a value
lands in them), because the copy runs for every record and the same rows run as a data-driven loop
cost more: measured with bench/normalize.py, a loop over precompiled row tuples took 1.4-1.9 times
as long per copy, and 16-19 % of Route 53 and WAF records per second end to end. The rows stay the
only source of truth; the generated text is registered with linecache, so tracebacks and
inspect.getsource show it.
"""
from __future__ import annotations

import linecache
from collections.abc import Callable, Iterable
from typing import Any

from normalizer.converters import Conventions, converters
from normalizer.ecs import split_path
from normalizer.fieldmap import Field

TableCopy = Callable[[dict[str, Any], dict], None]


def compile_table_copy(rows: Iterable[Field], conventions: Conventions, *, skip: frozenset[str] = frozenset(),
                       name: str) -> TableCopy:
    """copy(record, doc) for every row with a native name not in `skip`, converted by its type.

    Values are written in table order, rows grouped under the native object they come from (at
    its first row's place), so a table's order is its documents' key order.
    """
    convert = converters(conventions)
    tree: dict[str, Any] = {}  # native key → subtree, or the rows copying that key
    parents: set[tuple[str, ...]] = set()
    for row in rows:
        if row.native is None or row.native in skip:
            continue
        if row.type not in convert:
            raise ValueError(f"field map row {row.native!r}: no converter for type {row.type!r}")
        *path, leaf = row.native.split(".")
        node = tree
        for part in path:
            node = node.setdefault(part, {})
            if type(node) is list:
                raise ValueError(f"field map: {row.native!r} is below a value row")
        found = node.setdefault(leaf, [])
        if type(found) is dict:
            raise ValueError(f"field map: {row.native!r} is both a value and an object")
        found.append(row)
        parents.add(split_path(row.ecs)[:-1])
    # Every object on the way to a destination gets a local, filled on first use.
    objects = sorted({path[:i] for path in parents for i in range(1, len(path) + 1)})
    slot = {path: f"n{i}" for i, path in enumerate(objects)}
    namespace: dict[str, Any] = {}
    lines = ["def copy(r0, doc):", f"    {' = '.join(slot.values()) or '_'} = None"]
    _emit(tree, 0, lines, slot, namespace, convert, conventions.dash_is_absent)
    source = "\n".join(lines) + "\n"
    filename = f"<{name} field copies>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - generated from our own tables
    return namespace["copy"]


def _emit(tree: dict[str, Any], depth: int, lines: list[str], slot: dict[tuple[str, ...], str],
          namespace: dict[str, Any], convert: dict[str, Any], dash_is_absent: bool) -> None:
    pad = "    " * (depth + 1)
    source = f"r{depth}"
    for key, node in tree.items():
        if type(node) is dict:
            lines += [f"{pad}r{depth + 1} = {source}.get({key!r})", f"{pad}if r{depth + 1}.__class__ is dict:"]
            _emit(node, depth + 1, lines, slot, namespace, convert, dash_is_absent)
            continue
        for row in node:
            ecs = split_path(row.ecs)
            write = [*_ensure(ecs[:-1], slot), f"{slot.get(ecs[:-1], 'doc')}[{ecs[-1]!r}] = v"]
            function = f"c{len(namespace)}"
            namespace[function] = convert[row.type]
            lines.append(f"{pad}v = {source}.get({key!r})")
            if row.type == "keyword":  # the common case, a non-empty string, needs no call
                lines += [f"{pad}if v.__class__ is not str and v is not None:",
                          f"{pad}    v = {function}(v, {row.native!r})",
                          f"{pad}if v{' and v != ' + repr('-') if dash_is_absent else ''}:",
                          *(f"{pad}    {line}" for line in write)]
                continue
            call = [f"v = {function}(v, {row.native!r})"]
            if row.type == "boolean":
                call = ["if v.__class__ is not bool:", f"    {call[0]}"]
            lines += [f"{pad}if v is not None:", *(f"{pad}    {line}" for line in call),
                      f"{pad}    if v is not None:", *(f"{pad}        {line}" for line in write)]


def _ensure(path: tuple[str, ...], slot: dict[tuple[str, ...], str]) -> list[str]:
    """Lines that make the local for `path` point at its object, creating it and its parents."""
    if not path:
        return []
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
