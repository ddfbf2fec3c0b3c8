"""A finding's resources → resource.*, cloud.*, host.*, user.*, orchestrator.* (ASFF-shaped input)."""
from __future__ import annotations

from typing import Any

from normalizer.ecs import add_related, put_path, split_path

__all__ = ["listed", "resources"]


def listed(value: Any) -> list:
    """`value` if it is a list, else no items (a hostile scalar where ASFF has an array)."""
    return value if isinstance(value, list) else []


def _resource_name(resource_id: str) -> str:
    """The last component of a resource id: an ARN's resource part after its last "/" (or ":")."""
    if resource_id.startswith("arn:"):
        parts = resource_id.split(":", 5)
        if len(parts) == 6:
            return parts[5].rsplit("/", 1)[-1]
    return resource_id.rsplit("/", 1)[-1]


def resources(resources: Any, doc: dict) -> None:
    """Resources[] → resource.*, cloud.*, host.*, user.*, orchestrator.* (a list when there are several)."""
    if not isinstance(resources, list):
        return
    found: dict[str, list] = {}

    def add(path: str, value: Any) -> None:
        if isinstance(value, str) and value and value not in found.setdefault(path, []):
            found[path].append(value)

    for resource in resources:
        if not isinstance(resource, dict):
            continue
        rid, rtype = resource.get("Id"), resource.get("Type")
        if not isinstance(rid, str) or not rid:
            continue
        add("resource.id", rid)
        add("resource.name", _resource_name(rid))
        add("resource.type", rtype)
        if rid.startswith("arn:") and rid.count(":") >= 5:
            add("cloud.service.name", rid.split(":")[2])
        details = resource.get("Details")
        details = details if isinstance(details, dict) else {}
        own = details.get(rtype) if isinstance(rtype, str) else None
        own = own if isinstance(own, dict) else {}
        if rtype == "AwsEc2Instance":
            add("cloud.instance.id", rid)
            add("cloud.instance.name", _resource_name(rid))
            add("host.id", rid)
        elif rtype == "AwsIamUser":
            add("user.id", own.get("UserId"))
            add("user.name", own.get("UserName"))
        elif rtype == "AwsS3Bucket":
            add("user.id", own.get("OwnerId"))
        elif rtype == "AwsEksCluster":
            add("orchestrator.type", "kubernetes")
            add("orchestrator.cluster.id", own.get("Arn"))
            add("orchestrator.cluster.name", own.get("Name"))
            add("orchestrator.cluster.version", own.get("Version"))
            add("orchestrator.resource.id", rid)
            add("orchestrator.resource.name", own.get("Name"))
            add("orchestrator.resource.type", rtype)
        add("cloud.availability_zone", own.get("AvailabilityZone"))
        for zone in listed(own.get("AvailabilityZones")):
            if isinstance(zone, dict):
                add("cloud.availability_zone", zone.get("ZoneName"))
    # A single resource fills the scalar ECS fields; host, user, zone and orchestrator are lists, as Elastic's.
    scalar = {"resource.id", "resource.name", "resource.type", "cloud.service.name", "cloud.instance.id",
              "cloud.instance.name"}
    for path, values in found.items():
        put_path(doc, split_path(path), values[0] if path in scalar and len(values) == 1 else values)
    if "user.name" in found:
        add_related(doc, "user", *found["user.name"])
