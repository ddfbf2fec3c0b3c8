"""Alert suppression per rule and key (Kibana's alert suppression, ElastAlert's realert).

Within `period` after an alert for some values of the `by` fields, further alerts of the rule for
the same values are not written. Periods run on alert time (the event's, or the correlation
window's start), not on the clock: a rerun or a restarted detector makes the same decisions. The
opening alert times live in the rule's state, saved with its window.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import orjson

from detection.detect.alerts import Alert
from detection.detect.settings import Suppression


class Suppressor:
    """Decides, alert by alert in time order, which alerts a rule writes."""

    def __init__(self, suppression: Suppression | None, openers: dict[str, datetime]) -> None:
        self._rule = suppression
        self.openers = openers  # suppression key → time of the alert that opened its period
        self.suppressed = 0

    def key(self, alert: Alert) -> str:
        """The alert's suppression key: its values of the `by` fields (missing ones as null)."""
        by = self._rule.by if self._rule else ()
        return orjson.dumps([alert.fields.get(name) for name in by]).decode()

    def keep(self, alert: Alert) -> bool:
        """Whether `alert` is written (and, if it opens a period, remember it)."""
        if self._rule is None:
            return True
        key = self.key(alert)
        opened = self.openers.get(key)
        if opened is not None and timedelta(0) <= alert.time - opened < self._rule.period:
            self.suppressed += 1
            return False
        if opened is None or alert.time > opened:
            self.openers[key] = alert.time
        return True

    def pruned(self, oldest: datetime) -> dict[str, datetime]:
        """The openers whose period has not ended before `oldest`."""
        if self._rule is None:
            return {}
        return {k: v for k, v in self.openers.items() if v + self._rule.period > oldest}
