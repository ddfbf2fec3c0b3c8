"""Where a source's documents live: the data streams rules search (Kibana `index`, ES|QL `FROM`).

The shipper names streams `logs-<dataset>.cloudsift-<namespace>` (shipper/templates.py; the rule
tooling may not import the shipper, a test keeps the two in step): Elastic's own `logs-aws.*`
integration templates never match them. Rules search every namespace unless told one.
"""
from __future__ import annotations

from detection import fields

PATTERN = "logs-{dataset}.cloudsift-{namespace}"
# Where `cloudsift detect` writes alerts (shipper/templates.py installs its template).
ALERTS = "logs-cloudsift.alerts-{namespace}"


def index_patterns(service: str, namespace: str = "*", product: str | None = None) -> tuple[str, ...]:
    """The index patterns of every data stream a source's documents land in (in `namespace`, or all).

    Application logs land in their app's stream: `product` names the app (its dataset, validated by the
    pipeline before any pattern is used); without one, every stream (the query keeps to event.module applog).
    """
    if service == fields.APPLOG:
        return (PATTERN.format(dataset=product or "*", namespace=namespace),)
    return tuple(PATTERN.format(dataset=dataset, namespace=namespace) for dataset in fields.datasets(service))


def alerts_stream(namespace: str) -> str:
    """The data stream of the detector's alerts in `namespace`."""
    return ALERTS.format(namespace=namespace)
