"""The demo's main job (`./scripts/demo`): ship sample_logs/, detect, and say what was found.

`scripts/demo` has deployed the templates and roles (`cloudsift deploy es`: on the local node, its
file realm). Each step here is the real command (`cloudsift ship`, `detect --once`) in a child process;
their progress goes to the terminal, their results to files read afterwards. Detection windows on
event time here (`--time-field @timestamp`, `--since` the sample day's start): the whole day is
searched however long ago it was, the sign-ins of the days before it are history only (the baseline
of the new-terms rule), and a rerun starts where the first run ended, so it raises nothing new.
Connection: ELASTICSEARCH_URL and credentials (scripts/demo exports the local node's).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from cloudsift.elastic import connect, settings_from_env
from sampleday.summary import Summary, render, summarize
from sampleday.world import DAY_START

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_logs"
ROUTES = ROOT / "scripts" / "demo.yml"
# The shop's own log (sampleday/records.py: app_log) and its declared field map (docs/fields/applog.md).
SHOP_LOG = Path("app") / "shop"
SHOP_MAP = {"dataset": "shop", "format": "json", "timestamp": "timestamp", "message": "message", "level": "level",
            "user": "user", "source_ip": "source_ip", "outcome": "outcome", "rename": {"action": "event.action"}}


@dataclass(frozen=True, slots=True)
class Run:
    """What one demo run did: the shipper's and the detector's summaries, and the wall time."""

    ship: dict
    detect: dict
    seconds: float

    @property
    def nothing_new(self) -> bool:
        return self.ship["indexed"] == 0 and self.ship["deadlettered"] == 0 and self.detect.get("new", 0) == 0

    def line(self) -> str:
        """One sentence on what this run added."""
        if self.nothing_new:
            return (f"nothing new: all {self.ship['records']:,} records of {self.ship['objects']} objects were "
                    f"already indexed, and no new alert ({self.seconds:.0f} s)")
        return (f"this run: {self.ship['indexed']:,} new documents of {self.ship['records']:,} records "
                f"({self.ship['duplicates']:,} already indexed, {self.ship['deadlettered']} dead-lettered), "
                f"{self.detect.get('new', 0)} new alerts ({self.seconds:.0f} s)")


class DemoError(Exception):
    """A step of the demo failed; the message names it."""


def _cloudsift(args: list[str], env: dict[str, str] | None, timeout: float) -> tuple[int, str, str]:
    """Run `cloudsift ARGS`; stdout and stderr through files (never an unread pipe), returned as text."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.run([sys.executable, "-m", "cloudsift.cli", *args], stdout=out, stderr=err, env=env,
                              cwd=ROOT, timeout=timeout, check=False)
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read().decode(), err.read().decode()


def _last_json(text: str) -> dict:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {}


def run(namespace: str, samples: Path = SAMPLES, env: dict[str, str] | None = None, timeout: float = 1800) -> Run:
    """Ship and detect once in `namespace`; raises DemoError naming the step that failed."""
    began = time.monotonic()
    since = datetime.fromtimestamp(DAY_START, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # Two sources: the bucket-shaped folder (its AWS layouts and the routes of scripts/demo.yml, which
    # skip the application's prefix there) and the application's prefix with its field map.
    routes = yaml.safe_load(ROUTES.read_text())["routes"]
    sources: list[dict] = [{"url": str(samples)}]
    if (samples / SHOP_LOG).is_dir():
        sources.append({"url": str(samples / SHOP_LOG), "applog": SHOP_MAP})
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as config:
        yaml.safe_dump({"routes": routes, "sources": sources}, config)
        config.flush()
        status, out, err = _cloudsift(["ship", "--config", config.name, "--once", "--namespace", namespace,
                                       "--progress", "json"], env, timeout)
    shipped = _last_json(out)
    # Exit 1 means some records were dead-lettered (counted in the summary), not a failure.
    if status > 1 or not shipped:
        raise DemoError(f"cloudsift ship failed (exit {status}): {err.strip()[-500:]}")
    status, out, err = _cloudsift(["detect", "--once", "--time-field", "@timestamp", "--since", since,
                                   "--namespace", namespace], env, timeout)
    detected = _last_json(err)
    if status != 0 or not detected:
        raise DemoError(f"cloudsift detect failed (exit {status}): {err.strip()[-500:]}")
    return Run(shipped, detected, time.monotonic() - began)


def main() -> int:
    """Run the demo and print its summary; exit 1 when a story was missed or a step failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespace", default="demo", help="data stream namespace (default: demo)")
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="the bucket-shaped folder to ship")
    args = parser.parse_args()
    print(f"demo: shipping {args.samples} and detecting in namespace {args.namespace!r} "
          "(a few minutes on a small machine)", file=sys.stderr)
    try:
        result = run(args.namespace, args.samples, dict(os.environ))
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    summary: Summary = summarize(connect(settings_from_env()), args.namespace)
    print(render(summary, result.line()))
    page = ROOT / "dist" / f"report-{args.namespace}.html"
    page.parent.mkdir(exist_ok=True)
    status, out, err = _cloudsift(["report", "--namespace", args.namespace, "--out", str(page)], dict(os.environ),
                                  600)
    if status != 0:
        print(f"demo: cloudsift report failed (exit {status}): {err.strip()[-500:]}", file=sys.stderr)
        return 2
    print(f"report: {out.strip()} (open it in a browser)")
    return 0 if summary.found == len(summary.stories) else 1


if __name__ == "__main__":
    sys.exit(main())
