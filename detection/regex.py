"""Sigma regular expressions (PCRE-like, unanchored search) → Lucene regexp (anchored, whole value).

Lucene's regexp syntax differs from what Sigma rule authors write: every pattern must match the
whole value, and `@ & < > ~ #` are operators there. This module rewrites the common subset and
refuses, with a reason, what Lucene cannot express (lookarounds, inline flags, word boundaries).
"""
from __future__ import annotations

import re

# Literal in PCRE, operators in Lucene's regexp syntax (with ES's default ALL flags).
_LUCENE_ONLY_OPERATORS = frozenset('@&<>~#"')
# Escapes Lucene's RegExp has no equivalent for.
_UNSUPPORTED_ESCAPES = frozenset("bBAZzGQEKk")
_UNSUPPORTED_GROUPS = re.compile(r"\(\?(?!:)")


class RegexError(ValueError):
    """A Sigma regex that Lucene's regexp syntax cannot express."""


def to_lucene(pattern: str, *, ignore_case: bool = False) -> str:
    """The Lucene regexp matching a value exactly when `pattern` finds a match in it."""
    if _UNSUPPORTED_GROUPS.search(pattern):
        raise RegexError(f"regex {pattern!r}: lookarounds and inline flags are not supported by Elasticsearch")
    start = pattern.startswith("^")
    body = pattern[1:] if start else pattern
    end = body.endswith("$") and not _escaped(body, len(body) - 1)
    body = body[:-1] if end else body
    out = _rewrite(body.replace("(?:", "("), ignore_case, pattern)
    return ("" if start else ".*") + f"({out})" + ("" if end else ".*")


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index > 0 and text[index - 1] == "\\":
        backslashes += 1
        index -= 1
    return backslashes % 2 == 1


def _rewrite(body: str, ignore_case: bool, pattern: str) -> str:
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _UNSUPPORTED_ESCAPES:
                raise RegexError(f"regex {pattern!r}: \\{nxt} is not supported by Elasticsearch")
            out.append(char + nxt)
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
                out.append(char)
            elif ignore_case and char.isalpha():
                # Inside a class both cases are simply listed; a range a-z gains A-Z.
                if i + 2 < len(body) and body[i + 1] == "-" and body[i + 2].isalpha():
                    low, high = char, body[i + 2]
                    out.append(f"{low}-{high}{low.swapcase()}-{high.swapcase()}")
                    i += 3
                    continue
                out.append(char + char.swapcase())
            else:
                out.append("\\" + char if char in _LUCENE_ONLY_OPERATORS else char)
        elif char == "[":
            in_class = True
            out.append(char)
            if body[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
        elif ignore_case and char.isalpha() and char.lower() != char.upper():
            out.append(f"[{char.lower()}{char.upper()}]")
        elif char in _LUCENE_ONLY_OPERATORS:
            out.append("\\" + char)
        else:
            out.append(char)
        i += 1
    return "".join(out)
