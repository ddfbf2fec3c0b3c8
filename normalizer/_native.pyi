"""Types of the native core (normalizer/native, Rust): what normalizer/cloudtrail/ and normalizer/vpcflow/ call."""
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import TypeAlias

from normalizer.records import RawRecord

Document: TypeAlias = tuple[str, bytes, str]  # (doc_id, ECS document as JSON bytes, event.dataset)

class CloudTrail:
    """The CloudTrail plan, built once from normalizer/cloudtrail/fields.py's tables."""

    def __init__(
        self,
        *,
        copied: Sequence[tuple[str, str, str]],
        objects: Sequence[tuple[str, str]],
        flattened_objects: Sequence[tuple[str, str]],
        flattened_max_depth: int,
        known: AbstractSet[str],
        categories: Mapping[str, tuple[Sequence[str], Sequence[str]]],
        related: Mapping[str, Sequence[str]],
        targets: Mapping[tuple[str, str], Sequence[str]],
        hosts: Sequence[str],
        user_resource_types: AbstractSet[str],
        host_resource_types: AbstractSet[str],
        service_resource_types: AbstractSet[str],
        host_id_prefixes: Sequence[str],
        service_id_prefixes: Sequence[str],
        user_identity_types: AbstractSet[str],
        ecs_version: str,
        epochs: tuple[int, int],
    ) -> None: ...
    def document(self, record: RawRecord, original: bool = False) -> Document:
        """One record → its document; NormalizationError naming the native field."""

class RecordCutter:
    """The CloudTrail reader's fast cut at AWS's record separator."""

    def __init__(self, separator: bytes) -> None: ...
    def cut(self, data: bytes, start: int, limit: int) -> tuple[int, str] | None:
        """(index of the separator ending the record at `start`, the record's text), or None."""

class Scanner:
    """Where a JSON array element or value ends, followed across buffers (state carries over)."""

    def __init__(self) -> None: ...
    def element_end(self, data: bytes, start: int) -> int | None:
        """Index of the ',' or ']' ending the element; None when `data` ends first; ValueError if not JSON."""
    def value_end(self, data: bytes, start: int) -> int | None:
        """Index just past the value's closing bracket; None when `data` ends first; ValueError if not JSON."""

class FlowPlan:
    """One flow-log header compiled: each column's kind and ECS destinations, and the layout."""

    def __init__(
        self,
        columns: Sequence[tuple[str, str, Sequence[str]]],
        transports: Mapping[int, str],
        flag_names: Sequence[str],
        epochs: tuple[int, int],
        ecs_version: str,
    ) -> None: ...

class FlowDocuments:
    """Flow-log lines → documents, finding each line's plan by its header via `plan_for`."""

    def __init__(self, plan_for: object) -> None: ...
    def document(self, record: RawRecord, original: bool = False) -> Document:
        """One line → its document; NormalizationError naming the native field."""

def user_agent(agent: str) -> bytes:
    """ECS `user_agent` for an agent string (`original` and the parsed name, version, OS, device) as JSON."""
