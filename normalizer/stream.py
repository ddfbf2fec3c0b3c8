"""Normalize a whole object: read → split → normalize, errors collected as values."""
from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from normalizer.errors import NormalizationError
from normalizer.readers import DECOMPRESSION_ERRORS, open_object
from normalizer.records import Normalized, RawRecord, Skipped
from normalizer.registry import log_type

Result = Normalized | NormalizationError | Skipped


def normalize_stream(stream: BinaryIO, type_name: str, source: str, *, original: bool = False) -> Iterator[Result]:
    """Yield one result per record of the object in `stream` (gzip or plain).

    A bad record yields a located NormalizationError and the rest of the object goes on;
    `original=True` keeps the raw record in `event.original`.
    """
    kind = log_type(type_name)
    document = kind.document
    # Normalized(...) runs the NamedTuple's Python-level __new__; building the tuple directly
    # costs half as much, once per record.
    new_tuple = tuple.__new__
    try:
        items = kind.read(open_object(stream), source)
        for item in items:
            if not isinstance(item, RawRecord):
                yield item
                continue
            try:
                doc_id, body, dataset = document(item, original)
            except NormalizationError as exc:
                yield exc.located(source=item.source, line=item.line, offset=item.offset, raw=item.raw_excerpt())
                continue
            except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
                # A normalizer bug on hostile input must not kill the object: report it as data.
                yield NormalizationError(
                    f"unexpected {type(exc).__name__}: {exc}", source=item.source, line=item.line,
                    offset=item.offset, raw=item.raw_excerpt(),
                )
                continue
            yield new_tuple(Normalized, (doc_id, body, dataset, item))
    except DECOMPRESSION_ERRORS as exc:
        yield NormalizationError(f"corrupt or truncated compressed data: {exc}", source=source)
