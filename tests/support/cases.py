"""The case tables both test suites run (tests/cases/*.json; cargo test reads the same files)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CASES = Path(__file__).resolve().parents[1] / "cases"


def cases(table: str, section: str) -> list[dict[str, Any]]:
    """The cases of `section` in tests/cases/<table>.json."""
    return json.loads((CASES / f"{table}.json").read_text())[section]
