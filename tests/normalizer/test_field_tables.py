"""The field tables are pure data: they, the mappings and the Sigma pipeline work without the native core."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from normalizer.field_tables import FIELD_TABLES
from normalizer.registry import LOG_TYPES

ROOT = Path(__file__).resolve().parents[2]

# Run first in the child: any import of the compiled core fails, as on a machine without the Rust build.
_BLOCK_NATIVE = """
import sys

class _NoNativeCore:
    def find_spec(self, name, path=None, target=None):
        if name == "normalizer._native":
            raise ModuleNotFoundError("normalizer._native is not built here", name=name)
        return None

sys.meta_path.insert(0, _NoNativeCore())
"""


def _without_native(code: str) -> dict:
    """Run `code` in a fresh interpreter where normalizer._native cannot be imported; its last stdout line as JSON."""
    script = _BLOCK_NATIVE + textwrap.dedent(code)
    done = subprocess.run([sys.executable, "-c", script], check=False, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_the_blocker_really_blocks_the_native_core() -> None:
    """The child's guard is effective: the normalizer itself cannot be loaded there."""
    out = _without_native("""
        import json
        try:
            import normalizer.stream
        except ImportError as exc:
            print(json.dumps({"refused": "_native" in str(exc)}))
        else:
            print(json.dumps({"refused": False}))
    """)
    assert out == {"refused": True}


def test_field_tables_and_mappings_load_without_the_native_core() -> None:
    """Every source's table and the index mappings built from them need only Python."""
    out = _without_native("""
        import json, sys
        from normalizer.field_tables import FIELD_TABLES
        from normalizer.mapping import mappings
        body = mappings()
        print(json.dumps({
            "sources": {name: [list(t.datasets), len(t.fields)] for name, t in FIELD_TABLES.items()},
            "event_action": body["properties"]["event"]["properties"]["action"]["type"],
            "native_loaded": "normalizer._native" in sys.modules,
        }))
    """)
    assert out["sources"] == {name: [list(t.datasets), len(t.fields)] for name, t in FIELD_TABLES.items()}
    assert out["event_action"] == "keyword"
    assert out["native_loaded"] is False


def test_sigma_pipeline_and_rule_check_run_without_the_native_core() -> None:
    """A rule on native CloudTrail names compiles to the ECS fields, and the pack checks clean, with only Python."""
    out = _without_native("""
        import json, sys
        from sigma.backends.elasticsearch import LuceneBackend
        from sigma.collection import SigmaCollection
        from detection.check import check
        from detection.pack import load_pack
        from detection.pipeline import build

        rule = SigmaCollection.from_yaml('''
        title: Trail stopped
        id: 5f0cbd9e-8a3b-4d7e-9c61-2f3f1a0b9d11
        status: test
        logsource: {product: aws, service: cloudtrail}
        detection:
            selection: {eventSource: cloudtrail.amazonaws.com, eventName: StopLogging}
            condition: selection
        level: high
        ''')
        query = LuceneBackend(build()).convert(rule)[0]
        files, collection = load_pack(["rules"], ["rules"])
        problems = check(files, list(collection.rules))
        print(json.dumps({"query": query, "files": len(files), "problems": [str(p) for p in problems],
                          "native_loaded": "normalizer._native" in sys.modules}))
    """)
    assert "event.action" in out["query"] and "event.provider" in out["query"]
    assert "eventName" not in out["query"]
    assert "aws.cloudtrail" in out["query"]  # the dataset condition
    assert out["files"] > 0 and out["problems"] == []
    assert out["native_loaded"] is False


def test_registry_reads_the_same_tables() -> None:
    """The normalizer's registry carries exactly the field tables the rule tooling reads."""
    assert set(LOG_TYPES) == set(FIELD_TABLES)
    for name, kind in LOG_TYPES.items():
        assert kind.fields is FIELD_TABLES[name].fields
        assert kind.datasets is FIELD_TABLES[name].datasets


def test_the_rules_check_and_compile_commands_run_without_the_native_core() -> None:
    """`cloudsift rules check` and `rules compile` over the pack need only the Python dependencies."""
    out = _without_native("""
        import contextlib, io, json, sys
        from cloudsift.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            checked = main(["rules", "check", "rules/"])
            compiled = main(["rules", "compile", "--target", "lucene", "rules/vpcflow/"])
        print(json.dumps({"check": checked, "compile": compiled, "native_loaded": "normalizer._native" in sys.modules}))
    """)
    assert out == {"check": 0, "compile": 0, "native_loaded": False}
