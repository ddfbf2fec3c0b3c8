"""The root error of the cloudsift package: what the CLI prints as one clear line."""
from __future__ import annotations


class CloudsiftError(Exception):
    """A problem the user can act on; `str()` is the whole message, no traceback needed."""
