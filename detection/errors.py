"""The rule tooling's one root error: its str() says which rule file went wrong."""
from __future__ import annotations

from cloudsift.errors import CloudsiftError


class RuleError(CloudsiftError):
    """A rule or its samples cannot be loaded, compiled or tested; `path` names the rule file."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message
