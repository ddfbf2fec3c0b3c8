"""docs/rules.md states facts about the benchmark and the pack's refusals: they stay true."""
from __future__ import annotations

import importlib.util
import re

from detection.targets import TARGETS

from .conftest import ROOT

DOC = ROOT / "docs" / "rules.md"


def _bench():  # type: ignore[no-untyped-def]
    """bench/rules.py as a module (bench/ is no package)."""
    spec = importlib.util.spec_from_file_location("bench_rules", ROOT / "bench" / "rules.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_pack_size_is_the_benchmarks() -> None:
    """"a generated pack of N rule files" is what bench/rules.py generates, and it is the issue's ~150."""
    stated = {int(n) for n in re.findall(r"pack of (\d+) rule files", DOC.read_text())}
    assert stated == {_bench().GENERATED} and _bench().GENERATED >= 150


def test_every_target_is_documented() -> None:
    """Each target of `rules compile` has its own entry under Targets."""
    for target in TARGETS:
        assert f"- `{target}`:" in DOC.read_text(), target
