"""The shipper's root error: `str()` says where (a config key path, an object, a URL) and why."""
from __future__ import annotations


class ShipperError(Exception):
    """A problem the user can act on, located at `where` (object key, config path, URL)."""

    def __init__(self, reason: str, *, where: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}" if self.where else self.reason


class ConfigError(ShipperError):
    """The configuration is wrong; `problems` lists every `key.path: reason` found at once."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n  " + "\n  ".join(problems))
        self.problems = problems


class SinkError(ShipperError):
    """Elasticsearch did not accept a batch within the retry budget; its objects stay uncommitted."""
