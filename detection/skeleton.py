"""`rules new`: a rule file and its samples file to start from, one working example per source.

Each skeleton is a small rule that compiles and whose two samples (a match and a near miss) behave,
so the engineer adapts something that works. Every line to adapt says TODO, in its value or in a
comment, and `rules check` refuses a file that still says TODO (metadata.py): the skeleton cannot
reach the pack unedited. Only generated values (a fresh id, today's date) go into the templates.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from string import Template

from detection.errors import RuleError
from detection.pack import RULE_SUFFIX, samples_path

_NAME = re.compile(r"[a-z][a-z0-9_]*")

_HEAD = """\
title: TODO what happened, in words an analyst understands
id: $id
status: experimental
description: TODO what the rule detects and why it matters (one or two sentences)
references:
  - TODO the AWS documentation of the event (or the technique's page)
author: cloudsift
date: $date
tags:
  # An ATT&CK tactic, then a technique of that tactic (rules check verifies both).
"""
_TAIL = """\
falsepositives:
  - TODO what else makes the rule fire (or Unknown)
level: medium  # TODO informational, low, medium, high or critical
note: |
  TODO what to do when the rule fires (2 to 5 lines of markdown, Kibana's investigation guide):
  what to check first, whom to ask, how to contain it.
"""

_CLOUDTRAIL = """\
  - attack.persistence  # TODO the tactic
  - attack.t1098.001  # TODO the technique
logsource:
  product: aws
  service: cloudtrail
detection:
  # Native CloudTrail names (docs/fields/cloudtrail.md); strings match case-insensitively.
  selection:
    eventSource: iam.amazonaws.com  # TODO the service of the call
    eventName: CreateAccessKey  # TODO the API call(s)
  # Keep noise low: AWS services acting for the account, and calls AWS refused.
  filter_aws_service:
    userIdentity.type: AWSService
  filter_failed:
    errorCode|exists: true
  condition: selection and not 1 of filter_*
"""
_CLOUDTRAIL_SAMPLES = """\
# Raw CloudTrail records (elements of {"Records": [...]}), written from the API reference.
samples:
  - name: TODO what this case shows (the call the rule is about)
    match: true
    record:
      eventVersion: "1.09"
      userIdentity: {type: IAMUser, principalId: AIDAEXAMPLEUSER0001, arn: "arn:aws:iam::123456789012:user/alice", accountId: "123456789012", accessKeyId: AKIAEXAMPLEKEY00001, userName: alice}
      eventTime: "2026-12-01T10:00:00Z"
      eventSource: iam.amazonaws.com  # TODO as in the rule
      eventName: CreateAccessKey  # TODO as in the rule
      awsRegion: us-east-1
      sourceIPAddress: 203.0.113.10
      userAgent: aws-cli/2.22.0 Python/3.12.6 Linux/6.1 exe/x86_64
      requestParameters: {userName: bob}  # TODO the call's parameters
      responseElements: {accessKey: {userName: bob, accessKeyId: AKIAEXAMPLEKEY00002, status: Active}}
      requestID: 5e7a2b1c-0000-4000-8000-000000000001
      eventID: 5e7a2b1c-0000-4000-8000-000000000002
      readOnly: false
      eventType: AwsApiCall
      managementEvent: true
      recipientAccountId: "123456789012"
      eventCategory: Management
  - name: TODO a near miss (here, the same call denied)
    match: false
    record:
      eventVersion: "1.09"
      userIdentity: {type: IAMUser, principalId: AIDAEXAMPLEUSER0001, arn: "arn:aws:iam::123456789012:user/alice", accountId: "123456789012", accessKeyId: AKIAEXAMPLEKEY00001, userName: alice}
      eventTime: "2026-12-01T10:01:00Z"
      eventSource: iam.amazonaws.com  # TODO as in the rule
      eventName: CreateAccessKey  # TODO as in the rule
      awsRegion: us-east-1
      sourceIPAddress: 203.0.113.10
      userAgent: aws-cli/2.22.0 Python/3.12.6 Linux/6.1 exe/x86_64
      errorCode: AccessDenied
      errorMessage: "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:CreateAccessKey"
      requestParameters: {userName: bob}
      responseElements: null
      requestID: 5e7a2b1c-0000-4000-8000-000000000003
      eventID: 5e7a2b1c-0000-4000-8000-000000000004
      readOnly: false
      eventType: AwsApiCall
      managementEvent: true
      recipientAccountId: "123456789012"
      eventCategory: Management
"""

_VPCFLOW = """\
  - attack.command_and_control  # TODO the tactic
  - attack.t1571  # TODO the technique
logsource:
  product: aws
  service: vpcflow
detection:
  # Native flow-log field names (docs/fields/vpcflow.md): srcaddr, dstaddr, dstport, action, ...
  selection:
    dstport: 4444  # TODO the port(s)
    action: ACCEPT
  # Keep noise low: traffic between private addresses.
  filter_private:
    srcaddr|cidr:
      - 10.0.0.0/8
      - 172.16.0.0/12
      - 192.168.0.0/16
  condition: selection and not filter_private
"""
_FLOW_HEADER = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end "
                "action log-status")
_VPCFLOW_SAMPLES = f"""\
# Raw flow-log lines under their header line (the field order), as AWS writes them.
samples:
  - name: TODO what this case shows (an accepted flow from the internet to the port)
    match: true
    header: {_FLOW_HEADER}
    lines:
      # TODO srcaddr dstaddr srcport dstport … as the case needs
      - 2 123456789012 eni-0a1b2c3d4e5f60001 198.51.100.20 10.0.1.5 51234 4444 6 12 2400 1795180000 1795180060 ACCEPT OK
  - name: TODO a near miss (here, the same port between private addresses)
    match: false
    header: {_FLOW_HEADER}
    lines:
      - 2 123456789012 eni-0a1b2c3d4e5f60001 10.0.2.9 10.0.1.5 51234 4444 6 12 2400 1795180000 1795180060 ACCEPT OK
"""

_ROUTE53 = """\
  - attack.command_and_control  # TODO the tactic
  - attack.t1568  # TODO the technique
logsource:
  product: aws
  service: route53
detection:
  # Native Resolver query log names (docs/fields/route53.md); the normalizer strips AWS's trailing dot.
  selection:
    query_name|endswith: .duckdns.org  # TODO the names
  condition: selection
"""
_DNS_RECORD = """\
      version: "1.100000"
      account_id: "123456789012"
      region: us-east-1
      vpc_id: vpc-0a1b2c3d4e5f67890
      query_timestamp: "2026-12-01T10:00:00Z"
      query_name: $query
      query_type: A
      query_class: IN
      rcode: NOERROR
      answers: [{Rdata: 192.0.2.10, Type: A, Class: IN}]
      srcaddr: 10.0.1.23
      srcport: "53111"
      transport: UDP
      srcids: {instance: i-0a1b2c3d4e5f60001}
"""
_ROUTE53_SAMPLES = f"""\
# Raw Route 53 Resolver query log records (one JSON object a line in the object).
samples:
  - name: TODO what this case shows (a query for a name the rule is about)
    match: true
    record:  # TODO query_name and the answer as the case needs
{Template(_DNS_RECORD).substitute(query="c2-host.duckdns.org.")}\
  - name: TODO a near miss (here, a name that only looks alike)
    match: false
    record:
{Template(_DNS_RECORD).substitute(query="duckdns.org.example.com.")}"""

_WAF = """\
  - attack.initial_access  # TODO the tactic
  - attack.t1190  # TODO the technique
logsource:
  product: aws
  service: waf
detection:
  # Native WAF log names (docs/fields/waf.md): httpRequest.uri, httpRequest.args, action, ...
  selection:
    httpRequest.uri|contains: /../  # TODO what the request holds
  condition: selection
"""
_WAF_RECORD = """\
      timestamp: 1795180000000
      formatVersion: 1
      webaclId: arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop-web-acl/8c2f1d3e
      terminatingRuleId: Default_Action
      terminatingRuleType: REGULAR
      action: ALLOW
      terminatingRuleMatchDetails: []
      httpSourceName: ALB
      httpSourceId: 123456789012-app/shop-alb/50dc6c495c0c9188
      ruleGroupList: []
      rateBasedRuleList: []
      nonTerminatingMatchingRules: []
      httpRequest:
        clientIp: 192.0.2.44
        country: NL
        headers: [{name: host, value: shop.example.com}]
        uri: $uri
        args: ""
        httpVersion: HTTP/1.1
        httpMethod: GET
        requestId: $request
      labels: []
"""
_WAF_SAMPLES = f"""\
# Raw AWS WAF log records (one JSON object a line).
samples:
  - name: TODO what this case shows (a request the rule is about)
    match: true
    record:  # TODO the request as the case needs
{Template(_WAF_RECORD).substitute(uri="/static/../../etc/passwd", request="1-00000001-0001")}\
  - name: TODO a near miss (here, an ordinary path)
    match: false
    record:
{Template(_WAF_RECORD).substitute(uri="/static/app.js", request="1-00000001-0002")}"""

_GUARDDUTY = """\
  - attack.impact  # TODO the tactic
  - attack.t1496.001  # TODO the technique
logsource:
  product: aws
  service: guardduty
detection:
  # Native finding names (docs/fields/guardduty.md): type, severity, service.archived, ...
  selection:
    type|startswith: 'CryptoCurrency:'  # TODO the finding types
    service.archived: false
  condition: selection
"""
_FINDING = """\
      schemaVersion: "2.0"
      accountId: "123456789012"
      region: us-east-1
      partition: aws
      id: $id
      arn: arn:aws:guardduty:us-east-1:123456789012:detector/d1/finding/$id
      type: $type
      resource: {resourceType: Instance, instanceDetails: {instanceId: i-0a1b2c3d4e5f60003}}
      service: {serviceName: guardduty, detectorId: d1, archived: false, count: 1, resourceRole: ACTOR, eventFirstSeen: "2026-12-01T10:00:00.000Z", eventLastSeen: "2026-12-01T10:05:00.000Z"}
      severity: 8
      createdAt: "2026-12-01T10:00:00.000Z"
      updatedAt: "2026-12-01T10:05:00.000Z"
      title: $title
      description: $title
"""
_GUARDDUTY_SAMPLES = f"""\
# Raw GuardDuty findings (one JSON object a line, as exported to S3).
samples:
  - name: TODO what this case shows (a finding the rule is about)
    match: true
    record:  # TODO the finding as the case needs
{Template(_FINDING).substitute(id="a0000000000000000000000000000001", type="CryptoCurrency:EC2/BitcoinTool.B!DNS",
                               title="EC2 instance is querying a domain associated with cryptocurrency activity.")}\
  - name: TODO a near miss (here, another finding type)
    match: false
    record:
{Template(_FINDING).substitute(id="a0000000000000000000000000000002", type="Recon:EC2/PortProbeUnprotectedPort",
                               title="An unprotected port on an EC2 instance is being probed.")}"""

_S3ACCESS = """\
  - attack.collection  # TODO the tactic
  - attack.t1530  # TODO the technique
logsource:
  product: aws
  service: s3access
detection:
  # Native S3 server access log names (docs/fields/s3access.md): requester, operation, key, http_status, ...
  selection:
    operation: REST.GET.OBJECT  # TODO the operation(s)
    requester: null  # TODO who made the request (null: anonymous, which S3 writes as '-')
  condition: selection
"""
_S3_LINE = ("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be shop-data [01/Dec/2026:10:00:00 +0000] "
            "198.51.100.20 $requester 3E57427F3EXAMPLE REST.GET.OBJECT reports/q3.csv \"GET /shop-data/reports/q3.csv "
            "HTTP/1.1\" 200 - 2048 2048 12 11 \"-\" \"curl/8.5.0\" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6Uk= SigV4 "
            "ECDHE-RSA-AES128-GCM-SHA256 QueryString shop-data.s3.us-east-1.amazonaws.com TLSv1.3 - -")
_S3ACCESS_SAMPLES = f"""\
# Raw S3 server access log lines, as S3 writes them (quoted request, bracketed time).
samples:
  - name: TODO what this case shows (an anonymous download)
    match: true
    lines:
      - '{Template(_S3_LINE).substitute(requester="-")}'
  - name: TODO a near miss (here, the same download by a signed-in principal)
    match: false
    lines:
      - '{Template(_S3_LINE).substitute(requester="arn:aws:iam::123456789012:user/alice")}'
"""


_SECURITYHUB = """\
  - attack.defense_evasion  # TODO the tactic
  - attack.t1562.008  # TODO the technique
logsource:
  product: aws
  service: securityhub
detection:
  # Native ASFF names (docs/fields/securityhub.md): Compliance.Status, GeneratorId, Severity.Label, RecordState, ...
  selection:
    Compliance.Status: FAILED
    GeneratorId|endswith: /CloudTrail.1  # TODO the control(s)
    RecordState: ACTIVE
  condition: selection
"""
_ASFF = """\
      SchemaVersion: "2018-10-08"
      Id: arn:aws:securityhub:us-east-1:123456789012:security-control/$control/finding/$id
      ProductArn: arn:aws:securityhub:us-east-1::product/aws/securityhub
      GeneratorId: security-control/$control
      AwsAccountId: "123456789012"
      Types: [Software and Configuration Checks/Industry and Regulatory Standards]
      CreatedAt: "2026-12-01T10:00:00.000Z"
      UpdatedAt: "2026-12-01T10:05:00.000Z"
      Severity: {Label: HIGH, Normalized: 70}
      Title: Control $control check
      Description: Security Hub control $control.
      Resources: [{Type: AwsAccount, Id: "AWS::::Account:123456789012", Partition: aws, Region: us-east-1}]
      Compliance: {Status: $status, SecurityControlId: $control}
      RecordState: ACTIVE
"""
_SECURITYHUB_SAMPLES = f"""\
# Raw Security Hub findings in ASFF (one JSON object a line, as a Firehose export writes them).
samples:
  - name: TODO what this case shows (the control failing)
    match: true
    record:  # TODO the finding as the case needs
{Template(_ASFF).substitute(control="CloudTrail.1", id="f0000001", status="FAILED")}\
  - name: TODO a near miss (here, the same control passing)
    match: false
    record:
{Template(_ASFF).substitute(control="CloudTrail.1", id="f0000002", status="PASSED")}"""


_APPLOG = """\
  - attack.credential-access  # TODO the tactic
  - attack.t1110.001  # TODO the technique
logsource:
  service: applog
  # product: shop  # TODO the app's dataset (its shipper config's applog.dataset); none: every app
detection:
  # ECS names, which each app's shipper map fills (docs/fields/applog.md): user.name, source.ip,
  # event.action, event.outcome, log.level, ...; the app's own fields under applog.fields.<name>.
  selection:
    event.action|contains: password.reset  # TODO the app's action(s)
    event.outcome: failure
  condition: selection
"""
_APPLOG_RECORD = ('{{"@timestamp": "2026-12-01T10:00:00.000Z", "event": {{"action": "user.password.reset", '
                  '"outcome": "{outcome}"}}, "user": {{"name": "alice"}}, "source": {{"ip": "198.51.100.20"}}, '
                  '"message": "password reset {outcome}"}}')
_APPLOG_SAMPLES = f"""\
# Application log records as ECS JSON (the names the rule uses; an app's own names are its shipper map's).
samples:
  - name: TODO what this case shows (a failed password reset)
    match: true
    lines:
      - '{_APPLOG_RECORD.format(outcome="failure")}'
  - name: TODO a near miss (here, a successful reset)
    match: false
    lines:
      - '{_APPLOG_RECORD.format(outcome="success")}'
"""


@dataclass(frozen=True, slots=True)
class Skeleton:
    """The two files `rules new` writes for one source: the rule's middle part and the samples."""

    body: str  # the tags, logsource and detection, between the common head and tail
    samples: str


SKELETONS: dict[str, Skeleton] = {
    "cloudtrail": Skeleton(_CLOUDTRAIL, _CLOUDTRAIL_SAMPLES),
    "vpcflow": Skeleton(_VPCFLOW, _VPCFLOW_SAMPLES),
    "route53": Skeleton(_ROUTE53, _ROUTE53_SAMPLES),
    "waf": Skeleton(_WAF, _WAF_SAMPLES),
    "guardduty": Skeleton(_GUARDDUTY, _GUARDDUTY_SAMPLES),
    "s3access": Skeleton(_S3ACCESS, _S3ACCESS_SAMPLES),
    "securityhub": Skeleton(_SECURITYHUB, _SECURITYHUB_SAMPLES),
    "applog": Skeleton(_APPLOG, _APPLOG_SAMPLES),
}


def rule_text(service: str, today: date | None = None) -> str:
    """The skeleton rule of `service`, with a fresh id and today's date."""
    head = Template(_HEAD).substitute(id=uuid.uuid4(), date=(today or date.today()).isoformat())
    return head + SKELETONS[service].body + _TAIL


def write(pack: Path, service: str, name: str) -> tuple[Path, Path]:
    """Write `pack/<service>/<name>.yml` and its samples; refuse a bad name or an existing file."""
    if service not in SKELETONS:
        raise RuleError(f"unknown source {service!r}: one of {', '.join(SKELETONS)}")
    if not _NAME.fullmatch(name):
        raise RuleError(f"rule name {name!r}: lowercase letters, digits and underscores, starting with a letter "
                        "(it names the file)")
    rule = pack / service / f"{name}{RULE_SUFFIX}"
    samples = samples_path(rule)
    for path in (rule, samples):
        if path.exists():
            raise RuleError("already exists: rules new never overwrites a file", str(path))
    rule.parent.mkdir(parents=True, exist_ok=True)
    with rule.open("x") as out:
        out.write(rule_text(service))
    with samples.open("x") as out:
        out.write(SKELETONS[service].samples)
    return rule, samples
