"""GuardDuty finding fields copied to ECS, the fields we derive, and threat purposes → ATT&CK tactics.

Each ECS copy names the native field it comes from; the normalizer appends each value once at the
document level, so several natives can feed one ECS field (user.name from an access key, a
Kubernetes user or a database user). This module changes when our ECS mapping decisions change.
"""
from __future__ import annotations

from normalizer.fieldmap import Field
from normalizer.guardduty.finding_fields import GD, IP, B, F, K, L, Rows, T, X


def _copies(native: str, rows: Rows) -> tuple[Field, ...]:
    """ECS copies of fields under one native prefix (ECS names are absolute)."""
    return tuple(Field(f"{native}.{nat}", ecs, typ) for nat, ecs, typ in rows)


# Remote party of API calls, Kubernetes calls, RDS logins and port probes: always the source.
_REMOTE_AS_SOURCE: Rows = (
    ("ipAddressV4", "source.ip", IP),
    ("ipAddressV4", "source.address", K),
    ("ipAddressV4", "related.ip", IP),
    ("ipAddressV6", "source.ip", IP),
    ("ipAddressV6", "source.address", K),
    ("ipAddressV6", "related.ip", IP),
    ("city.cityName", "source.geo.city_name", K),
    ("country.countryName", "source.geo.country_name", K),
    ("country.countryCode", "source.geo.country_iso_code", K),
    ("organization.asn", "source.as.number", L),
    ("organization.asnOrg", "source.as.organization.name", K),
)

_CONTAINER_COPIES: Rows = (
    ("id", "container.id", K),
    ("name", "container.name", K),
    ("image", "container.image.name", K),
    ("containerRuntime", "container.runtime", K),
    ("securityContext.privileged", "container.security_context.privileged", B),
)

_PROCESS_COPIES: Rows = (
    ("name", "process.name", K),
    ("executablePath", "process.executable", K),
    ("pid", "process.pid", L),
    ("startTime", "process.start", T),
    ("pwd", "process.working_directory", K),
    ("uuid", "process.entity_id", K),
    ("parentUuid", "process.parent.entity_id", K),
    ("executableSha256", "process.hash.sha256", K),
    ("executableSha256", "related.hash", K),
    ("user", "process.user.name", K),
    ("user", "related.user", K),
    ("userId", "process.user.id", K),
)

ECS_COPIES: tuple[Field, ...] = (
    Field("accountId", "cloud.account.id", K),
    Field("region", "cloud.region", K),
    Field("id", "event.id", K),
    Field("type", "rule.name", K),
    Field("description", "message", X),
    Field("createdAt", "event.created", T),
    Field("updatedAt", "@timestamp", T),
    Field("severity", "event.severity", L),
    Field("service.eventFirstSeen", "event.start", T),
    Field("service.eventLastSeen", "event.end", T),
    Field("service.serviceName", "cloud.service.name", K),
    Field("service.action.actionType", "event.action", K),
    *_copies("resource.instanceDetails", (
        ("instanceId", "cloud.instance.id", K),
        ("instanceId", "host.id", K),
        ("instanceType", "cloud.machine.type", K),
        ("instanceType", "host.type", K),
        ("platform", "host.os.platform", K),
        ("availabilityZone", "cloud.availability_zone", K),
        ("networkInterfaces.privateIpAddress", "host.ip", IP),
        ("networkInterfaces.privateIpAddress", "related.ip", IP),
        ("networkInterfaces.privateIpAddresses.privateIpAddress", "related.ip", IP),
        ("networkInterfaces.publicIp", "related.ip", IP),
        ("networkInterfaces.ipv6Addresses", "related.ip", IP),
    )),
    *_copies("resource.accessKeyDetails", (
        ("principalId", "user.id", K),
        ("principalId", "related.user", K),
        ("userName", "user.name", K),
        ("userName", "related.user", K),
    )),
    Field("resource.s3BucketDetails.owner.id", "related.user", K),
    Field("resource.eksClusterDetails.name", "orchestrator.cluster.name", K),
    Field("resource.ecsClusterDetails.name", "orchestrator.cluster.name", K),
    *_copies("resource.kubernetesDetails.kubernetesUserDetails", (
        ("uid", "user.id", K),
        ("uid", "related.user", K),
        ("username", "user.name", K),
        ("username", "related.user", K),
        ("groups", "user.roles", K),
    )),
    *_copies("resource.kubernetesDetails.kubernetesWorkloadDetails", (
        ("namespace", "orchestrator.namespace", K),
        ("name", "orchestrator.resource.name", K),
        ("type", "orchestrator.resource.type", K),
        *((f"containers.{n}", e, t) for n, e, t in _CONTAINER_COPIES),
    )),
    *_copies("resource.ecsClusterDetails.taskDetails.containers", _CONTAINER_COPIES),
    *_copies("resource.containerDetails", _CONTAINER_COPIES),
    *_copies("resource.lambdaDetails", (
        ("functionName", "faas.name", K),
        ("functionArn", "faas.id", K),
        ("functionVersion", "faas.version", K),
    )),
    *_copies("resource.rdsDbUserDetails", (("user", "user.name", K), ("user", "related.user", K))),
    Field("service.action.rdsLoginAttemptAction.LoginAttributes.user", "related.user", K),
    *_copies("service.action.awsApiCallAction", (
        ("serviceName", "event.provider", K),
        ("userAgent", "user_agent.original", K),
        ("domainDetails.domain", "related.hosts", K),
        *((f"remoteIpDetails.{n}", e, t) for n, e, t in _REMOTE_AS_SOURCE),
    )),
    *_copies("service.action.dnsRequestAction", (("domain", "dns.question.name", K), ("domain", "related.hosts", K))),
    # Which side is the source depends on connectionDirection: the normalizer decides that.
    *_copies("service.action.networkConnectionAction", (
        ("localIpDetails.ipAddressV4", "related.ip", IP),
        ("localIpDetails.ipAddressV6", "related.ip", IP),
        ("remoteIpDetails.ipAddressV4", "related.ip", IP),
        ("remoteIpDetails.ipAddressV6", "related.ip", IP),
    )),
    *_copies("service.action.portProbeAction.portProbeDetails", (
        ("localIpDetails.ipAddressV4", "destination.ip", IP),
        ("localIpDetails.ipAddressV4", "destination.address", K),
        ("localIpDetails.ipAddressV4", "related.ip", IP),
        ("localIpDetails.ipAddressV6", "destination.ip", IP),
        ("localIpDetails.ipAddressV6", "destination.address", K),
        ("localIpDetails.ipAddressV6", "related.ip", IP),
        ("localPortDetails.port", "destination.port", L),
        *((f"remoteIpDetails.{n}", e, t) for n, e, t in _REMOTE_AS_SOURCE),
    )),
    *_copies("service.action.kubernetesApiCallAction", (
        ("sourceIPs", "source.ip", IP),
        ("sourceIPs", "source.address", K),
        ("sourceIPs", "related.ip", IP),
        ("userAgent", "user_agent.original", K),
        ("statusCode", "http.response.status_code", L),
        *((f"remoteIpDetails.{n}", e, t) for n, e, t in _REMOTE_AS_SOURCE),
    )),
    *_copies("service.action.rdsLoginAttemptAction",
             tuple((f"remoteIpDetails.{n}", e, t) for n, e, t in _REMOTE_AS_SOURCE)),
    Field("service.evidence.threatIntelligenceDetails.threatFileSha256", "related.hash", K),
    *_copies("service.runtimeDetails.process", _PROCESS_COPIES),
    *_copies("service.runtimeDetails.context", (
        ("moduleSha256", "related.hash", K),
        ("threatFilePath", "threat.indicator.file.path", K),
        ("toolName", "threat.software.name", K),
        ("ianaProtocolNumber", "network.iana_number", K),
    )),
    *_copies("service.ebsVolumeScanDetails.scanDetections.threatDetectedByName.threatNames.filePaths", (
        ("hash", "file.hash.sha256", K),
        ("hash", "related.hash", K),
        ("fileName", "file.name", K),
        ("filePath", "file.path", K),
    )),
    *_copies("service.malwareScanDetails.threats", (
        ("hash", "related.hash", K),
        ("itemPaths.hash", "related.hash", K),
        ("itemDetails.hash", "related.hash", K),
    )),
)

# Fields the normalizer derives with no single native source (the templates still need their types).
DERIVED: tuple[Field, ...] = (
    Field(None, "event.kind", K),
    Field(None, "event.category", K),
    Field(None, "event.type", K),
    Field(None, "event.outcome", K),
    Field(None, "event.dataset", K),
    Field(None, "event.original", K),
    Field(None, "cloud.provider", K),
    Field(None, f"{GD}.severity.value", K),
    Field(None, "rule.ruleset", K),
    Field(None, "rule.category", K),
    Field(None, "threat.framework", K),
    Field(None, "threat.tactic.id", K),
    Field(None, "threat.tactic.name", K),
    Field(None, "threat.tactic.reference", K),
    Field(None, "network.direction", K),
    Field(None, "network.transport", K),
    Field(None, "orchestrator.type", K),
    Field(None, "source.port", L),
    *(Field(None, f"destination.{name}", typ) for name, typ in (
        ("geo.city_name", K), ("geo.country_name", K), ("geo.country_iso_code", K),
        ("as.number", L), ("as.organization.name", K))),
    # Finding fields this table does not know yet (AWS adds some every few months): kept, not lost.
    Field(None, f"{GD}.unmapped", F),
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
