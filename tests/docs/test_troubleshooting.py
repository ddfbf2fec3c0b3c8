"""docs/troubleshooting.md quotes messages the code still prints: each one's literal words are in the source."""
from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from .conftest import DOCS, ROOT

DOC = DOCS / "troubleshooting.md"
PACKAGES = ("cloudsift", "shipper", "detection", "deploy", "normalizer")
PLACEHOLDER = re.compile(r"<[^<>]*>")
RUST_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
RUST_FORMAT = re.compile(r"\{[^{}]*\}")
SEP = "\x00"


def _pieces_of(path: Path) -> list[str]:
    """The literal text of one source file: string constants and the fixed parts of f-strings."""
    text = path.read_text()
    if path.suffix == ".rs":
        return [part for literal in RUST_STRING.findall(text) for part in RUST_FORMAT.split(literal)]
    if path.suffix == ".py" or text.startswith("#!/usr/bin/env python"):
        pieces = []
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                pieces.append(node.value)
        return pieces
    return text.splitlines()  # a shell script: its echo lines


@cache
def _corpus() -> str:
    """Every literal piece of the packages, the scripts and the native core, each between separators."""
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    files += [p for p in (ROOT / "scripts").iterdir() if p.is_file()]
    files += list((ROOT / "normalizer" / "native" / "src").rglob("*.rs"))
    return SEP + SEP.join(piece for path in files for piece in _pieces_of(path)) + SEP


def _found(segment: str) -> bool:
    """In one literal, or across literals joined end to start (`f"{a}: b"` after `a = f"x {y} did"`).

    A joined segment is the end of one literal, then whole literals, then the start of another.
    """
    corpus = _corpus()
    if segment in corpus:
        return True
    # ends[i]: segment[:i] can be read as literals joined, its last one complete
    ends = [False] * (len(segment) + 1)
    for i in range(1, len(segment)):
        ends[i] = segment[:i] + SEP in corpus or any(
            ends[j] and SEP + segment[j:i] + SEP in corpus for j in range(1, i))
        if ends[i] and SEP + segment[i:] in corpus:
            return True
    return False


def quoted_messages() -> list[str]:
    """Every line of every ```message block."""
    return [line for block in re.findall(r"```message\n(.*?)```", DOC.read_text(), re.DOTALL)
            for line in block.splitlines() if line.strip()]


def test_doc_quotes_messages() -> None:
    """The page quotes a good number of messages (the test is not vacuous)."""
    assert len(quoted_messages()) >= 60


def test_every_quoted_message_is_in_the_code() -> None:
    """Each message's words between placeholders occur in the code's string literals."""
    missing = []
    for line in quoted_messages():
        for segment in PLACEHOLDER.split(line):
            words = segment.strip()
            if re.search(r"[A-Za-z]{2}", words) and not _found(words):
                missing.append(f"{line!r}: {words!r}")
    assert not missing, "\n".join(missing)


def test_a_message_that_is_not_in_the_code_is_caught() -> None:
    """A made-up message fails the check (the search is not too lax)."""
    for made_up in ("cannot reach Elasticsearch because the moon is full", "no Kibana configured: set KIBANA_TOKEN",
                    "the node is not running: run cloudsift start"):
        assert not _found(made_up), made_up
