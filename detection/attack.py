"""MITRE ATT&CK Enterprise for tag checks and Kibana threat mappings, from the generated table.

`attack_enterprise.py` holds every active technique of its RELEASE, with the
tactics each belongs to and its cloud platforms (scripts/gen-attack writes it from MITRE's data).
A technique that is not there is unknown, revoked or deprecated.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from detection import attack_enterprise as table
from detection.attack_model import Tactic, Technique

RELEASE = table.RELEASE
_TECHNIQUE_TAG = re.compile(r"t\d{4}(\.\d{3})?", re.IGNORECASE)
_GROUP_OR_SOFTWARE_TAG = re.compile(r"[gs]\d{4}", re.IGNORECASE)


TACTICS: dict[str, Tactic] = {short: Tactic(ident, name, short) for short, (ident, name) in table.TACTICS.items()}
TECHNIQUES: dict[str, Technique] = {
    ident: Technique(ident, name, tactics, table.PLATFORMS.get(ident, ()))
    for ident, (name, tactics) in table.TECHNIQUES.items()
}


def tactic(tag: str) -> Tactic | None:
    """The tactic of an `attack.<tactic>` tag name (credential_access, or credential-access), or None."""
    return TACTICS.get(tag.lower().replace("_", "-"))


def technique(tag: str) -> Technique | None:
    """The active technique of an `attack.t1078.004` tag name, or None."""
    return TECHNIQUES.get(tag.upper())


@dataclass(frozen=True, slots=True)
class Tags:
    """A rule's ATT&CK tags, resolved: its tactics and techniques in tag order, and what is wrong."""

    tactics: tuple[Tactic, ...]
    techniques: tuple[Technique, ...]
    problems: tuple[str, ...]

    def techniques_of(self, tactic: Tactic) -> tuple[Technique, ...]:
        """The rule's techniques that belong to `tactic`."""
        return tuple(t for t in self.techniques if tactic.shortname in t.tactics)


def resolve(names: Iterable[str]) -> Tags:
    """Resolve `attack.*` tag names (without the namespace): every technique must be active and
    belong to at least one tactic the rule tags."""
    tactics: list[Tactic] = []
    techniques: list[Technique] = []
    problems: list[str] = []
    for name in names:
        if (found := tactic(name)) is not None:
            tactics.append(found)
        elif _TECHNIQUE_TAG.fullmatch(name):
            if (tech := technique(name)) is None:
                problems.append(f"attack.{name}: {name.upper()} is not an active technique of {RELEASE} "
                                "(unknown, revoked or deprecated)")
            else:
                techniques.append(tech)
        elif not _GROUP_OR_SOFTWARE_TAG.fullmatch(name):  # groups and software are valid, not mapped
            problems.append(f"attack.{name} is neither an ATT&CK tactic, technique, group nor software")
    tagged = {t.shortname for t in tactics}
    for tech in techniques:
        if not tagged.intersection(tech.tactics):
            belongs = ", ".join(TACTICS[short].tag for short in tech.tactics)
            problems.append(f"attack.{tech.id.lower()} ({tech.name}) belongs to {belongs}, "
                            "none of which the rule tags")
    return Tags(tuple(tactics), tuple(techniques), tuple(problems))
