"""Deterministic document ids (DESIGN decision 4): replays never create duplicates.

The native sources compute the same ids (normalizer/native/src/ids.rs): tests/cases/ids.json holds
the cases both must give, since an id may never change.
"""
from __future__ import annotations

import base64
import hashlib

from normalizer.records import RawRecord


def hashed_id(*parts: str | int) -> str:
    """A short, URL-safe id from the given parts (object URL + offset, finding id + updatedAt)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass"), digest_size=15).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def record_id(record: RawRecord) -> str:
    """The id of a record with no id of its own: its object (`source`, the object's URL) and its
    place there, so the same key in two buckets, or two events of one envelope, never share one.
    """
    if record.part == 0:
        return hashed_id(record.source, record.offset)
    return hashed_id(record.source, record.offset, record.part)
