"""Time `cloudsift rules test` over the whole pack, and over a generated pack of GENERATED rule files.

Run on a node that is up: eval "$(cloudsift es env)"; .venv/bin/python bench/rules.py [--profile]
Each figure is the wall time of the command a detection engineer runs (`cloudsift rules test rules/`,
Python start-up and imports included), median of RUNS. The generated pack copies the pack's rule
files round-robin with fresh ids and names (correlations keep their base rules), into a temporary
`rules/` folder run from its parent, as a 150-rule pack would be. `--profile` prints where one
in-process run of the generated pack spends its time.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "rules"
GENERATED = 150
RUNS = 3
TARGET_SECONDS = 15.0


def _generate(pack: Path, out: Path, count: int) -> int:
    """Write `count` rule files (and their samples) copied from `pack`; the number of samples.

    A correlation whose base rule lives in another file gets a copy of it, so every copy stands alone.
    """
    sources = sorted(pack.rglob("*.yml"))
    loaded = {path: [d for d in yaml.safe_load_all(path.read_text()) if d] for path in sources}
    base_rules = {d["name"]: d for docs in loaded.values() for d in docs if "name" in d}
    samples = 0
    for n in range(count):
        source = sources[n % len(sources)]
        docs = [dict(d) for d in loaded[source]]
        own = {d["name"] for d in docs if "name" in d}
        wanted = [r for d in docs if "correlation" in d for r in d["correlation"]["rules"]]
        docs[:0] = [dict(base_rules[r]) for r in dict.fromkeys(wanted) if r not in own]
        names = {d["name"]: f"{d['name']}_{n}" for d in docs if "name" in d}
        for doc in docs:
            doc["id"] = str(uuid.uuid4())
            doc["title"] = f"{doc['title']} ({n})"
            if "name" in doc:
                doc["name"] = names[doc["name"]]
            if "correlation" in doc:
                doc["correlation"] = {**doc["correlation"], "rules": [names[r] for r in doc["correlation"]["rules"]]}
        target = out / source.parent.name / f"{source.stem}_{n}.yml"
        target.parent.mkdir(parents=True, exist_ok=True)
        # The main rule last, as in the pack: base rules first.
        docs.sort(key=lambda d: "correlation" in d)
        target.write_text(yaml.safe_dump_all(docs, sort_keys=False))
        sample_file = source.with_name(source.stem + ".samples.yaml")
        shutil.copy(sample_file, target.with_name(target.stem + ".samples.yaml"))
        samples += len(yaml.safe_load(sample_file.read_text())["samples"])
    return samples


def _cli_seconds(paths: list[str], cwd: Path) -> float:
    """Median wall time of `cloudsift rules test PATHS` run from `cwd`; it must pass."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    took = []
    for _ in range(RUNS):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "cloudsift.cli", "rules", "test", *paths], cwd=cwd, env=env,
                              capture_output=True, text=True, check=False)
        took.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"rules test failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return statistics.median(took)


def _profile(pack: Path) -> None:
    from cloudsift.elastic import connect, settings_from_env
    from detection.pack import load_pack
    from detection.ruletest import run

    profiler = cProfile.Profile()
    profiler.enable()
    files, _ = load_pack([pack], [pack])
    results = run(connect(settings_from_env()), files)
    profiler.disable()
    assert all(r.ok for r in results)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    """Print the figures (seconds) and whether the generated pack meets the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="profile one in-process run of the generated pack")
    args = parser.parse_args()
    rule_files = len(list(PACK.rglob("*.yml")))
    pack = _cli_seconds(["rules"], ROOT)
    print(f"rules test rules/ ({rule_files} rule files): {pack:.2f} s")
    with tempfile.TemporaryDirectory(prefix="cloudsift-bench-") as tmp:
        generated = Path(tmp) / "rules"
        samples = _generate(PACK, generated, GENERATED)
        took = _cli_seconds(["rules"], Path(tmp))
        verdict = "within" if took < TARGET_SECONDS else "OVER"
        print(f"rules test of a generated pack ({GENERATED} rule files, {samples} samples): {took:.2f} s, "
              f"{1000 * took / GENERATED:.0f} ms/rule, {verdict} the {TARGET_SECONDS:.0f} s target")
        if args.profile:
            _profile(generated)


if __name__ == "__main__":
    main()
