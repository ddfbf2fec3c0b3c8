"""What a rule of the pack says beyond valid Sigma, and the placeholders `rules new` leaves to fill in.

A rule in the pack becomes a Kibana detection rule an analyst acts on, so its main rule (the
correlation, in a correlation file) must carry a description, a level, false positives, ATT&CK tags
(a tactic and a technique) and a `note:`: markdown saying what to do when it fires, which the Kibana
export turns into the rule's investigation guide. Rules outside the pack (test fixtures, a scratch
file) need only be valid.

`rules new` writes every value it cannot know as text starting with TODO; a string of a rule file or
of its samples that still starts with TODO is a problem wherever the file lives.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

from detection import attack
from detection.pack import SAFE_LOADER, RuleFile, samples_path

PLACEHOLDER = "TODO"
NOTE = "note"  # the top-level key of the "what to do when it fires" text


def note(rule: SigmaRule | SigmaCorrelationRule) -> str | None:
    """The rule's `note:` (markdown), or None when it has none."""
    value = rule.custom_attributes.get(NOTE)
    return value.strip() if isinstance(value, str) and value.strip() else None


def pack_problems(rule: SigmaRule | SigmaCorrelationRule) -> list[str]:
    """What the pack requires of a main rule and it lacks; [] when it says all of it."""
    out = []
    if not (rule.description or "").strip():
        out.append("no description: say what the rule detects")
    if rule.level is None:
        out.append("no level: informational, low, medium, high or critical")
    if not [f for f in rule.falsepositives or () if str(f).strip()]:
        out.append("no falsepositives: name what else fires the rule (or 'Unknown')")
    tags = attack.resolve(t.name for t in rule.tags if t.namespace == "attack")
    if not tags.tactics or not tags.techniques:
        out.append("no ATT&CK tags: give an attack.<tactic> and an attack.tNNNN technique of it")
    if NOTE in rule.custom_attributes and not isinstance(rule.custom_attributes[NOTE], str):
        out.append("note: must be text (markdown)")
    elif note(rule) is None:
        out.append("no note: say in markdown what to do when the rule fires (Kibana's investigation guide)")
    return out


def placeholder_problems(file: RuleFile) -> list[str]:
    """Every value of the rule file and its samples file that is still a TODO placeholder."""
    out = []
    for n, document in enumerate(_documents(file.path)):
        where = "" if n == 0 else f"document {n + 1}: "
        out.extend(f"{where}{key} is still a placeholder: {value}" for key, value in _placeholders(document))
    samples = samples_path(file.path)
    if samples.exists():
        for document in _documents(samples):
            out.extend(f"{samples.name}: {key} is still a placeholder: {value}"
                       for key, value in _placeholders(document))
    return out


def _documents(path: Path) -> list[object]:
    # The file loaded before (pack.load_pack): a YAML error cannot happen here.
    return [d for d in yaml.load_all(path.read_text(), Loader=SAFE_LOADER) if d is not None]


def _placeholders(value: object, key: str = "") -> Iterator[tuple[str, str]]:
    """(key path, text) of each string below `value` that starts with the placeholder."""
    if isinstance(value, str):
        if value.lstrip().startswith(PLACEHOLDER):
            yield key or "(value)", value.strip().splitlines()[0]
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _placeholders(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _placeholders(item, f"{key}[{i}]")
