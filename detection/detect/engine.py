"""One detector: runs each rule over its window, writes its alerts, notifies the new ones, saves its state.

A rule's run, step by step (any failure ends that rule's run only, and leaves its state as it was,
so the next run searches the same window again and finds what this one could not finish):
  1. window = from the saved end (minus the overlap), or --since, or one interval back, to now;
  2. alerts: each matching event (plain rules, page by page; for a new-terms rule, each first-seen one:
     firstseen.py) or each satisfied correlation window;
  3. suppression drops alerts within a key's period;
  4. write with op_type create, unless a receipt says the alert was written before: 201 new, 409 old;
  5. notify new alerts, and alerts written before that some notifier never delivered (receipts);
  6. save the window's end (and correlation chains, suppression openers) as the rule's state.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from elasticsearch import ApiError, Elasticsearch, TransportError

from detection.detect import alerts as build
from detection.detect import correlate, search, timing
from detection.detect.alerts import Alert
from detection.detect.firstseen import FirstSeen
from detection.detect.notify import Notifier
from detection.detect.rules import PackRule
from detection.detect.settings import Settings
from detection.detect.state import RuleState, StateStore
from detection.detect.store import AlertStore
from detection.detect.suppress import Suppressor
from detection.errors import DetectionError, reason

# Correlation chains and suppression openers older than this before a window are forgotten.
STATE_HORIZON = timedelta(days=1)


@dataclass(slots=True)
class Outcome:
    """What one rule's run did."""

    rule_id: str
    title: str
    window: timing.Window | None = None
    new: int = 0
    duplicates: int = 0
    suppressed: int = 0
    renotified: int = 0
    seconds: float = 0.0
    error: str | None = None
    started: float = field(default_factory=time.monotonic)

    def to_json(self) -> dict:
        """The outcome as one summary entry."""
        out = {"rule_id": self.rule_id, "title": self.title, "new": self.new, "duplicates": self.duplicates,
               "suppressed": self.suppressed, "renotified": self.renotified, "seconds": round(self.seconds, 3)}
        if self.window:
            out["window"] = {"start": timing.iso(self.window.start), "end": timing.iso(self.window.end)}
        if self.error:
            out["error"] = self.error
        return out


class Detector:
    """Runs rules against one Elasticsearch with one set of settings, notifiers and state."""

    def __init__(self, client: Elasticsearch, settings: Settings, rules: Sequence[PackRule],
                 notifiers: Sequence[Notifier], clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._client = client
        self._settings = settings
        self.rules = [r for r in rules if settings.rule(r.id).enabled]
        self._notifiers = list(notifiers)
        self._clock = clock
        self._state = StateStore(client, settings.state_index, settings.scope, settings.namespace)
        self._alerts = AlertStore(client, settings.namespace)
        self.alerts_stream = self._alerts.stream

    def prepare(self) -> None:
        """Create the state index if needed (the alerts stream's template is the caller's: deploy es)."""
        self._state.ensure()

    def run_once(self, since: datetime | None = None, on_outcome: Callable[[Outcome], None] = lambda o: None
                 ) -> list[Outcome]:
        """Every rule once; a failing rule is reported in its outcome and the others go on."""
        outcomes = []
        for rule in self.rules:
            outcomes.append(outcome := self.run_rule(rule, since))
            on_outcome(outcome)
        return outcomes

    def run_forever(self, stop: threading.Event, on_outcome: Callable[[Outcome], None],
                    since: datetime | None = None) -> None:
        """Each rule on its own interval until `stop` is set (between rules, never inside one); a rule's
        first run starts at `since` when given."""
        due = {rule.id: 0.0 for rule in self.rules}
        first = {rule.id for rule in self.rules}
        while not stop.is_set():
            now = time.monotonic()
            for rule in self.rules:
                if stop.is_set():
                    return
                if due[rule.id] <= now:
                    outcome = self.run_rule(rule, since if rule.id in first else None)
                    if outcome.error is None:
                        first.discard(rule.id)
                    on_outcome(outcome)
                    interval = self._settings.rule(rule.id).interval or self._settings.interval
                    due[rule.id] = time.monotonic() + interval.total_seconds()
            if due:
                stop.wait(max(0.0, min(due.values()) - time.monotonic()))
            else:
                stop.wait(self._settings.interval.total_seconds())

    def run_rule(self, rule: PackRule, since: datetime | None = None) -> Outcome:
        """One run of one rule (the steps in the module's docstring)."""
        outcome = Outcome(rule.id, rule.info.title)
        try:
            state = self._state.load(rule.id)
            own = self._settings.rule(rule.id)
            now = self._clock()
            window = timing.plan(now, state.last_end, since, own.interval or self._settings.interval,
                                 self._settings.overlap)
            outcome.window = window
            suppressor = Suppressor(own.suppress, dict(state.openers))
            if rule.compiled.correlation is None:
                chains = state.chains
                terms = rule.new_terms
                first_seen = FirstSeen(self._client, rule.index, rule.query, terms) if terms else None
                for page in search.pages(self._client, rule.index, rule.query, window, self._settings.time_field,
                                         extra=terms.ecs_fields if terms else ()):
                    hits = first_seen.new(page) if first_seen else page
                    self._handle(rule, [build.for_event(rule.info, hit, window, now, self._settings.namespace)
                                        for hit in hits], suppressor, outcome)
            else:
                found = correlate.find(self._client, rule.index, rule.compiled.correlation, window,
                                       self._settings.time_field, state.chains)
                found.sort(key=lambda f: f.start)
                self._handle(rule, [build.for_group(rule.info, f.group, f.start, f.end, f.value, f.hits, f.total,
                                                    window, now, self._settings.namespace) for f in found],
                             suppressor, outcome)
                chains = dict(state.chains)
                for f in found:
                    chains[f.group_key] = max(f.end, chains.get(f.group_key, f.end))
            oldest = window.start - STATE_HORIZON
            self._state.save(rule.id, RuleState(window.end, correlate.prune(chains, oldest),
                                                suppressor.pruned(oldest)))
        except (DetectionError, ApiError, TransportError) as exc:
            outcome.error = _describe(exc)
        outcome.seconds = time.monotonic() - outcome.started
        return outcome

    def _handle(self, rule: PackRule, built: list[Alert], suppressor: Suppressor, outcome: Outcome) -> None:
        kept = [a for a in built if suppressor.keep(a)]
        outcome.suppressed = suppressor.suppressed
        if not kept:
            return
        # An alert with a receipt was written before: it is not written again. The receipts (a plain
        # index, read in real time) are what dedupes once the alerts stream has rolled over, where
        # op_type create only sees the new backing index.
        earlier = self._state.receipts(a.id for a in kept)
        new, existing = self._alerts.write([a for a in kept if a.id not in earlier])
        existing += [a for a in kept if a.id in earlier]
        outcome.new += len(new)
        outcome.duplicates += len(existing)
        names = {n.name for n in self._notifiers}
        receipts: dict[str, set[str]] = {a.id: set() for a in new}
        unfinished = [a for a in existing if not names <= earlier.get(a.id, set())]
        outcome.renotified += len(unfinished)
        receipts.update({a.id: set(earlier.get(a.id, set())) for a in unfinished})
        pending = new + unfinished
        failure: DetectionError | None = None
        recorded = False
        for notifier in self._notifiers:
            delivered = False
            for alert in pending:
                if notifier.name in receipts[alert.id]:
                    continue
                try:
                    notifier.send(alert)
                except DetectionError as exc:
                    failure = failure or exc
                    break  # the rest of this notifier's alerts wait for the next run
                receipts[alert.id].add(notifier.name)
                delivered = True
            if delivered:  # after each notifier: a restart repeats none of what it delivered
                self._state.record(receipts)
                recorded = True
        if not recorded and new:
            self._state.record(receipts)  # written, with no notifier (yet): still known as written
        if failure is not None:
            raise failure


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ApiError):
        return f"Elasticsearch refused a request: HTTP {exc.meta.status} {reason(exc.body)}"
    if isinstance(exc, TransportError):
        return f"Elasticsearch unreachable: {type(exc).__name__}: {exc.message}"
    return str(exc)
