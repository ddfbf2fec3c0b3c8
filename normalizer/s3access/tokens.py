"""One access log line → its columns: space-separated, with "quoted" and [bracketed] columns.

S3 writes the request URI, referrer and user agent in double quotes and the time in brackets;
it does not escape quotes inside a quoted value (a user agent may hold one), so a quoted column
ends at the first quote followed by a space or the end of the line (a value holding `" ` itself
cannot be told from its end: its columns shift, and the checks below usually refuse the line). "-" stays "-" here: what it means is
the document's business.
"""
from __future__ import annotations

from normalizer.errors import NormalizationError
from normalizer.s3access.fields import COLUMNS, MAX_EXTRA_COLUMNS, MIN_COLUMNS

_MAX_COLUMNS = len(COLUMNS) + MAX_EXTRA_COLUMNS
_TIME = COLUMNS.index("time")


def split_columns(line: str) -> list[str]:
    """The line's columns, quotes and brackets removed; NormalizationError for a line S3 cannot have written."""
    columns: list[str] = []
    at, end = 0, len(line)
    time_bracketed = False
    while at < end:
        if len(columns) == _MAX_COLUMNS:
            raise NormalizationError(f"more than {_MAX_COLUMNS} columns: not an S3 server access log line")
        first = line[at]
        if first == '"':
            close = _closing_quote(line, at + 1)
            columns.append(line[at + 1 : close])
            at = close + 1
        elif first == "[":
            close = line.find("]", at + 1)
            if close == -1:
                raise NormalizationError(f"column {len(columns) + 1}: '[' without its ']'")
            time_bracketed |= len(columns) == _TIME
            columns.append(line[at + 1 : close])
            at = close + 1
        else:
            space = line.find(" ", at)
            space = end if space == -1 else space
            columns.append(line[at:space])
            at = space
        if at < end and line[at] != " ":
            raise NormalizationError(f"column {len(columns)}: no space after its closing {line[at - 1]!r}")
        while at < end and line[at] == " ":
            at += 1
    if len(columns) < MIN_COLUMNS:
        raise NormalizationError(
            f"{len(columns)} columns, fewer than the {MIN_COLUMNS} every S3 server access log line has"
        )
    if not time_bracketed:
        raise NormalizationError("the time column is not in brackets: not an S3 server access log line", field="time")
    return columns


def _closing_quote(line: str, start: int) -> int:
    """Index of the quote closing a column opened before `start`: one followed by a space or the end."""
    at = start
    while True:
        close = line.find('"', at)
        if close == -1:
            raise NormalizationError(f"a quoted column opened at character {start} is never closed")
        if close + 1 == len(line) or line[close + 1] == " ":
            return close
        at = close + 1
