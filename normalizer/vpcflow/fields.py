"""VPC Flow Logs field table: every documented native field → its kind and ECS destinations.

One row per field AWS documents for VPC flow logs (versions 2-8) and Transit Gateway flow
logs (version 6 fields). `kind` says how the text value is converted (see normalizer/native/src/vpcflow/);
`ecs` lists where it lands, the field a Sigma rule on the native name should query first.
Names under `aws.vpcflow.*` follow Elastic's AWS integration.
"""

from __future__ import annotations

from dataclasses import dataclass

from normalizer.fieldmap import Field

DATASETS: tuple[str, ...] = ("aws.vpcflow",)


@dataclass(frozen=True, slots=True)
class FlowField:
    """A documented flow-log field, the version that introduced it, and where it lands."""

    native: str
    version: int
    kind: str  # keyword | count | port | ip | epoch | protocol | action | tcp_flags
    ecs: tuple[str, ...]  # first = the field a rule on `native` queries


def _row(native: str, version: int, kind: str, *ecs: str) -> FlowField:
    return FlowField(native, version, kind, ecs)


def _aws(native: str, version: int, kind: str = "keyword") -> FlowField:
    """A field with no ECS home: aws.vpcflow.<snake_case>."""
    return FlowField(native, version, kind, ("aws.vpcflow." + native.replace("-", "_"),))


FLOW_FIELDS: tuple[FlowField, ...] = (
    # version 2: the default format, in its order
    _aws("version", 2),
    _row("account-id", 2, "keyword", "cloud.account.id", "aws.vpcflow.account_id"),
    _aws("interface-id", 2),
    _row("srcaddr", 2, "ip", "source.ip", "source.address"),
    _row("dstaddr", 2, "ip", "destination.ip", "destination.address"),
    _row("srcport", 2, "port", "source.port"),
    _row("dstport", 2, "port", "destination.port"),
    _row("protocol", 2, "protocol", "network.iana_number"),
    _row("packets", 2, "count", "source.packets", "network.packets"),
    _row("bytes", 2, "count", "source.bytes", "network.bytes"),
    _row("start", 2, "epoch", "event.start"),
    _row("end", 2, "epoch", "event.end", "@timestamp"),
    _row("action", 2, "action", "event.action", "aws.vpcflow.action"),
    _aws("log-status", 2),
    # version 3
    _aws("vpc-id", 3),
    _aws("subnet-id", 3),
    _row("instance-id", 3, "keyword", "cloud.instance.id", "aws.vpcflow.instance_id"),
    _row("tcp-flags", 3, "tcp_flags", "aws.vpcflow.tcp_flags"),
    _aws("type", 3),
    _aws("pkt-srcaddr", 3, "ip"),
    _aws("pkt-dstaddr", 3, "ip"),
    # version 4
    _row("region", 4, "keyword", "cloud.region"),
    _row("az-id", 4, "keyword", "cloud.availability_zone"),
    _row("sublocation-type", 4, "keyword", "aws.vpcflow.sublocation.type"),
    _row("sublocation-id", 4, "keyword", "aws.vpcflow.sublocation.id"),
    # version 5 (Elastic drops "aws" from the service field names)
    _row("pkt-src-aws-service", 5, "keyword", "aws.vpcflow.pkt_src_service"),
    _row("pkt-dst-aws-service", 5, "keyword", "aws.vpcflow.pkt_dst_service"),
    _row("flow-direction", 5, "keyword", "network.direction"),
    _aws("traffic-path", 5),
    # version 6: Transit Gateway flow logs
    _aws("resource-type", 6),
    _aws("tgw-id", 6),
    _aws("tgw-attachment-id", 6),
    _aws("tgw-src-vpc-account-id", 6),
    _aws("tgw-dst-vpc-account-id", 6),
    _aws("tgw-src-vpc-id", 6),
    _aws("tgw-dst-vpc-id", 6),
    _aws("tgw-src-subnet-id", 6),
    _aws("tgw-dst-subnet-id", 6),
    _aws("tgw-src-eni", 6),
    _aws("tgw-dst-eni", 6),
    _aws("tgw-src-az-id", 6),
    _aws("tgw-dst-az-id", 6),
    _aws("tgw-pair-attachment-id", 6),
    _aws("packets-lost-no-route", 6, "count"),
    _aws("packets-lost-blackhole", 6, "count"),
    _aws("packets-lost-mtu-exceeded", 6, "count"),
    _aws("packets-lost-ttl-expired", 6, "count"),
    # version 7: ECS tasks (Elastic maps cluster, container instance and service to ECS fields)
    _row("ecs-cluster-arn", 7, "keyword", "orchestrator.cluster.id"),
    _row("ecs-cluster-name", 7, "keyword", "orchestrator.cluster.name"),
    _row("ecs-container-instance-arn", 7, "keyword", "orchestrator.resource.name"),
    _row("ecs-container-instance-id", 7, "keyword", "orchestrator.resource.id"),
    _aws("ecs-container-id", 7),
    _aws("ecs-second-container-id", 7),
    _row("ecs-service-name", 7, "keyword", "service.name"),
    _aws("ecs-task-definition-arn", 7),
    _aws("ecs-task-arn", 7),
    _aws("ecs-task-id", 7),
    # version 8
    _row("reject-reason", 8, "keyword", "event.reason"),
)

BY_NATIVE: dict[str, FlowField] = {f.native: f for f in FLOW_FIELDS}

# The default format (version 2): what a file without a header line holds.
DEFAULT_HEADER: tuple[str, ...] = tuple(f.native for f in FLOW_FIELDS if f.version == 2)

# Elasticsearch type of each kind's destinations (the epoch kind lands on dates).
_KIND_TYPES = {"count": "long", "port": "long", "ip": "ip", "epoch": "date"}


def _field_rows() -> tuple[Field, ...]:
    """FIELDS for the registry: the primary destination carries the native name, copies do not."""
    rows: list[Field] = []
    for f in FLOW_FIELDS:
        kind_type = _KIND_TYPES.get(f.kind, "keyword")
        for n, ecs in enumerate(f.ecs):
            # The raw string copy of an address (source.address) stays a keyword.
            es_type = "keyword" if ecs.endswith(".address") else kind_type
            rows.append(Field(f.native if n == 0 else None, ecs, es_type))
    return tuple(rows)


# Fields the normalizer derives; no single native field feeds them.
DERIVED: tuple[Field, ...] = (
    Field(None, "aws.vpcflow.tcp_flags_array"),
    Field(None, "cloud.provider"),
    Field(None, "event.kind"),
    Field(None, "event.category"),
    Field(None, "event.type"),
    Field(None, "event.outcome"),
    Field(None, "event.dataset"),
    Field(None, "event.duration", "long"),
    Field(None, "event.original", "keyword"),
    Field(None, "error.message", "keyword"),
    Field(None, "network.transport"),
    Field(None, "network.type"),
    Field(None, "network.community_id"),
    Field(None, "related.ip", "ip"),
)

FIELDS: tuple[Field, ...] = _field_rows() + DERIVED

# IANA protocol numbers → ECS network.transport keywords (lowercased IANA keywords);
# a number without a common keyword still gets network.iana_number.
TRANSPORTS: dict[int, str] = {
    0: "hopopt",
    1: "icmp",
    2: "igmp",
    4: "ipv4",
    6: "tcp",
    8: "egp",
    17: "udp",
    41: "ipv6",
    47: "gre",
    50: "esp",
    51: "ah",
    58: "ipv6-icmp",
    88: "eigrp",
    89: "ospfigp",
    103: "pim",
    112: "vrrp",
    115: "l2tp",
    132: "sctp",
    136: "udplite",
    137: "mpls-in-ip",
}

# TCP header flag bits, lowest first, named as in Elastic's aws.vpcflow.tcp_flags_array.
TCP_FLAG_NAMES: tuple[str, ...] = ("fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr")
