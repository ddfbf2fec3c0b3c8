"""Notifiers: JSON lines on stdout, and a generic webhook. Each reports what it delivered.

A notification is at least once: the state index records, per alert, which notifiers delivered
it (state.py), and a rule's window counts as done only when every new alert reached every
notifier, so a detector killed mid-way, or a webhook that is down, gets them out on the next run.
"""
from __future__ import annotations

import os
import random
import sys
import time
from typing import IO, Protocol

import orjson
import urllib3

from detection.detect.alerts import Alert
from detection.detect.settings import WebhookSettings
from detection.errors import DetectorError

RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


class Notifier(Protocol):
    """Delivers one alert or raises DetectorError."""

    name: str

    def send(self, alert: Alert) -> None:
        """Deliver `alert`; DetectorError when it could not be delivered (after retries)."""


class StdoutNotifier:
    """One JSON line per new alert (the interface contract: rule_id, title, tags, severity, matched_ids)."""

    name = "stdout"

    def __init__(self, out: IO[str] | None = None) -> None:
        self._out = out

    def send(self, alert: Alert) -> None:
        """Print the alert's line and flush it."""
        out = self._out or sys.stdout  # looked up per call: tests and the CLI may swap sys.stdout
        out.write(orjson.dumps(alert.record()).decode() + "\n")
        out.flush()


class WebhookNotifier:
    """A JSON POST per alert: the stdout record plus the alert document, headers' secrets from the environment."""

    name = "webhook"

    def __init__(self, settings: WebhookSettings, pool: urllib3.PoolManager | None = None) -> None:
        self._settings = settings
        self._pool = pool or urllib3.PoolManager()
        missing = [env for env in settings.headers_from_env.values() if env not in os.environ]
        if missing:
            raise DetectorError(f"webhook: environment variable(s) {', '.join(missing)} not set")
        # Read once: the values never reach a message or a log.
        self._headers = {"Content-Type": "application/json",
                         **{name: os.environ[env] for name, env in settings.headers_from_env.items()}}
        self.attempts = 0  # requests made, retries included (the summary reports them)

    def send(self, alert: Alert) -> None:
        """POST the alert, retrying 408/425/429/5xx and connection errors with backoff."""
        body = orjson.dumps({**alert.record(), "alert": alert.doc})
        cfg = self._settings
        problem = ""
        for attempt in range(cfg.attempts):
            if attempt:
                time.sleep(random.uniform(0, min(cfg.backoff_cap, cfg.backoff_base * 2**attempt)))
            self.attempts += 1
            try:
                response = self._pool.request("POST", cfg.url, body=body, headers=self._headers,
                                              timeout=cfg.timeout, retries=False, redirect=False)
            except urllib3.exceptions.HTTPError as exc:
                problem = type(exc).__name__
                continue
            if 200 <= response.status < 300:
                return
            problem = f"HTTP {response.status}"
            if response.status not in RETRYABLE:
                break
        raise DetectorError(f"webhook: alert {alert.id} not delivered after {attempt + 1} "
                            f"attempt(s) ({problem})")
