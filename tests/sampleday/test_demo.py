"""The demo on the suite's node: every attack story found, the background quiet, a rerun "nothing new"."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from cloudsift.elastic import EsSettings
from sampleday.demo import SAMPLES, Run, run
from sampleday.stories import STORIES
from sampleday.summary import Summary, render, summarize


def _env(es_settings: EsSettings) -> dict[str, str]:
    return {**os.environ, "ELASTICSEARCH_URL": es_settings.url, "ELASTICSEARCH_USERNAME": es_settings.username or "",
            "ELASTICSEARCH_PASSWORD": es_settings.password or ""}


@pytest.fixture(scope="module")
def namespace() -> str:
    """A namespace of the module's own, left in place (the integ-test node cannot delete data streams)."""
    return f"demo{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def first_run(es_settings: EsSettings, namespace: str) -> Run:
    """The demo's first run over the whole sample day."""
    return run(namespace, SAMPLES, _env(es_settings))


@pytest.fixture(scope="module")
def summary(es: Elasticsearch, namespace: str, first_run: Run) -> Summary:
    """What the demo prints after its first run."""
    return summarize(es, namespace)


def test_every_attack_story_is_found(summary: Summary, first_run: Run) -> None:
    """Each story has an alert tied to it at every stage, and the summary says M/M."""
    assert summary.found == len(STORIES) == 3, [(r.story.name, r.stages) for r in summary.stories]
    assert f"attack stories found: {len(STORIES)}/{len(STORIES)}" in render(summary, first_run.line())


def test_the_background_raises_no_alert(summary: Summary) -> None:
    """No rule alerts on the benign day: the people's sign-ins are from the addresses of their history
    (the new-terms rule's baseline, the days before the sample day)."""
    assert {rule.rule_id: rule.background for rule in summary.rules if rule.background} == {}
    assert summary.background_alerts == 0


def test_every_record_is_indexed(summary: Summary, first_run: Run) -> None:
    """The first run indexes every shipped record into its dataset and dead-letters nothing."""
    assert first_run.ship["deadlettered"] == 0 and first_run.ship["indexed"] == first_run.ship["records"]
    assert sum(summary.records.values()) == first_run.ship["records"] and summary.deadletters == 0
    assert len(summary.records) == 8  # every AWS source of the day and the shop's own log (dataset shop)


def test_a_rerun_says_nothing_new(es_settings: EsSettings, namespace: str, first_run: Run, tmp_path: Path) -> None:
    """Shipping objects already indexed again adds no document and no alert, and the line says so."""
    # Keys and the folder's name (the bucket) as in sample_logs/, so the documents' ids are the same.
    subset = tmp_path / SAMPLES.name
    for path in sorted(SAMPLES.rglob("*.gz"))[:20]:
        target = subset / path.relative_to(SAMPLES)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    again = run(namespace, subset, _env(es_settings))
    assert again.nothing_new and again.ship["duplicates"] == again.ship["records"] > 0
    assert again.line().startswith("nothing new:")
