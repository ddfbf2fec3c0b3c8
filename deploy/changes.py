"""A change `cloudsift deploy` would make: what it is, how it differs, and the call that makes it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from deploy.diff import shown


@dataclass(frozen=True, slots=True)
class Change:
    """One resource to create, update or delete. `run` applies it; a str it returns is a line to print
    once (a new credential), anything else is ignored. It is never called for --dry-run."""

    kind: str  # "index template", "role", "api key", "kibana rule", …
    name: str
    new: bool
    lines: tuple[str, ...] = ()
    run: Callable[[], object] = field(default=lambda: None, repr=False, compare=False)
    verb: str = ""  # what happens instead of create/update ("delete"); "" for those two

    def describe(self) -> list[str]:
        """The diff of this change: a head line, then what differs (for an update)."""
        mark = "-" if self.verb == "delete" else "+" if self.new else "~"
        head = f"{mark} {self.kind} {self.name}"
        return [head, *(f"    {line}" for line in shown(list(self.lines)))]


def apply(changes: list[Change]) -> list[str]:
    """Make every change, in order; the lines they return (credentials, printed once by the caller)."""
    said = []
    for change in changes:
        said_now = change.run()
        if isinstance(said_now, str):
            said.append(said_now)
    return said
