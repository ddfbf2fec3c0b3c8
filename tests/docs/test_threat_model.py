"""docs/threat-model.md points at code that exists: every `file:name` it cites is defined there."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from .conftest import DOCS, ROOT

DOC = DOCS / "threat-model.md"
REFERENCE = re.compile(r"`([\w/.-]+\.(?:py|yaml)):([\w.]+)`")


def _defined(path: Path) -> set[str]:
    """Top-level functions, classes and assignments of a module, and `Class.method` for its classes' members."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            names.update(f"{node.name}.{item.name}" for item in node.body if isinstance(item, ast.FunctionDef))
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _resources(path: Path) -> set[str]:
    """The logical resource names of a CloudFormation template (keys under `Resources:`)."""
    text = path.read_text().split("\nResources:\n", 1)[1].split("\nOutputs:", 1)[0]
    return set(re.findall(r"^  (\w+):", text, re.MULTILINE))


def test_every_cited_definition_exists() -> None:
    """Each `file:name` is a file of the repository defining that function, class, constant or resource."""
    cited = REFERENCE.findall(DOC.read_text())
    assert len(cited) >= 40
    missing = []
    for file, name in cited:
        path = ROOT / file
        known = set() if not path.is_file() else _resources(path) if file.endswith(".yaml") else _defined(path)
        if name not in known:
            missing.append(f"{file}:{name}")
    assert not missing, missing
