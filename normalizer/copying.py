"""Table-driven copies of native values into ECS documents, converted by the field map's type.

Values come from hostile JSON: every converter either returns a value Elasticsearch will
accept for that type, None (absent: AWS writes "-" or "" for "no value"), or raises a
NormalizationError naming the native field.
"""
from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from normalizer.document import split_path
from normalizer.errors import NormalizationError
from normalizer.fieldmap import Field

# Elasticsearch's flattened type rejects objects nested deeper than 20 levels by default.
MAX_DEPTH = 20
_INT64 = 2**63


def _kind(value: Any) -> str:
    return type(value).__name__


def _absent(value: Any) -> bool:
    return value is None or (type(value) is str and (value == "" or value == "-"))


def keyword(value: Any, field: str) -> str | None:
    """A scalar as a string; objects and arrays are refused (they would break the mapping)."""
    if _absent(value):
        return None
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return str(value)
    raise NormalizationError(f"expected a string, got {_kind(value)}", field=field)


def long(value: Any, field: str) -> int | None:
    """An integer (JSON number or decimal string) within Elasticsearch's 64-bit range."""
    if _absent(value):
        return None
    kind = type(value)
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
        raise NormalizationError(f"expected an integer, got {_kind(value)}", field=field)
    if not -_INT64 <= number < _INT64:
        raise NormalizationError("integer out of 64-bit range", field=field)
    return number


def is_ip(text: str) -> bool:
    """True for a textual IPv4 or IPv6 address (inet_pton: strict and fast)."""
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in text else socket.AF_INET, text)
    except (OSError, ValueError):
        return False
    return True


def ip(value: Any, field: str) -> str | None:
    """An IP address; anything else would make Elasticsearch reject the whole document."""
    if _absent(value):
        return None
    if type(value) is str and is_ip(value):
        return value
    raise NormalizationError(f"not an IP address: {str(value)[:40]!r}", field=field)


def flattened(value: Any, field: str) -> Any:
    """A free-form JSON value with nulls and empties pruned, or None if nothing is left."""
    return _prune(value, field, 0)


def _prune(value: Any, field: str, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise NormalizationError(f"nested deeper than {MAX_DEPTH} levels", field=field)
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


CONVERTERS: dict[str, Callable[[Any, str], Any]] = {
    "keyword": keyword,
    "long": long,
    "ip": ip,
    "flattened": flattened,
}


Copier = Callable[[dict[str, Any], dict], None]


def compile_copies(fields: tuple[Field, ...], *, by_code: frozenset[str] = frozenset(), name: str) -> Copier:
    """A function copying a parsed record's values into a document, converted by the field map.

    It covers every row with a native name and a convertible type that is not in `by_code`.
    Generated once as straight-line code from the table: a per-field interpretive loop cost
    about twice as much per record when measured, and these sources come by the million.
    """
    rows = [f for f in fields if f.native is not None and f.native not in by_code and f.type in CONVERTERS]
    # Every object on the way to a destination gets a local, filled on first use.
    objects = sorted({split_path(f.ecs)[:i] for f in rows for i in range(1, len(split_path(f.ecs)))})
    var = {path: f"n{i}" for i, path in enumerate(objects)}
    namespace: dict[str, Any] = {}
    lines = ["def copy(r0, doc):", f"    {' = '.join(var.values()) or '_'} = None"]

    def reach(path: tuple[str, ...], indent: str) -> list[str]:
        """Code that makes var[path] the object at `path`, creating what is missing."""
        holder = "doc" if len(path) == 1 else var[path[:-1]]
        code = [] if len(path) == 1 else reach(path[:-1], indent + "    ")
        return [f"{indent}if {var[path]} is None:", *code,
                f"{indent}    {var[path]} = {holder}.get({path[-1]!r})",
                f"{indent}    if {var[path]} is None:",
                f"{indent}        {var[path]} = {holder}[{path[-1]!r}] = {{}}"]

    def emit(group: list[tuple[tuple[str, ...], Field]], depth: int, indent: str) -> None:
        source = f"r{depth}"
        nested: dict[str, list[tuple[tuple[str, ...], Field]]] = {}
        for native, row in group:
            if len(native) > depth + 1:
                nested.setdefault(native[depth], []).append((native, row))
                continue
            ecs = split_path(row.ecs)
            convert = f"c{len(namespace)}"
            namespace[convert] = CONVERTERS[row.type]
            test = "type(v) is str and v != '' and v != '-'" if row.type == "keyword" else "False"
            lines.extend([
                f"{indent}v = {source}.get({native[depth]!r})",
                f"{indent}if v is not None:",
                f"{indent}    if not ({test}):",
                f"{indent}        v = {convert}(v, {row.native!r})",
                f"{indent}    if v is not None:",
                *reach(ecs[:-1], indent + "        "),
                f"{indent}        {var[ecs[:-1]]}[{ecs[-1]!r}] = v",
            ])
        for key, members in nested.items():
            lines.extend([f"{indent}r{depth + 1} = {source}.get({key!r})", f"{indent}if type(r{depth + 1}) is dict:"])
            emit(members, depth + 1, indent + "    ")

    emit([(split_path(f.native), f) for f in rows], 0, "    ")  # type: ignore[arg-type]
    exec(compile("\n".join(lines), f"<{name} field copies>", "exec"), namespace)  # noqa: S102
    return namespace["copy"]
