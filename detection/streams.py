"""Where a source's documents live: the data streams rules search (Kibana `index`, ES|QL `FROM`).

The shipper names streams `logs-<dataset>.cloudsift-<namespace>` (shipper/templates.py; the rule
tooling may not import the shipper, a test keeps the two in step): Elastic's own `logs-aws.*`
integration templates never match them. Rules search every namespace.
"""
from __future__ import annotations

from detection import fields

PATTERN = "logs-{dataset}.cloudsift-*"


def index_patterns(service: str) -> tuple[str, ...]:
    """The index patterns of every data stream a source's documents land in."""
    return tuple(PATTERN.format(dataset=dataset) for dataset in fields.datasets(service))
