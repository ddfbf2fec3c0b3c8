"""The rule tooling's error root: its str() says which rule file went wrong.

The rule tooling is a library under the CLI (STYLE.md, import direction): it has its own root error,
and the `cloudsift` command maps it to a message and an exit status.
"""
from __future__ import annotations


class DetectionError(Exception):
    """The root of every error the rule tooling raises; `str()` is the whole message."""


class RuleError(DetectionError):
    """A rule or its samples cannot be loaded, compiled or tested; `path` names the rule file."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def from_sigma(exc: Exception, path: str | None, prefix: str = "") -> RuleError:
    """A RuleError for a pySigma error (or NotImplementedError) about the rule file at `path`.

    pySigma ends its messages with " in <rule location>"; the RuleError names the file itself.
    """
    message = str(exc)
    source = getattr(exc, "source", None)
    for where in (source, path):
        if where is not None:
            message = message.removesuffix(f" in {where}")
    return RuleError(prefix + message, path)


class DetectorError(DetectionError):
    """`cloudsift detect` could not run a rule, write its alerts or notify them."""


def reason(error: object) -> str:
    """The most specific reason of an Elasticsearch error body (or its `error` object), else the body as text.

    A refused search says only "all shards failed" at the top; what went wrong is its root cause.
    """
    if isinstance(error, dict) and isinstance(error.get("error"), dict):
        error = error["error"]
    if isinstance(error, dict):
        root = error.get("root_cause")
        if isinstance(root, list) and root and isinstance(root[0], dict) and root[0].get("reason"):
            return str(root[0]["reason"])
        node: dict = error
        while isinstance(node.get("caused_by"), dict):
            node = node["caused_by"]
        return str(node.get("reason") or node.get("type") or node)
    return str(error)
