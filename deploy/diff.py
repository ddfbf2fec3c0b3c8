"""What differs between what a cluster holds and what we would put: flat `path: value` lines.

Only the paths we put are compared. The server adds its own defaults (`data_stream.hidden`, a role's
`transient_metadata`) and spells settings its own way (nested, numbers as strings); neither is a
change of ours, so both sides are flattened to dotted paths with scalar values as text first.
"""
from __future__ import annotations

import json

# Past this many lines per resource, the diff says how many more there are.
MAX_LINES = 20


def flatten(value: object, prefix: str = "") -> dict[str, str]:
    """Dotted path → scalar as text (`5000` and `"5000"` alike); lists are positional (`indices.0.names`)."""
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        for n, item in enumerate(value):
            out.update(flatten(item, f"{prefix}.{n}"))
    elif isinstance(value, list):
        out[prefix] = json.dumps([_text(v) for v in value])
    else:
        out[prefix] = _text(value)
    return out


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def changed(current: dict | None, desired: dict) -> list[str]:
    """The lines that tell `current` from `desired` (`+ path: new`, `~ path: old → new`); [] if equal."""
    have = flatten(current) if current is not None else {}
    lines = []
    for path, value in flatten(desired).items():
        if path not in have:
            lines.append(f"+ {path}: {value}")
        elif have[path] != value:
            lines.append(f"~ {path}: {have[path]} → {value}")
    return lines


def shown(lines: list[str]) -> list[str]:
    """`lines` cut to MAX_LINES, the rest counted."""
    if len(lines) <= MAX_LINES:
        return lines
    return [*lines[:MAX_LINES], f"… {len(lines) - MAX_LINES} more"]
