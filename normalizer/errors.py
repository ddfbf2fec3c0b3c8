"""The one error the normalizer raises: a record that cannot become an ECS document."""
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
