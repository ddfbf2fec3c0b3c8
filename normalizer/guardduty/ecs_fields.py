"""GuardDuty finding fields copied to ECS, the fields we derive, and threat purposes → ATT&CK tactics.

Each ECS copy names the native field it comes from; the normalizer appends each value once at the
document level, so several natives can feed one ECS field (user.name from an access key, a
Kubernetes user or a database user). This module changes when our ECS mapping decisions change.
"""
from __future__ import annotations

from normalizer.fieldmap import BOOLEAN, DATE, FLATTENED, IP, KEYWORD, LONG, TEXT, Field
from normalizer.guardduty.finding_fields import GD, Rows


def _copies(native: str, rows: Rows) -> tuple[Field, ...]:
    """ECS copies of fields under one native prefix (ECS names are absolute)."""
    return tuple(Field(f"{native}.{nat}", ecs, typ) for nat, ecs, typ in rows)


# Remote party of API calls, Kubernetes calls, RDS logins and port probes: always the source.
_REMOTE_AS_SOURCE: Rows = (
    ("ipAddressV4", "source.ip", IP),
    ("ipAddressV4", "source.address", KEYWORD),
    ("ipAddressV4", "related.ip", IP),
    ("ipAddressV6", "source.ip", IP),
    ("ipAddressV6", "source.address", KEYWORD),
    ("ipAddressV6", "related.ip", IP),
    ("city.cityName", "source.geo.city_name", KEYWORD),
    ("country.countryName", "source.geo.country_name", KEYWORD),
    ("country.countryCode", "source.geo.country_iso_code", KEYWORD),
    ("organization.asn", "source.as.number", LONG),
    ("organization.asnOrg", "source.as.organization.name", KEYWORD),
)

_CONTAINER_COPIES: Rows = (
    ("id", "container.id", KEYWORD),
    ("name", "container.name", KEYWORD),
    ("image", "container.image.name", KEYWORD),
    ("containerRuntime", "container.runtime", KEYWORD),
    ("securityContext.privileged", "container.security_context.privileged", BOOLEAN),
)

_PROCESS_COPIES: Rows = (
    ("name", "process.name", KEYWORD),
    ("executablePath", "process.executable", KEYWORD),
    ("pid", "process.pid", LONG),
    ("startTime", "process.start", DATE),
    ("pwd", "process.working_directory", KEYWORD),
    ("uuid", "process.entity_id", KEYWORD),
    ("parentUuid", "process.parent.entity_id", KEYWORD),
    ("executableSha256", "process.hash.sha256", KEYWORD),
    ("executableSha256", "related.hash", KEYWORD),
    ("user", "process.user.name", KEYWORD),
    ("user", "related.user", KEYWORD),
    ("userId", "process.user.id", KEYWORD),
)

ECS_COPIES: tuple[Field, ...] = (
    Field("accountId", "cloud.account.id", KEYWORD),
    Field("region", "cloud.region", KEYWORD),
    Field("id", "event.id", KEYWORD),
    Field("type", "rule.name", KEYWORD),
    Field("description", "message", TEXT),
    Field("createdAt", "event.created", DATE),
    Field("updatedAt", "@timestamp", DATE),
    Field("severity", "event.severity", LONG),
    Field("service.eventFirstSeen", "event.start", DATE),
    Field("service.eventLastSeen", "event.end", DATE),
    Field("service.serviceName", "cloud.service.name", KEYWORD),
    Field("service.action.actionType", "event.action", KEYWORD),
    *_copies("resource.instanceDetails", (
        ("instanceId", "cloud.instance.id", KEYWORD),
        ("instanceId", "host.id", KEYWORD),
        ("instanceType", "cloud.machine.type", KEYWORD),
        ("instanceType", "host.type", KEYWORD),
        ("platform", "host.os.platform", KEYWORD),
        ("availabilityZone", "cloud.availability_zone", KEYWORD),
        ("networkInterfaces.privateIpAddress", "host.ip", IP),
        ("networkInterfaces.privateIpAddress", "related.ip", IP),
        ("networkInterfaces.privateIpAddresses.privateIpAddress", "related.ip", IP),
        ("networkInterfaces.publicIp", "related.ip", IP),
        ("networkInterfaces.ipv6Addresses", "related.ip", IP),
    )),
    *_copies("resource.accessKeyDetails", (
        ("principalId", "user.id", KEYWORD),
        ("principalId", "related.user", KEYWORD),
        ("userName", "user.name", KEYWORD),
        ("userName", "related.user", KEYWORD),
    )),
    Field("resource.s3BucketDetails.owner.id", "related.user", KEYWORD),
    Field("resource.eksClusterDetails.name", "orchestrator.cluster.name", KEYWORD),
    Field("resource.ecsClusterDetails.name", "orchestrator.cluster.name", KEYWORD),
    *_copies("resource.kubernetesDetails.kubernetesUserDetails", (
        ("uid", "user.id", KEYWORD),
        ("uid", "related.user", KEYWORD),
        ("username", "user.name", KEYWORD),
        ("username", "related.user", KEYWORD),
        ("groups", "user.roles", KEYWORD),
    )),
    *_copies("resource.kubernetesDetails.kubernetesWorkloadDetails", (
        ("namespace", "orchestrator.namespace", KEYWORD),
        ("name", "orchestrator.resource.name", KEYWORD),
        ("type", "orchestrator.resource.type", KEYWORD),
        *((f"containers.{n}", e, t) for n, e, t in _CONTAINER_COPIES),
    )),
    *_copies("resource.ecsClusterDetails.taskDetails.containers", _CONTAINER_COPIES),
    *_copies("resource.containerDetails", _CONTAINER_COPIES),
    *_copies("resource.lambdaDetails", (
        ("functionName", "faas.name", KEYWORD),
        ("functionArn", "faas.id", KEYWORD),
        ("functionVersion", "faas.version", KEYWORD),
    )),
    *_copies("resource.rdsDbUserDetails", (
        ("user", "user.name", KEYWORD),
        ("user", "related.user", KEYWORD),
    )),
    Field("service.action.rdsLoginAttemptAction.LoginAttributes.user", "related.user", KEYWORD),
    *_copies("service.action.awsApiCallAction", (
        ("serviceName", "event.provider", KEYWORD),
        ("userAgent", "user_agent.original", KEYWORD),
        ("domainDetails.domain", "related.hosts", KEYWORD),
        *((f"remoteIpDetails.{n}", e, t) for n, e, t in _REMOTE_AS_SOURCE),
    )),
    *_copies("service.action.dnsRequestAction", (
        ("domain", "dns.question.name", KEYWORD),
        ("domain", "related.hosts", KEYWORD),
    )),
    # Which side is the source depends on connectionDirection: the normalizer decides that.
    *_copies("service.action.networkConnectionAction", (
        ("localIpDetails.ipAddressV4", "related.ip", IP),
        ("localIpDetails.ipAddressV6", "related.ip", IP),
        ("remoteIpDetails.ipAddressV4", "related.ip", IP),
        ("remoteIpDetails.ipAddressV6", "related.ip", IP),
    )),
    *_copies("service.action.portProbeAction.portProbeDetails", (
        ("localIpDetails.ipAddressV4", "destination.ip", IP),
        ("localIpDetails.ipAddressV4", "destination.address", KEYWORD),
        ("localIpDetails.ipAddressV4", "related.ip", IP),
        ("localIpDetails.ipAddressV6", "destination.ip", IP),
        ("localIpDetails.ipAddressV6", "destination.address", KEYWORD),
        ("localIpDetails.ipAddressV6", "related.ip", IP),
        ("localPortDetails.port", "destination.port", LONG),
        *((f"remoteIpDetails.{n}", e, t) for n, e, t in _REMOTE_AS_SOURCE),
    )),
    *_copies("service.action.kubernetesApiCallAction", (
        ("sourceIPs", "source.ip", IP),
        ("sourceIPs", "source.address", KEYWORD),
        ("sourceIPs", "related.ip", IP),
        ("userAgent", "user_agent.original", KEYWORD),
        ("statusCode", "http.response.status_code", LONG),
        *((f"remoteIpDetails.{n}", e, t) for n, e, t in _REMOTE_AS_SOURCE),
    )),
    *_copies("service.action.rdsLoginAttemptAction",
             tuple((f"remoteIpDetails.{n}", e, t) for n, e, t in _REMOTE_AS_SOURCE)),
    Field("service.evidence.threatIntelligenceDetails.threatFileSha256", "related.hash", KEYWORD),
    *_copies("service.runtimeDetails.process", _PROCESS_COPIES),
    *_copies("service.runtimeDetails.context", (
        ("moduleSha256", "related.hash", KEYWORD),
        ("threatFilePath", "threat.indicator.file.path", KEYWORD),
        ("toolName", "threat.software.name", KEYWORD),
        ("ianaProtocolNumber", "network.iana_number", KEYWORD),
    )),
    *_copies("service.ebsVolumeScanDetails.scanDetections.threatDetectedByName.threatNames.filePaths", (
        ("hash", "file.hash.sha256", KEYWORD),
        ("hash", "related.hash", KEYWORD),
        ("fileName", "file.name", KEYWORD),
        ("filePath", "file.path", KEYWORD),
    )),
    *_copies("service.malwareScanDetails.threats", (
        ("hash", "related.hash", KEYWORD),
        ("itemPaths.hash", "related.hash", KEYWORD),
        ("itemDetails.hash", "related.hash", KEYWORD),
    )),
)

# Fields the normalizer derives with no single native source (the templates still need their types).
DERIVED: tuple[Field, ...] = (
    Field(None, "event.kind", KEYWORD),
    Field(None, "event.category", KEYWORD),
    Field(None, "event.type", KEYWORD),
    Field(None, "event.outcome", KEYWORD),
    Field(None, "event.dataset", KEYWORD),
    Field(None, "event.original", KEYWORD),
    Field(None, "cloud.provider", KEYWORD),
    Field(None, f"{GD}.severity.value", KEYWORD),
    Field(None, "rule.ruleset", KEYWORD),
    Field(None, "rule.category", KEYWORD),
    Field(None, "threat.framework", KEYWORD),
    Field(None, "threat.tactic.id", KEYWORD),
    Field(None, "threat.tactic.name", KEYWORD),
    Field(None, "threat.tactic.reference", KEYWORD),
    Field(None, "network.direction", KEYWORD),
    Field(None, "network.transport", KEYWORD),
    Field(None, "orchestrator.type", KEYWORD),
    Field(None, "source.port", LONG),
    *(Field(None, f"destination.{name}", typ) for name, typ in (
        ("geo.city_name", KEYWORD), ("geo.country_name", KEYWORD), ("geo.country_iso_code", KEYWORD),
        ("as.number", LONG), ("as.organization.name", KEYWORD))),
    # Finding fields this table does not know yet (AWS adds some every few months): kept, not lost.
    Field(None, f"{GD}.unmapped", FLATTENED),
)

# GuardDuty's ThreatPurpose (the finding type's prefix) → MITRE ATT&CK tactic, where the purpose
# names one tactic. Trojan, UnauthorizedAccess, Behavior, Policy, PenTest, Object and AttackSequence
# span several tactics (or none), so those findings carry no threat.tactic.
TACTICS: dict[str, tuple[str, str]] = {
    "Backdoor": ("TA0011", "Command and Control"),
    "CredentialAccess": ("TA0006", "Credential Access"),
    "CryptoCurrency": ("TA0040", "Impact"),
    "DefenseEvasion": ("TA0005", "Defense Evasion"),
    "Discovery": ("TA0007", "Discovery"),
    "Execution": ("TA0002", "Execution"),
    "Exfiltration": ("TA0010", "Exfiltration"),
    "Impact": ("TA0040", "Impact"),
    "InitialAccess": ("TA0001", "Initial Access"),
    "Persistence": ("TA0003", "Persistence"),
    "PrivilegeEscalation": ("TA0004", "Privilege Escalation"),
    "Recon": ("TA0043", "Reconnaissance"),
    "Stealth": ("TA0005", "Defense Evasion"),
}
# Recon against an account's API (Recon:IAMUser/…) is post-compromise enumeration: ATT&CK's Discovery.
TACTIC_OVERRIDES: dict[str, tuple[str, str]] = {
    "Recon:IAMUser": ("TA0007", "Discovery"),
}
