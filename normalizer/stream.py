"""Normalize a whole object: read → split → normalize, errors collected as values."""
from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from normalizer.errors import NormalizationError, ReadError
from normalizer.readers import DECOMPRESSION_ERRORS, MAX_OBJECT_BYTES, open_object
from normalizer.records import Normalized, RawRecord, Skipped
from normalizer.registry import LogType, log_type

Result = Normalized | NormalizationError | Skipped
# How much of an unexpected exception's text an error keeps (it may quote a whole record).
_MAX_REASON = 300


def normalize_stream(stream: BinaryIO, type_name: str | LogType, source: str, *, original: bool = False,
                     max_bytes: int = MAX_OBJECT_BYTES) -> Iterator[Result]:
    """Yield one result per record of the object in `stream` (gzip or plain).

    `type_name` is a registered log type's name, or a LogType built for one app (registry.applog_type).
    `source` names the object in ids and errors: its full URL (s3://bucket/key) or file name.
    A bad record yields a located NormalizationError and the rest of the object goes on; an object
    that decompresses to more than `max_bytes` ends with an error naming the limit;
    `original=True` keeps the raw record in `event.original`.
    """
    kind = log_type(type_name)
    document = kind.document
    # Normalized(...) runs the NamedTuple's Python-level __new__; building the tuple directly
    # costs half as much, once per record.
    new_tuple = tuple.__new__
    item: object = None
    try:
        items = kind.read(open_object(stream, source, max_bytes), source)
        for item in items:
            if not isinstance(item, RawRecord):
                yield item
                continue
            try:
                doc_id, body, dataset = document(item, original)
            except NormalizationError as exc:
                yield exc.located(source=item.source, line=item.line, offset=item.offset, raw=item.raw_excerpt())
                continue
            except MemoryError:  # the process's condition, not this record's
                raise
            except Exception as exc:  # noqa: BLE001 (a normalizer bug on hostile input is this record's failure only)
                yield NormalizationError(
                    f"unexpected {type(exc).__name__}: {str(exc)[:_MAX_REASON]}", source=item.source, line=item.line,
                    offset=item.offset, raw=item.raw_excerpt(),
                )
                continue
            yield new_tuple(Normalized, (doc_id, body, dataset, item))
    except DECOMPRESSION_ERRORS as exc:
        yield NormalizationError(f"corrupt or truncated compressed data: {exc}", source=source)
    except NormalizationError as exc:  # raised while reading: the object's expansion limit
        yield exc.located(source=source, line=None, offset=None, raw=None)
    except (MemoryError, ReadError):  # the process's condition; the object's bytes did not arrive (retried)
        raise
    except Exception as exc:  # noqa: BLE001 (a reader bug is the object's failure, not the process's)
        # The reader cannot go on, so the rest of the object is one located error.
        line, offset = (item.line, item.offset) if isinstance(item, RawRecord | NormalizationError) else (None, None)
        yield NormalizationError(
            f"reading stopped after this point by an unexpected {type(exc).__name__}: {str(exc)[:_MAX_REASON]}; "
            "the rest of the object is not read", source=source, line=line, offset=offset,
        )
