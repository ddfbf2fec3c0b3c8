"""docs/rules.md states counts of the rule files: they stay equal to the files."""
from __future__ import annotations

import re

from detection.pack import load_pack

from .conftest import MODIFIER_RULES, PACK, ROOT

DOC = ROOT / "docs" / "rules.md"


def test_benchmark_counts_are_the_files_counts() -> None:
    """"(N rule files, M samples)" is what bench/rules.py loads: the pack and the modifier rules, once and 3x."""
    files, _ = load_pack([PACK, MODIFIER_RULES])
    rules, samples = len(files), sum(len(f.samples) for f in files)
    stated = [(int(n), int(m)) for n, m in re.findall(r"\((\d+) rule files, (\d+) samples\)", DOC.read_text())]
    assert stated == [(rules, samples), (3 * rules, 3 * samples)]
