"""Native records of every source, shaped after AWS's log format references.

Each builder returns what AWS writes: a dict for the JSON sources (serialized by the writer), a
text line for flow logs and S3 server access logs. Randomness (ids, ports) comes from the caller's
`random.Random`, so a seed fixes every byte.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sampleday.world import REGION, Account, Host, upper_id

# --- time ---------------------------------------------------------------------------------------


def iso(t: float, millis: bool = False) -> str:
    """An epoch time as AWS's ISO 8601 (CloudTrail: seconds; most others: milliseconds)."""
    moment = datetime.fromtimestamp(t, UTC)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def rid(rng: random.Random) -> str:
    """A random UUID (event ids, request ids)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# --- CloudTrail ---------------------------------------------------------------------------------


def iam_user(account: Account, user: str, key_id: str | None = None) -> dict:
    """userIdentity of an IAM user (long-term access key, or a console session when `key_id` is None)."""
    ident = {"type": "IAMUser", "principalId": "AIDA" + upper_id(account.id + user, 17),
             "arn": f"arn:aws:iam::{account.id}:user/{user}", "accountId": account.id, "userName": user}
    if key_id:
        ident["accessKeyId"] = key_id
    return ident


def assumed_role(account: Account, role: str, session: str, *, mfa: bool = False,
                 invoked_by: str | None = None, path: str = "") -> dict:
    """userIdentity of a role session (instance profiles, Lambda, CI, service-linked roles)."""
    role_id = "AROA" + upper_id(account.id + role, 17)
    ident: dict[str, Any] = {
        "type": "AssumedRole", "principalId": f"{role_id}:{session}",
        "arn": f"arn:aws:sts::{account.id}:assumed-role/{role}/{session}", "accountId": account.id,
        "accessKeyId": "ASIA" + upper_id(account.id + role + session, 16),
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": role_id,
                              "arn": f"arn:aws:iam::{account.id}:role/{path}{role}", "accountId": account.id,
                              "userName": role},
            "attributes": {"creationDate": "2026-11-20T00:00:00Z", "mfaAuthenticated": "true" if mfa else "false"},
        },
    }
    if invoked_by:
        ident["invokedBy"] = invoked_by
    return ident


def aws_service(service: str) -> dict:
    """userIdentity of an AWS service acting on its own (AssumeRole of an execution role)."""
    return {"type": "AWSService", "invokedBy": service}


@dataclass(frozen=True, slots=True)
class Call:
    """What distinguishes one API call; `cloudtrail` renders it as a CloudTrail record."""

    source: str  # eventSource, e.g. "iam.amazonaws.com"
    name: str
    request: dict | None = None
    response: dict | None = None
    read_only: bool = True
    error: tuple[str, str] | None = None  # (errorCode, errorMessage)
    data_event: bool = False
    resources: tuple[dict, ...] = ()
    extra: dict = field(default_factory=dict)  # additionalEventData, vpcEndpointId, ...


def cloudtrail(rng: random.Random, t: float, account: Account, identity: dict, call: Call, ip: str,
               agent: str, *, console: bool = False, region: str = REGION) -> dict:
    """One CloudTrail record (eventVersion 1.09), keys in CloudTrail's own order."""
    record: dict[str, Any] = {
        "eventVersion": "1.09", "userIdentity": identity, "eventTime": iso(t), "eventSource": call.source,
        "eventName": call.name, "awsRegion": region, "sourceIPAddress": ip, "userAgent": agent,
    }
    if call.error:
        record["errorCode"], record["errorMessage"] = call.error
    record["requestParameters"] = call.request
    record["responseElements"] = None if call.error else call.response
    record.update({k: v for k, v in call.extra.items() if k != "vpcEndpointId"})
    record["requestID"] = rid(rng).upper().replace("-", "")[:16] if call.source == "s3.amazonaws.com" else rid(rng)
    record["eventID"] = rid(rng)
    record["readOnly"] = call.read_only
    if call.resources:
        record["resources"] = list(call.resources)
    record["eventType"] = "AwsApiCall"
    record["managementEvent"] = not call.data_event
    record["recipientAccountId"] = account.id
    if "vpcEndpointId" in call.extra:
        record["vpcEndpointId"] = call.extra["vpcEndpointId"]
        record["vpcEndpointAccountId"] = account.id
    record["eventCategory"] = "Data" if call.data_event else "Management"
    if not ip.endswith(".amazonaws.com"):
        record["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                                "clientProvidedHostHeader": f"{call.source.split('.')[0]}.{region}.amazonaws.com"}
    if console:
        record["sessionCredentialFromConsole"] = "true"
    return record


def console_login(rng: random.Random, t: float, account: Account, user: str, ip: str, agent: str) -> dict:
    """A successful console sign-in of an IAM user with MFA (eventType AwsConsoleSignIn)."""
    return {
        "eventVersion": "1.09", "userIdentity": iam_user(account, user), "eventTime": iso(t),
        "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "awsRegion": REGION,
        "sourceIPAddress": ip, "userAgent": agent, "requestParameters": None,
        "responseElements": {"ConsoleLogin": "Success"},
        "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No",
                                "MFAIdentifier": f"arn:aws:iam::{account.id}:mfa/{user}", "MFAUsed": "Yes"},
        "eventID": rid(rng), "readOnly": False, "eventType": "AwsConsoleSignIn", "managementEvent": True,
        "recipientAccountId": account.id, "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                       "clientProvidedHostHeader": "signin.aws.amazon.com"},
    }


# --- VPC Flow Logs ------------------------------------------------------------------------------

V2_FIELDS = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end "
             "action log-status")
V5_FIELDS = (V2_FIELDS + " vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id "
             "sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path")


@dataclass(frozen=True, slots=True)
class Flow:
    """One flow-log record: a 5-tuple seen on `host`'s interface during [start, end)."""

    host: Host
    src: str
    dst: str
    sport: int
    dport: int
    protocol: int
    packets: int
    size: int
    start: int
    end: int
    action: str = "ACCEPT"
    status: str = "OK"
    tcp_flags: int = 19  # SYN|ACK|FIN: a whole short connection in one window
    dst_service: str = "-"


def flow_line(flow: Flow, version: int) -> str:
    """The record in the default format (version 2) or the custom version-5 format of V5_FIELDS."""
    h = flow.host
    if flow.status != "OK":  # NODATA / SKIPDATA records carry no 5-tuple
        base = [str(version), h.account.id, h.eni, "-", "-", "-", "-", "-", "-", "-", str(flow.start), str(flow.end),
                "-", flow.status]
        return " ".join(base + (["-"] * 15 if version == 5 else []))
    base = [str(version), h.account.id, h.eni, flow.src, flow.dst, str(flow.sport), str(flow.dport),
            str(flow.protocol), str(flow.packets), str(flow.size), str(flow.start), str(flow.end), flow.action, "OK"]
    if version == 2:
        return " ".join(base)
    inbound = flow.dst == h.private_ip or flow.dst == h.public_ip
    vpc = h.account.vpc_id or "-"
    subnet = "subnet-0" + h.eni[5:21]
    flags = str(flow.tcp_flags) if flow.protocol == 6 else "0"
    az = "use1-az4" if int(h.eni[-1], 16) % 2 else "use1-az6"
    extra = [vpc, subnet, h.instance_id, flags, "IPv4", flow.src, flow.dst, REGION, az, "-", "-", "-",
             flow.dst_service, "ingress" if inbound else "egress", "-" if inbound else "1"]
    return " ".join(base + extra)


# --- Route 53 Resolver query logs ---------------------------------------------------------------


def dns_query(rng: random.Random, t: float, host: Host, name: str, answer: str | None, *, qtype: str = "A",
              rcode: str = "NOERROR") -> dict:
    """One Resolver query log record (version 1.100000) of a query from `host`."""
    answers = []
    if answer and rcode == "NOERROR":
        answers = [{"Rdata": answer, "Type": qtype, "Class": "IN"}]
    return {"version": "1.100000", "account_id": host.account.id, "region": REGION, "vpc_id": host.account.vpc_id,
            "query_timestamp": iso(t, millis=True), "query_name": name, "query_type": qtype, "query_class": "IN",
            "rcode": rcode, "answers": answers, "srcaddr": host.private_ip, "srcport": str(rng.randint(32768, 60999)),
            "transport": "UDP", "srcids": {"instance": host.instance_id}}


# --- AWS WAF ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request as WAF sees it, and what WAF did with it."""

    client_ip: str
    country: str
    method: str
    uri: str
    args: str
    agent: str
    action: str = "ALLOW"
    rule: str = "Default_Action"  # terminating rule
    rule_type: str = "REGULAR"
    rule_group: str | None = None  # the managed rule group of a BLOCK
    labels: tuple[str, ...] = ()
    body_size: int = 0


def waf_record(rng: random.Random, t: float, account: Account, acl: str, request: Request) -> dict:
    """One WAF log record (formatVersion 1) of a request to the web ACL in front of the ALB."""
    acl_arn = f"arn:aws:wafv2:{REGION}:{account.id}:regional/webacl/{acl}/8c2f1d3e-5a6b-4c7d-9e0f-1a2b3c4d5e6f"
    headers = [{"name": "host", "value": "shop.example.com"}, {"name": "user-agent", "value": request.agent},
               {"name": "accept", "value": "*/*" if request.method != "GET" else "text/html,application/json"}]
    if request.method == "POST":
        headers.append({"name": "content-type", "value": "application/json"})
    groups: list[dict] = []
    if request.rule_group:
        groups.append({"ruleGroupId": f"AWS#{request.rule_group}", "terminatingRule": {
            "ruleId": request.rule, "action": request.action, "ruleMatchDetails": None},
            "nonTerminatingMatchingRules": [], "excludedRules": None, "customerConfig": None})
    return {
        "timestamp": int(t * 1000), "formatVersion": 1, "webaclId": acl_arn,
        "terminatingRuleId": request.rule_group or request.rule,
        "terminatingRuleType": "MANAGED_RULE_GROUP" if request.rule_group else request.rule_type,
        "action": request.action, "terminatingRuleMatchDetails": [], "httpSourceName": "ALB",
        "httpSourceId": f"{account.id}-app/shop-alb/50dc6c495c0c9188", "ruleGroupList": groups,
        "rateBasedRuleList": [], "nonTerminatingMatchingRules": [], "requestHeadersInserted": None,
        "responseCodeSent": None,
        "httpRequest": {"clientIp": request.client_ip, "country": request.country, "headers": headers,
                        "uri": request.uri, "args": request.args, "httpVersion": "HTTP/2.0",
                        "httpMethod": request.method, "requestId": "1-" + rng.randbytes(12).hex()[:8] + "-"
                        + rng.randbytes(12).hex(), "fragment": "", "scheme": "https", "host": "shop.example.com"},
        "labels": [{"name": label} for label in request.labels],
        "requestBodySize": request.body_size, "requestBodySizeInspectedByWAF": min(request.body_size, 8192),
    }


# --- GuardDuty ----------------------------------------------------------------------------------

DETECTORS = {"123456789012": "c2b6f1e0a9d84e5f8a7b6c5d4e3f2a1b", "345678901234": "4e8f1a2b3c4d5e6f7a8b9c0d1e2f3a4b",
             "210987654321": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"}


def finding(rng: random.Random, first: float, last: float, host: Host, ftype: str, severity: float, title: str,
            action: dict, *, count: int = 1, archived: bool = False, role: str = "TARGET",
            evidence: dict | None = None) -> dict:
    """A GuardDuty finding (schema 2.0) about an EC2 instance, as the findings export writes it."""
    fid = rng.randbytes(16).hex()
    acct = host.account.id
    nic: dict[str, Any] = {
        "networkInterfaceId": host.eni, "privateDnsName": f"ip-{host.private_ip.replace('.', '-')}.ec2.internal",
        "privateIpAddress": host.private_ip, "subnetId": "subnet-0" + host.eni[5:21], "vpcId": host.account.vpc_id,
        "securityGroups": [{"groupName": f"{host.name}-sg", "groupId": "sg-0" + host.eni[5:21]}], "ipv6Addresses": []}
    if host.public_ip:
        nic["publicIp"] = host.public_ip
    service: dict[str, Any] = {
        "serviceName": "guardduty", "detectorId": DETECTORS[acct], "resourceRole": role,
        "additionalInfo": {"value": "{}", "type": "default"}, "eventFirstSeen": iso(first, millis=True),
        "eventLastSeen": iso(last, millis=True), "archived": archived, "count": count, "action": action}
    if evidence:
        service["evidence"] = evidence
    return {
        "schemaVersion": "2.0", "accountId": acct, "region": REGION, "partition": "aws", "id": fid,
        "arn": f"arn:aws:guardduty:{REGION}:{acct}:detector/{DETECTORS[acct]}/finding/{fid}", "type": ftype,
        "resource": {"resourceType": "Instance", "instanceDetails": {
            "instanceId": host.instance_id, "instanceType": "t3.medium", "launchTime": "2026-09-14T08:02:11.000Z",
            "platform": None, "productCodes": [],
            "iamInstanceProfile": {"arn": f"arn:aws:iam::{acct}:instance-profile/{host.role}",
                                   "id": "AIPA" + upper_id(acct + str(host.role), 17)},
            "networkInterfaces": [nic], "tags": [{"key": "Name", "value": host.name}],
            "instanceState": "running", "availabilityZone": "us-east-1b", "imageId": "ami-0c55b159cbfafe1f0",
            "imageDescription": "Amazon Linux 2023 AMI 2023.6.20261015.0 x86_64 HVM kernel-6.1"}},
        "service": service, "severity": severity, "createdAt": iso(first, millis=True),
        "updatedAt": iso(last + 30, millis=True), "title": title, "description": title,
    }


# --- Security Hub (EventBridge events, as Firehose delivers them) --------------------------------


def securityhub_event(rng: random.Random, t: float, admin: Account, account: Account, control: str, title: str,
                      severity: str, resource_type: str, resource_id: str, status: str) -> dict:
    """A "Security Hub Findings - Imported" EventBridge event holding one AWS Foundational control finding."""
    arn_std = "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0"
    fid = (f"arn:aws:securityhub:{REGION}:{account.id}:security-control/{control}/finding/"
           + str(uuid.UUID(int=rng.getrandbits(128), version=4)))
    found = {
        "SchemaVersion": "2018-10-08", "Id": fid,
        "ProductArn": f"arn:aws:securityhub:{REGION}::product/aws/securityhub", "ProductName": "Security Hub",
        "CompanyName": "AWS", "Region": REGION, "GeneratorId": f"security-control/{control}", "AwsAccountId": account.id,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "FirstObservedAt": "2026-10-01T06:12:40.512Z", "LastObservedAt": iso(t, millis=True),
        "CreatedAt": "2026-10-01T06:12:40.512Z", "UpdatedAt": iso(t, millis=True),
        "Severity": {"Label": severity, "Normalized": {"LOW": 1, "MEDIUM": 40, "HIGH": 70}.get(severity, 0),
                     "Original": severity},
        "Title": title, "Description": title,
        "Remediation": {"Recommendation": {
            "Text": "For information on how to correct this issue, consult the AWS Security Hub controls documentation.",
            "Url": f"https://docs.aws.amazon.com/console/securityhub/{control}/remediation"}},
        "ProductFields": {"StandardsArn": arn_std, "ControlId": control, "aws/securityhub/ProductName": "Security Hub"},
        "Resources": [{"Type": resource_type, "Id": resource_id, "Partition": "aws", "Region": REGION}],
        "Compliance": {"Status": status, "SecurityControlId": control},
        "WorkflowState": "NEW", "Workflow": {"Status": "NEW" if status == "FAILED" else "RESOLVED"},
        "RecordState": "ACTIVE",
        "FindingProviderFields": {"Severity": {"Label": severity, "Original": severity},
                                  "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"]},
        "ProcessedAt": iso(t + 2, millis=True),
    }
    return {"version": "0", "id": rid(rng), "detail-type": "Security Hub Findings - Imported",
            "source": "aws.securityhub", "account": admin.id, "time": iso(t), "region": REGION,
            "resources": [fid], "detail": {"findings": [found]}}


# --- S3 server access logs ----------------------------------------------------------------------

CANONICAL_OWNER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"


def s3_access_line(rng: random.Random, t: float, bucket: str, ip: str, requester: str, operation: str, key: str,
                   status: int, size: int, agent: str, *, error: str = "-") -> str:
    """One S3 server access log line (the documented field order, through acl_required)."""
    moment = datetime.fromtimestamp(t, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
    method = operation.split(".")[1]
    uri = f'"{method} /{key} HTTP/1.1"' if key != "-" else f'"{method} /?list-type=2 HTTP/1.1"'
    request_id = rng.randbytes(8).hex().upper()
    host_id = rng.randbytes(57).hex()[:76] + "="
    sent = str(size) if method == "GET" and status == 200 else "-"
    fields = [CANONICAL_OWNER, bucket, f"[{moment}]", ip, requester, request_id, operation, key, uri, str(status),
              error, sent, str(size) if key != "-" else "-", str(rng.randint(8, 90)), str(rng.randint(4, 40)), '"-"',
              f'"{agent}"', "-", host_id, "SigV4", "TLS_AES_128_GCM_SHA256", "AuthHeader",
              f"{bucket}.s3.{REGION}.amazonaws.com", "TLSv1.3", "-", "-"]
    return " ".join(fields)


# --- the shop's application log -----------------------------------------------------------------


def app_log(t: float, level: str, message: str, user: str | None, ip: str, action: str, outcome: str) -> dict:
    """One JSON line of the shop's own log: timestamp, level, message, user, source_ip, action, outcome."""
    return {"timestamp": iso(t, millis=True), "level": level, "message": message, "user": user, "source_ip": ip,
            "action": action, "outcome": outcome}
