"""Deterministic document ids (DESIGN decision 4): replays never create duplicates."""
from __future__ import annotations

import base64
import hashlib


def hashed_id(*parts: str | int) -> str:
    """A short, URL-safe id from the given parts (object key + offset, finding id + updatedAt)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass"), digest_size=15).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")
