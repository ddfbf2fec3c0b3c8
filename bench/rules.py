"""Time `cloudsift rules test` over the pack (and the pack replicated to 60+ rules) on a running node.

Run: eval "$(cloudsift es env)"; .venv/bin/python bench/rules.py
Prints wall time for the whole run and per rule, plus the fixed cost of one throwaway index.
"""
from __future__ import annotations

import copy
import dataclasses
import time
import uuid
from pathlib import Path

from cloudsift.elastic import connect, settings_from_env
from detection.pack import load_pack
from detection.ruletest import INDEX_SETTINGS, run
from normalizer.mapping import mappings

ROOT = Path(__file__).resolve().parents[1]
PATHS = [ROOT / "rules", ROOT / "tests" / "detection" / "modifier_rules"]


def _timed(label: str, files: list, es: object) -> None:
    start = time.perf_counter()
    results = run(es, files)  # type: ignore[arg-type]
    took = time.perf_counter() - start
    assert all(r.ok for r in results), [r.path for r in results if not r.ok]
    samples = sum(len(f.samples) for f in files)
    print(f"{label}: {len(files)} rules, {samples} samples: {took:.2f} s total, {1000 * took / len(files):.0f} ms/rule")


def main() -> None:
    """Print the figures."""
    es = connect(settings_from_env())
    files, _ = load_pack(PATHS)
    start = time.perf_counter()
    index = "cloudsift-bench-" + uuid.uuid4().hex[:8]
    es.indices.create(index=index, mappings=mappings(), settings=INDEX_SETTINGS)
    es.indices.delete(index=index)
    print(f"create + delete one throwaway index: {time.perf_counter() - start:.2f} s")
    _timed("pack", files, es)
    # The same rules three times over (distinct paths) stand in for a 60+ rule pack.
    bigger = [dataclasses.replace(f, path=f.path.with_name(f"{n}-{f.path.name}"), rule=copy.deepcopy(f.rule))
              for n in range(3) for f in files]
    _timed("pack x3", bigger, es)


if __name__ == "__main__":
    main()
