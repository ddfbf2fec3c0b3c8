"""ATT&CK's value types: what the generated table holds, shared by its generator and its readers.

Kept apart from attack.py so the generator runs even when the table it replaces is stale.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tactic:
    """One ATT&CK tactic: id (TA0006), display name, short name (credential-access)."""

    id: str
    name: str
    shortname: str

    @property
    def tag(self) -> str:
        """The Sigma tag of the tactic (attack.credential_access)."""
        return "attack." + self.shortname.replace("-", "_")


@dataclass(frozen=True, slots=True)
class Technique:
    """One active technique or sub-technique with the tactics (short names) it belongs to.

    `platforms` holds its cloud platforms only (attack_gen.CLOUD_PLATFORMS): the table keeps what the
    cloud matrices need, not every operating system.
    """

    id: str
    name: str
    tactics: tuple[str, ...]
    platforms: tuple[str, ...] = ()

    @property
    def parent(self) -> str:
        """The technique a sub-technique refines (T1078 of T1078.004); itself for a technique."""
        return self.id.partition(".")[0]
