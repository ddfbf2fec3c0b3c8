"""What the normalizer raises: a record that cannot become an ECS document, or an object whose bytes did not arrive."""
from __future__ import annotations


class NormalizationError(Exception):
    """A record (or a whole object) that cannot be normalized; `str()` says where and why.

    `source` is the object key or file name, `line` the 1-based line (or record number for
    JSON arrays), `offset` the byte offset in the decompressed object, `field` the native
    field at fault. `raw` carries the record's raw text (bounded) for the dead-letter index.
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        line: int | None = None,
        offset: int | None = None,
        field: str | None = None,
        raw: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.source = source
        self.line = line
        self.offset = offset
        self.field = field
        self.raw = raw

    def located(self, *, source: str, line: int | None, offset: int | None, raw: str | None) -> NormalizationError:
        """Fill in where the error happened (readers know it, normalizers do not)."""
        self.source = self.source or source
        self.line = self.line if self.line is not None else line
        self.offset = self.offset if self.offset is not None else offset
        self.raw = self.raw if self.raw is not None else raw
        return self

    def __str__(self) -> str:
        where = self.source or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        if self.offset is not None:
            where += f" (offset {self.offset})"
        field = f" field {self.field!r}:" if self.field else ""
        return f"{where}:{field} {self.reason}"


def excerpt(value: object, limit: int = 40) -> str:
    """A hostile value shown in a message, bounded: a container by its kind (str() of a deeply
    nested one recurses past Python's limit, of a huge one costs its whole size), a scalar's text
    cut to `limit` characters and quoted."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"an integer of {value.bit_length()} bits"  # str() refuses the longest ones
    return repr((value if isinstance(value, str) else str(value))[:limit])


class ReadError(Exception):
    """The object's bytes could not be read (a connection cut, a short read, a checksum mismatch).

    Not the content's fault: the caller retries the object rather than dead-lettering what arrived.
    """
