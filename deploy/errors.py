"""The deploy library's error root, and the one place an Elasticsearch refusal becomes it."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from elasticsearch import ApiError

T = TypeVar("T")


class DeployError(Exception):
    """A cluster or Kibana refused what `cloudsift deploy` asked, or cannot be reached; `str()` says why."""


def refused(what: str, call: Callable[[], T]) -> T:
    """`call()`, with an Elasticsearch error turned into a DeployError naming `what` and the root cause."""
    try:
        return call()
    except ApiError as exc:
        error = exc.body.get("error") if isinstance(exc.body, dict) else None
        while isinstance(error, dict) and isinstance(error.get("caused_by"), dict):
            error = error["caused_by"]
        reason = error.get("reason") if isinstance(error, dict) else exc.message
        raise DeployError(f"Elasticsearch refused to {what}: HTTP {exc.meta.status} {reason}") from None
