"""docs/report.md states the story definition and the report's bounds: they stay what the code says."""
from __future__ import annotations

from pathlib import Path

from report import query, span, stories

DOC = Path(__file__).resolve().parents[2] / "docs" / "report.md"


def test_story_definition_is_the_codes() -> None:
    """The stated story rule is is_story's thresholds, over the entities the code groups by."""
    text = DOC.read_text()
    assert (f"at least {stories.MIN_TACTICS} ATT&CK tactics or at least {stories.MIN_ALERTS} alerts") in text
    for _kind, field in stories.ENTITIES:
        assert f"(`{field}`)" in text, field


def test_bounds_are_the_codes() -> None:
    """Each stated size limit is the constant the queries use."""
    text = " ".join(DOC.read_text().split())
    for phrase in (f"{query.MAX_SERIES} series per chart", f"{query.TOP} top principals",
                   f"{stories.MAX_GROUPS} entities examined", f"at most {stories.MAX_STORIES} stories per kind",
                   f"{stories.MAX_STORY_ALERTS} alerts shown per story",
                   f"{query.MAX_REASONS} × {query.MAX_REASONS} dead-letter reasons",
                   f"at most {span.TARGET_BUCKETS} columns"):
        assert phrase in text, phrase
