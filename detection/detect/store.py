"""Writing alerts: bulk `create` with deterministic ids into the alerts data stream.

An item answered 201 is a new alert; 409 means the alert was written before (a rerun, an overlap,
a restart): it is not new, whatever else this run does with it. 429 and 5xx are retried with
backoff; any other refusal fails the rule's run, so its window is searched again next time.
"""
from __future__ import annotations

import random
import time
from collections.abc import Sequence

from elasticsearch import ApiError, Elasticsearch, TransportError

from detection import streams
from detection.detect.alerts import Alert
from detection.errors import DetectorError, reason

RETRYABLE = frozenset({429, 500, 502, 503, 504})
ATTEMPTS = 6
BACKOFF_BASE, BACKOFF_CAP = 0.5, 15.0


class AlertStore:
    """The alerts stream of one namespace."""

    def __init__(self, client: Elasticsearch, namespace: str) -> None:
        self._client = client.options(max_retries=0)  # the retries below are ours
        self.stream = streams.alerts_stream(namespace)

    def write(self, alerts: Sequence[Alert]) -> tuple[list[Alert], list[Alert]]:
        """(new alerts, alerts that existed already), each in the given order."""
        created: set[str] = set()
        existing: set[str] = set()
        pending = list(alerts)
        for attempt in range(ATTEMPTS):
            if not pending:
                break
            retry: list[Alert] = []
            try:
                items = self._bulk(pending)
            except TransportError as exc:
                problem = f"{type(exc).__name__}: {exc.message}"
                retry = pending
            except ApiError as exc:
                if exc.meta.status not in RETRYABLE:
                    raise DetectorError(f"{self.stream} refused the alerts: HTTP {exc.meta.status} "
                                        f"{reason(exc.body)}") from None
                problem, retry = f"HTTP {exc.meta.status}", pending
            else:
                problem = ""
                for alert, item in zip(pending, items, strict=True):
                    status = item.get("status")
                    if status == 201:
                        created.add(alert.id)
                    elif status == 409:
                        existing.add(alert.id)
                    elif status in RETRYABLE:
                        retry.append(alert)
                        problem = f"HTTP {status}"
                    else:
                        raise DetectorError(f"{self.stream} refused alert {alert.id}: {reason(item.get('error'))}")
            pending = retry
            if pending and attempt + 1 < ATTEMPTS:
                time.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)))
        if pending:
            raise DetectorError(f"{self.stream}: {len(pending)} alert(s) not written after {ATTEMPTS} attempts "
                                f"({problem})")
        return [a for a in alerts if a.id in created], [a for a in alerts if a.id in existing]

    def _bulk(self, alerts: Sequence[Alert]) -> list[dict]:
        operations: list[dict] = []
        for alert in alerts:
            operations.append({"create": {"_index": self.stream, "_id": alert.id}})
            operations.append(alert.doc)
        # Only into a data stream: without the alerts template, Elasticsearch would make a plain index
        # with guessed mappings and go on (require_data_stream refuses instead).
        response = self._client.bulk(operations=operations, filter_path="items.*.status,items.*.error",
                                     require_data_stream=True)
        items = [next(iter(i.values())) for i in response.get("items", [])]
        if len(items) != len(alerts):
            raise DetectorError(f"{self.stream}: the bulk response answered {len(items)} of {len(alerts)} alerts")
        return items
