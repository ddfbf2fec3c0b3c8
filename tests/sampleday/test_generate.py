"""The sample day's generator: reproducible byte for byte, scalable, routable, and its stories name real rules."""
from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

import yaml

from sampleday.background import HISTORY_DAYS
from sampleday.generate import SEED, generate
from sampleday.stories import STORIES
from sampleday.world import PEOPLE
from shipper.routing import Override, Router

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_logs"
# The generator is standard library only; the summary and the demo talk to Elasticsearch.
GENERATOR_MODULES = ("world", "records", "layout", "background", "stories", "generate")
# What the demo's routes (scripts/demo.yml) and AWS's layouts make of each stream kind.
LOG_TYPES = {"cloudtrail": "cloudtrail", "vpcflow": "vpcflow", "route53": "route53", "waf": "waf",
             "guardduty": "guardduty", "securityhub": "securityhub", "s3access": "s3access", "applog": "skip"}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_committed_samples_are_regenerated_byte_for_byte(tmp_path: Path) -> None:
    """The fixed seed gives exactly sample_logs/: every key and every byte."""
    generate(tmp_path / "day", SEED)
    fresh, committed = _files(tmp_path / "day"), _files(SAMPLES)
    assert sorted(fresh) == sorted(committed)
    assert [key for key in fresh if fresh[key] != committed[key]] == []


def test_scale_multiplies_the_background_in_more_objects(tmp_path: Path) -> None:
    """--scale 2 cuts every hour in two objects and writes about twice the records of scale 1."""
    one, two = generate(tmp_path / "one", SEED, 1), generate(tmp_path / "two", SEED, 2)
    for kind in ("cloudtrail", "waf", "route53", "applog"):
        assert 1.7 * one[kind] < two[kind] < 2.3 * one[kind], kind
    history = len(HISTORY_DAYS) * len({person.account for person in PEOPLE})  # one sign-in object a day, unscaled
    assert len(list((tmp_path / "two").rglob("*_CloudTrail_*"))) == 24 * 2 * 3 + history  # 2 slots an hour, 3 accounts


def test_every_object_routes_to_its_log_type() -> None:
    """Each sample object's key is routed by the shipper's layouts (and the demo's routes) to its source."""
    config = yaml.safe_load((ROOT / "scripts" / "demo.yml").read_text())
    router = Router(tuple(Override(r["prefix"], r["type"]) for r in config["routes"]))
    routed = Counter(router.route("sample_logs", key).log_type for key in _files(SAMPLES))
    assert None not in routed
    assert set(routed) == set(LOG_TYPES.values())


def test_every_stage_names_rules_of_the_pack() -> None:
    """A story stage lists rule ids the pack has (a typo would make a story impossible to find)."""
    ids = set()
    for path in (ROOT / "rules").rglob("*.yml"):
        if not path.name.endswith(".samples.yml"):
            ids |= {doc.get("id") for doc in yaml.safe_load_all(path.read_text()) if isinstance(doc, dict)}
    named = {rule for story in STORIES for stage in story.stages for rule in stage.rules}
    assert named and named <= ids, named - ids


def test_the_generator_uses_only_the_standard_library() -> None:
    """The generator's modules import the standard library and each other, nothing else."""
    allowed = set(sys.stdlib_module_names) | {"sampleday", "__future__"}
    extra = set()
    for name in GENERATOR_MODULES:
        tree = ast.parse((ROOT / "sampleday" / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                extra |= {node.module.split(".")[0]} - allowed
            elif isinstance(node, ast.Import):
                extra |= {alias.name.split(".")[0] for alias in node.names} - allowed
    assert not extra
