"""Helpers the normalizer tests share: reading documents and stream results (on pytest's pythonpath)."""
from __future__ import annotations

from normalizer.errors import NormalizationError
from normalizer.fieldmap import Field
from normalizer.records import Normalized


def leaves(doc: dict, prefix: str = "", opaque: frozenset[str] = frozenset()) -> set[str]:
    """Dotted paths of every value in a document; lists of objects are walked into, `opaque` paths not."""
    out: set[str] = set()
    for key, value in doc.items():
        path = f"{prefix}{key}"
        items = value if isinstance(value, list) else [value]
        objects = [i for i in items if isinstance(i, dict)]
        if objects and path not in opaque:
            for item in objects:
                out |= leaves(item, path + ".", opaque)
        else:
            out.add(path)
    return out


def first_rows(fields: tuple[Field, ...]) -> dict[str, str]:
    """Native name → the ECS field of its first row: the one a Sigma rule on that name queries."""
    out: dict[str, str] = {}
    for f in fields:
        if f.native is not None:
            out.setdefault(f.native, f.ecs)
    return out


def errors_and_docs(results: list) -> tuple[list[NormalizationError], list[dict]]:
    """Split stream results into errors and documents."""
    return ([r for r in results if isinstance(r, NormalizationError)],
            [r.doc for r in results if isinstance(r, Normalized)])
