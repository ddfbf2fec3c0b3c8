"""cloudsift's new-terms extension to Sigma: alert on the first time a value (or combination) is seen.

Sigma has no construct for "never seen before", so a rule says it under cloudsift's own top-level key,
which Sigma tools keep as a custom attribute and otherwise ignore:

    cloudsift:
      new_terms:
        fields: [userIdentity.arn, sourceIPAddress]   # 1 to 3 fields, native names as in `detection:`
        history_window: 14d                           # how far back a value counts as seen

The rule's detection selects the events (successful console sign-ins, say); the rule fires for an event
whose combination of `fields` no selected event had in the history window before the run. The Kibana
export makes it a `new_terms` rule (`new_terms_fields`, `history_window_start`, as Kibana's detection
rule API defines them); the other targets refuse it, since their query alone would fire on every
selected event. `rules test` tests the selection (the base query) on the samples.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

from detection import fields
from detection.errors import RuleError

KEY = "cloudsift"  # the top-level key of cloudsift's extensions
NEW_TERMS = "new_terms"
# Kibana's new_terms schema: 1 to 3 fields (MAX_NUMBER_OF_NEW_TERMS_FIELDS).
MAX_FIELDS = 3
# A baseline shorter than a day makes routine values look new (and must exceed any rule's look-back).
MIN_HISTORY_SECONDS = 86400
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"([1-9][0-9]*)([smhdw])")


@dataclass(frozen=True, slots=True)
class NewTerms:
    """A rule's new-terms condition: the fields (native and ECS) and the history window."""

    fields: tuple[str, ...]  # native names, as the rule wrote them
    ecs_fields: tuple[str, ...]
    history_window: str  # as written: 14d
    history_seconds: int

    @property
    def history_window_start(self) -> str:
        """Kibana's date math for the start of the history window (now-14d)."""
        return f"now-{self.history_window}"


def of(rule: SigmaRule | SigmaCorrelationRule) -> NewTerms | None:
    """The rule's new-terms condition, None if it has none; a RuleError says what is malformed."""
    where = str(rule.source.path) if rule.source and rule.source.path else None
    extension = rule.custom_attributes.get(KEY)
    if extension is None:
        return None
    if not isinstance(extension, dict) or set(extension) - {NEW_TERMS}:
        raise RuleError(f"`{KEY}:` holds one key, {NEW_TERMS}", where)
    spec = extension.get(NEW_TERMS)
    if not isinstance(spec, dict) or set(spec) != {"fields", "history_window"}:
        raise RuleError(f"`{KEY}.{NEW_TERMS}` needs exactly `fields` and `history_window`", where)
    if isinstance(rule, SigmaCorrelationRule):
        raise RuleError(f"`{KEY}.{NEW_TERMS}` goes on a plain rule, not a correlation", where)
    names = spec["fields"]
    if (not isinstance(names, list) or not 1 <= len(names) <= MAX_FIELDS
            or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names)):
        raise RuleError(f"`{KEY}.{NEW_TERMS}.fields` is a list of 1 to {MAX_FIELDS} distinct field names", where)
    window = spec["history_window"]
    match = _DURATION.fullmatch(window) if isinstance(window, str) else None
    if match is None:
        raise RuleError(f"`{KEY}.{NEW_TERMS}.history_window` is a duration such as 14d (units s m h d w)", where)
    service = rule.logsource.service
    ecs = []
    for name in names:
        try:
            target = fields.resolve(service, name)
        except fields.UnknownField as exc:
            raise RuleError(f"{KEY}.{NEW_TERMS}: {exc.describe(service)}", where) from None
        if target.type == "flattened":
            raise RuleError(f"{KEY}.{NEW_TERMS}: {name!r} is kept in a flattened field; new terms need a "
                            "typed field", where)
        ecs.append(target.ecs)
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds < MIN_HISTORY_SECONDS:
        raise RuleError(f"`{KEY}.{NEW_TERMS}.history_window` {window} is shorter than a day: too short a history "
                        "makes routine values new", where)
    return NewTerms(tuple(names), tuple(ecs), window, seconds)
