"""What a rule of the pack says beyond valid Sigma, and the placeholders `rules new` leaves to fill in.

A rule in the pack becomes a Kibana detection rule an analyst acts on, so its main rule (the
correlation, in a correlation file) must carry a description, a level, false positives, ATT&CK tags
(a tactic and a technique) and a `note:`: markdown saying what to do when it fires, which the Kibana
export turns into the rule's investigation guide. Rules outside the pack (test fixtures, a scratch
file) need only be valid.

`rules new` writes a working example whose every line to adapt says TODO (in its value or in a comment);
a line of a rule file or of its samples that still says TODO is a problem wherever the file lives.
"""
from __future__ import annotations

from pathlib import Path

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

from detection import attack
from detection.pack import RuleFile, samples_path

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
    """Every line of the rule file and its samples file that still holds a TODO (values and comments alike)."""
    out = [f"line {n}: still a placeholder: {line}" for n, line in _placeholders(file.path)]
    samples = samples_path(file.path)
    if samples.exists():
        out.extend(f"{samples.name} line {n}: still a placeholder: {line}" for n, line in _placeholders(samples))
    return out


def _placeholders(path: Path) -> list[tuple[int, str]]:
    """(line number, stripped line) of each line of `path` holding the placeholder."""
    try:
        lines = path.read_text().splitlines()
    except OSError:  # the file loaded a moment ago (pack.load_pack): gone since, nothing left to report
        return []
    return [(n, line.strip()) for n, line in enumerate(lines, 1) if PLACEHOLDER in line]
