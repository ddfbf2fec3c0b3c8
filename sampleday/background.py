"""The benign day: what each delivery stream holds when nobody attacks.

Every function takes (rng, start, end, scale) and returns the stream's (time, record) pairs in
[start, end): rates are per hour at scale 1, shaped by the time of day, so `--scale N` gives N
times the records with the same mix. Nothing here is meant to raise an alert: service principals
are marked as AWS marks them, people sign in with MFA, CI comes in through OIDC, and reads stay
well under the pack's burst thresholds.
"""
from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from sampleday import records as r
from sampleday.layout import Stream
from sampleday.records import Call, Flow, Request
from sampleday.world import (
    ALB_NODES,
    AWS_ENDPOINTS,
    CHROME,
    DAY_START,
    DB,
    EXPOSED,
    HOUR,
    LOGGING,
    PEOPLE,
    PROD,
    PUBLIC_NAMES,
    STAGING,
    STAGING_HOSTS,
    WEB_ACL,
    WEB_HOSTS,
    WORKERS,
    Account,
    Host,
    Person,
    hexid,
)

Pairs = list[tuple[float, Any]]
Generator = Callable[[random.Random, float, float, float], Pairs]

# Customer traffic by hour of day (UTC; the shop sells in Europe and the Americas): mean about 1.
TRAFFIC = (0.45, 0.35, 0.3, 0.3, 0.35, 0.5, 0.7, 0.9, 1.1, 1.2, 1.3, 1.3, 1.35, 1.4, 1.4, 1.35, 1.3, 1.3,
           1.35, 1.4, 1.3, 1.1, 0.85, 0.6)
FLAT = (1.0,) * 24

SDK_JAVA = ("aws-sdk-java/2.29.15 Linux/6.1.115-126.197.amzn2023.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS "
            "Java/21.0.5 vendor/Amazon.com_Inc. md/internal exec-env/AWS_ECS_EC2")
SDK_BOTO = "Boto3/1.35.76 md/Botocore#1.35.76 ua/2.0 os/linux#6.1.115 md/arch#x86_64 lang/python#3.12.7 cfg/retry-mode#legacy"
LAMBDA_UA = "aws-sdk-nodejs/3.693.0 linux/v20.18.0 exec-env/AWS_Lambda_nodejs20.x api/kms#3.693.0"
CLI_CI = ("aws-cli/2.22.10 md/awscrt#0.23.4 ua/2.0 os/linux#6.5.0-1025-azure md/arch#x86_64 lang/python#3.12.6 "
          "md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.22 md/prompt#off")
TERRAFORM = ("APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.80.0 "
             "(+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.6 os/linux lang/go#1.23.3")
GITHUB_RUNNER_IPS = ("20.85.33.201", "4.246.130.17", "172.183.51.96")
S3_ENDPOINT = "vpce-0b1c2d3e4f5a6b7c8"
OIDC = "token.actions.githubusercontent.com"


def _count(rng: random.Random, per_hour: float, start: float, end: float, scale: float,
           shape: tuple[float, ...]) -> int:
    hour = int(((start + end) / 2 - DAY_START) // HOUR) % 24
    expected = per_hour * shape[hour] * scale * (end - start) / HOUR
    whole = math.floor(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def _times(rng: random.Random, per_hour: float, start: float, end: float, scale: float,
           shape: tuple[float, ...] = FLAT) -> list[float]:
    """Sorted uniform times in [start, end) at `per_hour` (times the shape of the hour and the scale)."""
    return sorted(rng.uniform(start, end) for _ in range(_count(rng, per_hour, start, end, scale, shape)))


def _within(t: float, first_hour: float, last_hour: float) -> bool:
    return first_hour * HOUR <= t - DAY_START < last_hour * HOUR


# --- CloudTrail ---------------------------------------------------------------------------------


def _instance_calls(rng: random.Random, start: float, end: float, scale: float, host: Host,
                    buckets: tuple[str, str]) -> Pairs:
    """An application instance's role session: KMS, SSM and Secrets Manager via NAT, S3 via the endpoint."""
    acct = host.account
    ident = r.assumed_role(acct, str(host.role), host.instance_id)
    out: Pairs = []
    key_arn = f"arn:aws:kms:us-east-1:{acct.id}:key/{hexid(acct.id + 'app-key', 8)}-0c4e-4b8e-9d1a-{hexid(acct.id, 12)}"
    for t in _times(rng, 5, start, end, scale, TRAFFIC):
        call = Call("kms.amazonaws.com", "Decrypt", {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}, None,
                    resources=({"accountId": acct.id, "type": "AWS::KMS::Key", "ARN": key_arn},))
        out.append((t, r.cloudtrail(rng, t, acct, ident, call, str(acct.nat_ip), SDK_JAVA)))
    for t in _times(rng, 1, start, end, scale):
        name = f"/shop/{acct.name}/feature-flags"
        call = Call("ssm.amazonaws.com", "GetParameter", {"name": name, "withDecryption": False}, None,
                    resources=({"accountId": acct.id, "ARN": f"arn:aws:ssm:us-east-1:{acct.id}:parameter{name}"},))
        out.append((t, r.cloudtrail(rng, t, acct, ident, call, str(acct.nat_ip), SDK_JAVA)))
    for t in _times(rng, 0.5, start, end, scale):
        call = Call("secretsmanager.amazonaws.com", "GetSecretValue", {"secretId": f"{acct.name}/db-credentials"})
        out.append((t, r.cloudtrail(rng, t, acct, ident, call, str(acct.nat_ip), SDK_JAVA)))
    read_bucket, write_bucket = buckets
    for t in _times(rng, 6, start, end, scale, TRAFFIC):
        obj = f"catalog/images/{rng.randint(1000, 9999)}.webp"
        out.append((t, r.cloudtrail(rng, t, acct, ident, _s3_object("GetObject", read_bucket, obj, acct),
                                    host.private_ip, SDK_JAVA)))
    for t in _times(rng, 2, start, end, scale, TRAFFIC):
        obj = f"uploads/{t:.0f}-{rng.randbytes(4).hex()}.jpg"
        out.append((t, r.cloudtrail(rng, t, acct, ident, _s3_object("PutObject", write_bucket, obj, acct),
                                    host.private_ip, SDK_JAVA)))
    return out


def _s3_object(name: str, bucket: str, key: str, acct: Account) -> Call:
    return Call("s3.amazonaws.com", name, {"bucketName": bucket, "Host": f"{bucket}.s3.us-east-1.amazonaws.com",
                                           "key": key}, None, read_only=name.startswith("Get"), data_event=True,
                resources=({"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
                           {"accountId": acct.id, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}),
                extra={"additionalEventData": {"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256",
                                               "bytesTransferredIn": 0, "AuthenticationMethod": "AuthHeader",
                                               "x-amz-id-2": "Q0xPVURTSUZU", "bytesTransferredOut": 48213},
                       "vpcEndpointId": S3_ENDPOINT})


CONFIG_READS = (("ec2.amazonaws.com", "DescribeInstances"), ("ec2.amazonaws.com", "DescribeSecurityGroups"),
                ("ec2.amazonaws.com", "DescribeVolumes"), ("ec2.amazonaws.com", "DescribeNetworkInterfaces"),
                ("iam.amazonaws.com", "GetRole"), ("iam.amazonaws.com", "ListAttachedRolePolicies"),
                ("s3.amazonaws.com", "GetBucketPolicy"), ("s3.amazonaws.com", "GetBucketEncryption"),
                ("rds.amazonaws.com", "DescribeDBInstances"), ("lambda.amazonaws.com", "GetFunction"))


def _aws_services(rng: random.Random, start: float, end: float, scale: float, acct: Account,
                  lambda_per_hour: float) -> Pairs:
    """AWS Config's recorder, Lambda assuming its execution roles, the function's own calls."""
    out: Pairs = []
    config = r.assumed_role(acct, "AWSServiceRoleForConfig", "AWSConfig-Describe", invoked_by="config.amazonaws.com",
                            path="aws-service-role/config.amazonaws.com/")
    for t in _times(rng, 12, start, end, scale):
        source, name = rng.choice(CONFIG_READS)
        out.append((t, r.cloudtrail(rng, t, acct, config, Call(source, name, {}), "config.amazonaws.com",
                                    "config.amazonaws.com")))
    fn = r.assumed_role(acct, "order-processor-role", "order-processor")
    for t in _times(rng, lambda_per_hour, start, end, scale, TRAFFIC):
        role_arn = f"arn:aws:iam::{acct.id}:role/order-processor-role"
        assume = Call("sts.amazonaws.com", "AssumeRole", {"roleArn": role_arn, "roleSessionName": "order-processor"},
                      {"assumedRoleUser": {"arn": fn["arn"], "assumedRoleId": fn["principalId"]}},
                      resources=({"accountId": acct.id, "type": "AWS::IAM::Role", "ARN": role_arn},),
                      extra={"sharedEventID": r.rid(rng)})
        out.append((t, r.cloudtrail(rng, t, acct, r.aws_service("lambda.amazonaws.com"), assume,
                                    "lambda.amazonaws.com", "lambda.amazonaws.com")))
        decrypt = Call("kms.amazonaws.com", "Decrypt", {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"})
        out.append((t + 0.4, r.cloudtrail(rng, t + 0.4, acct, fn, decrypt, "44.210.66.15", LAMBDA_UA)))
    return out


def _autoscaling(rng: random.Random, start: float, end: float, acct: Account, hosts: tuple[Host, ...]) -> Pairs:
    """The web tier scales out in the morning and in at night (the service-linked role of Auto Scaling)."""
    out: Pairs = []
    ident = r.assumed_role(acct, "AWSServiceRoleForAutoScaling", "AutoScaling", invoked_by="autoscaling.amazonaws.com",
                           path="aws-service-role/autoscaling.amazonaws.com/")
    events = [(7 * HOUR + 610.0, "RunInstances", hosts[-1]), (7 * HOUR + 640.0, "RunInstances", hosts[-2]),
              (21 * HOUR + 1805.0, "TerminateInstances", hosts[-1]), (21 * HOUR + 1830.0, "TerminateInstances",
                                                                       hosts[-2])]
    for offset, name, host in events:
        t = DAY_START + offset
        if not start <= t < end:
            continue
        if name == "RunInstances":
            request: dict = {"instancesSet": {"items": [{"imageId": "ami-0c55b159cbfafe1f0", "minCount": 1,
                                                         "maxCount": 1}]},
                             "instanceType": "t3.medium", "launchTemplate": {"launchTemplateId": "lt-0f3e2d1c0b9a8f7e6",
                                                                             "version": "7"}}
            response: dict | None = {"instancesSet": {"items": [{"instanceId": host.instance_id,
                                                                 "instanceState": {"code": 0, "name": "pending"}}]}}
        else:
            request, response = {"instancesSet": {"items": [{"instanceId": host.instance_id}]}}, None
        out.append((t, r.cloudtrail(rng, t, acct, ident, Call("ec2.amazonaws.com", name, request, response,
                                                              read_only=False),
                                    "autoscaling.amazonaws.com", "autoscaling.amazonaws.com")))
        if name == "RunInstances":  # EC2 assumes the instance profile's role for the new instance
            role_arn = f"arn:aws:iam::{acct.id}:role/{host.role}"
            assume = Call("sts.amazonaws.com", "AssumeRole", {"roleArn": role_arn, "roleSessionName": host.instance_id},
                          resources=({"accountId": acct.id, "type": "AWS::IAM::Role", "ARN": role_arn},))
            out.append((t + 95, r.cloudtrail(rng, t + 95, acct, r.aws_service("ec2.amazonaws.com"), assume,
                                             "ec2.amazonaws.com", "ec2.amazonaws.com")))
    return out


def _web_identity(acct: Account, role: str, repo: str) -> dict:
    return {"type": "WebIdentityUser", "principalId": f"{OIDC}:sts.amazonaws.com:repo:{repo}:ref:refs/heads/main",
            "userName": f"repo:{repo}:ref:refs/heads/main",
            "identityProvider": f"arn:aws:iam::{acct.id}:oidc-provider/{OIDC}"}


def _ci(rng: random.Random, start: float, end: float, acct: Account, deploys: tuple[float, ...],
        plan_hour: float | None) -> Pairs:
    """GitHub Actions: OIDC into the deploy role, push an image, roll the service; a nightly Terraform plan."""
    out: Pairs = []
    repo = "example-shop/shop"
    for hour in deploys:
        t = DAY_START + hour * HOUR
        if not start <= t < end:
            continue
        ip = rng.choice(GITHUB_RUNNER_IPS)
        out += _assume_web_identity(rng, t, acct, "github-deploy", repo, ip)
        ident = r.assumed_role(acct, "github-deploy", "GitHubActions")
        steps = [Call("ecr.amazonaws.com", "GetAuthorizationToken", {}),
                 Call("ecr.amazonaws.com", "BatchCheckLayerAvailability", {"repositoryName": "shop-web"}),
                 Call("ecr.amazonaws.com", "InitiateLayerUpload", {"repositoryName": "shop-web"}, read_only=False),
                 Call("ecr.amazonaws.com", "CompleteLayerUpload", {"repositoryName": "shop-web"}, read_only=False),
                 Call("ecr.amazonaws.com", "PutImage", {"repositoryName": "shop-web", "imageTag": f"build-{int(t)}"},
                      read_only=False),
                 Call("ecs.amazonaws.com", "DescribeTaskDefinition", {"taskDefinition": "shop-web"}),
                 Call("ecs.amazonaws.com", "RegisterTaskDefinition", {"family": "shop-web"}, read_only=False),
                 Call("ecs.amazonaws.com", "UpdateService", {"cluster": "shop", "service": "shop-web"}, read_only=False)]
        steps += [Call("ecs.amazonaws.com", "DescribeServices", {"cluster": "shop", "services": ["shop-web"]})] * 6
        for i, call in enumerate(steps):
            at = t + 20 + i * 15 + rng.uniform(0, 5)
            out.append((at, r.cloudtrail(rng, at, acct, ident, call, ip, CLI_CI)))
    if plan_hour is not None and start <= DAY_START + plan_hour * HOUR < end:
        t = DAY_START + plan_hour * HOUR
        ip = rng.choice(GITHUB_RUNNER_IPS)
        out += _assume_web_identity(rng, t, acct, "github-terraform-plan", "example-shop/infra", ip)
        ident = r.assumed_role(acct, "github-terraform-plan", "GitHubActions")
        for i, (source, name) in enumerate(TERRAFORM_READS):
            at = t + 30 + i * 2.5
            out.append((at, r.cloudtrail(rng, at, acct, ident, Call(source, name, {}), ip, TERRAFORM)))
    return out


TERRAFORM_READS = tuple(
    [("ec2.amazonaws.com", n) for n in ("DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeSecurityGroups",
                                         "DescribeInstances", "DescribeLaunchTemplates", "DescribeNatGateways",
                                         "DescribeInternetGateways", "DescribeVpcEndpoints", "DescribeNetworkAcls",
                                         "DescribeAddresses", "DescribeFlowLogs")]
    + [("iam.amazonaws.com", n) for n in ("GetRole", "ListRolePolicies", "ListAttachedRolePolicies", "GetPolicy",
                                           "GetPolicyVersion", "GetOpenIDConnectProvider", "GetInstanceProfile")]
    + [("s3.amazonaws.com", n) for n in ("GetBucketPolicy", "GetBucketAcl", "GetBucketVersioning", "GetBucketLogging",
                                          "GetBucketTagging", "GetEncryptionConfiguration", "GetLifecycleConfiguration")]
    + [("elasticloadbalancing.amazonaws.com", n) for n in ("DescribeLoadBalancers", "DescribeTargetGroups",
                                                            "DescribeListeners", "DescribeTags")]
    + [("rds.amazonaws.com", n) for n in ("DescribeDBInstances", "DescribeDBSubnetGroups", "ListTagsForResource")]
    + [("wafv2.amazonaws.com", n) for n in ("GetWebACL", "ListTagsForResource")]
    + [("kms.amazonaws.com", n) for n in ("DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus")]
    + [("logs.amazonaws.com", "DescribeLogGroups"), ("ecs.amazonaws.com", "DescribeClusters"),
       ("ecs.amazonaws.com", "DescribeServices"), ("ecr.amazonaws.com", "DescribeRepositories"),
       ("cloudtrail.amazonaws.com", "DescribeTrails"), ("cloudtrail.amazonaws.com", "GetTrailStatus")])


def _assume_web_identity(rng: random.Random, t: float, acct: Account, role: str, repo: str, ip: str) -> Pairs:
    role_arn = f"arn:aws:iam::{acct.id}:role/{role}"
    call = Call("sts.amazonaws.com", "AssumeRoleWithWebIdentity",
                {"roleArn": role_arn, "roleSessionName": "GitHubActions", "durationSeconds": 3600},
                {"subjectFromWebIdentityToken": f"repo:{repo}:ref:refs/heads/main", "provider": f"arn:aws:iam::{acct.id}:"
                 f"oidc-provider/{OIDC}", "audience": "sts.amazonaws.com"},
                resources=({"accountId": acct.id, "type": "AWS::IAM::Role", "ARN": role_arn},),
                extra={"additionalEventData": {"identityProviderConnectionVerificationMethod": "IAMTrustStore"}})
    return [(t, r.cloudtrail(rng, t, acct, _web_identity(acct, role, repo), call, ip, "aws-sdk-nodejs/3.693.0 "
                             "linux/v20.18.0 configure-aws-credentials-for-github-actions"))]


CONSOLE_READS = (("ec2.amazonaws.com", "DescribeInstances"), ("ec2.amazonaws.com", "DescribeInstanceStatus"),
                 ("monitoring.amazonaws.com", "GetMetricData"), ("monitoring.amazonaws.com", "DescribeAlarms"),
                 ("logs.amazonaws.com", "DescribeLogGroups"), ("logs.amazonaws.com", "FilterLogEvents"),
                 ("ecs.amazonaws.com", "DescribeServices"), ("ecs.amazonaws.com", "ListTasks"),
                 ("rds.amazonaws.com", "DescribeDBInstances"), ("cloudtrail.amazonaws.com", "LookupEvents"),
                 ("securityhub.amazonaws.com", "GetFindings"), ("guardduty.amazonaws.com", "ListFindings"),
                 ("health.amazonaws.com", "DescribeEventAggregates"), ("ce.amazonaws.com", "GetCostAndUsage"))


def _people(rng: random.Random, start: float, end: float, scale: float, acct: Account) -> Pairs:
    """Each person signs in with MFA once in the morning and browses the console until the evening."""
    out: Pairs = []
    for n, person in enumerate(p for p in PEOPLE if p.account == acct):
        login = DAY_START + (8.5 + 0.6 * n) * HOUR + 420 * n
        if start <= login < end:
            out.append((login, r.console_login(rng, login, acct, person.user, person.office_ip, person.browser)))
        out += _console_reads(rng, max(start, login + 30), min(end, DAY_START + 17.5 * HOUR), scale, person)
    return out


# Days before the sample day on which the people signed in as usual: the baseline a new-terms rule
# (a sign-in from an address new for the user) compares with. Only their sign-ins are written for them.
HISTORY_DAYS = (13, 9, 6, 3, 1)


def sign_in_history(rng: random.Random, acct: Account) -> Pairs:
    """The people of `acct` signing in from their office on the history days, in time order."""
    out: Pairs = []
    for days in HISTORY_DAYS:
        for n, person in enumerate(p for p in PEOPLE if p.account == acct):
            login = DAY_START - days * 24 * HOUR + (8.7 + 0.5 * n) * HOUR + 300 * n
            out.append((login, r.console_login(rng, login, acct, person.user, person.office_ip, person.browser)))
    return sorted(out, key=lambda pair: pair[0])


def _console_reads(rng: random.Random, start: float, end: float, scale: float, person: Person) -> Pairs:
    if start >= end:
        return []
    acct = person.account
    ident = r.iam_user(acct, person.user, "ASIA" + hexid(person.user, 16).upper())
    ident["sessionContext"] = {"attributes": {"creationDate": "2026-11-20T08:30:00Z", "mfaAuthenticated": "true"}}
    out: Pairs = []
    for t in _times(rng, 14, start, end, scale):
        source, name = rng.choice(CONSOLE_READS)
        call = Call(source, name, {})
        out.append((t, r.cloudtrail(rng, t, acct, ident, call, person.office_ip, person.browser, console=True)))
    return out


def cloudtrail_prod(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """The shop's production account."""
    out: Pairs = []
    for host in WEB_HOSTS:
        out += _instance_calls(rng, start, end, scale, host, ("shop-prod-assets", "shop-prod-uploads"))
    for host in WORKERS:
        out += _instance_calls(rng, start, end, scale / 2, host, ("shop-prod-assets", "shop-prod-customer-exports"))
    out += _aws_services(rng, start, end, scale, PROD, 6)
    out += _autoscaling(rng, start, end, PROD, WEB_HOSTS)
    out += _ci(rng, start, end, PROD, (10.25, 13.67, 16.1), 3.5)
    out += _people(rng, start, end, scale, PROD)
    out += _operator_changes(rng, start, end, PEOPLE[0])
    return out


def cloudtrail_staging(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """Staging: the same shop, smaller, deployed more often."""
    out: Pairs = []
    for host in STAGING_HOSTS:
        out += _instance_calls(rng, start, end, scale / 2, host, ("shop-staging-assets", "shop-staging-uploads"))
    out += _aws_services(rng, start, end, scale, STAGING, 1)
    out += _ci(rng, start, end, STAGING, (9.4, 11.2, 14.8, 15.9), 3.0)
    out += _people(rng, start, end, scale, STAGING)
    return out


def _log_delivery(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """CloudTrail checking the log bucket's ACL before each delivery, and Security Hub's service-linked role."""
    out: Pairs = []
    bucket = f"org-log-archive-{LOGGING.id}"
    for t in _times(rng, 12, start, end, scale):
        call = Call("s3.amazonaws.com", "GetBucketAcl", {"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com",
                                                         "acl": ""},
                    resources=({"accountId": LOGGING.id, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"},),
                    extra={"sharedEventID": r.rid(rng)})
        out.append((t, r.cloudtrail(rng, t, LOGGING, r.aws_service("cloudtrail.amazonaws.com"), call,
                                    "cloudtrail.amazonaws.com", "cloudtrail.amazonaws.com")))
    hub = r.assumed_role(LOGGING, "AWSServiceRoleForSecurityHub", "securityhub", invoked_by="securityhub.amazonaws.com",
                         path="aws-service-role/securityhub.amazonaws.com/")
    for t in _times(rng, 6, start, end, scale):
        source, name = rng.choice((("config.amazonaws.com", "DescribeConfigRules"),
                                   ("config.amazonaws.com", "GetComplianceDetailsByConfigRule"),
                                   ("organizations.amazonaws.com", "ListAccounts"),
                                   ("config.amazonaws.com", "DescribeConfigurationRecorders")))
        out.append((t, r.cloudtrail(rng, t, LOGGING, hub, Call(source, name, {}), "securityhub.amazonaws.com",
                                    "securityhub.amazonaws.com")))
    return out


def _operator_changes(rng: random.Random, start: float, end: float, person: Person) -> Pairs:
    """A person's few changes of the day from the console: a tag, an alarm, one shell on one instance."""
    acct = person.account
    ident = r.iam_user(acct, person.user, "ASIA" + hexid(person.user, 16).upper())
    ident["sessionContext"] = {"attributes": {"creationDate": "2026-11-20T08:30:00Z", "mfaAuthenticated": "true"}}
    target = WEB_HOSTS[0].instance_id
    session = f"{person.user}-{hexid(person.user + 'ssm', 17)}"
    changes = ((11.1, Call("ec2.amazonaws.com", "CreateTags", {"resourcesSet": {"items": [{"resourceId": target}]},
                                                               "tagSet": {"items": [{"key": "owner", "value": "web"}]}},
                           {"_return": True}, read_only=False)),
               (11.4, Call("ssm.amazonaws.com", "StartSession", {"target": target},
                           {"sessionId": session, "streamUrl": f"wss://ssmmessages.us-east-1.amazonaws.com/v1/"
                            f"data-channel/{session}", "tokenValue": "Value hidden due to security reasons."},
                           read_only=False)),
               (11.6, Call("ssm.amazonaws.com", "TerminateSession", {"sessionId": session}, {"sessionId": session},
                           read_only=False)),
               (15.3, Call("monitoring.amazonaws.com", "PutMetricAlarm",
                           {"alarmName": "shop-web-5xx", "metricName": "HTTPCode_Target_5XX_Count",
                            "namespace": "AWS/ApplicationELB", "threshold": 25.0}, read_only=False)))
    out: Pairs = []
    for hour, call in changes:
        t = DAY_START + hour * HOUR + rng.uniform(0, 60)
        if start <= t < end:
            out.append((t, r.cloudtrail(rng, t, acct, ident, call, person.office_ip, person.browser, console=True)))
    return out


def cloudtrail_logging(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """The logging account: Config, CloudTrail's and Security Hub's own calls, the security team's console."""
    out = _aws_services(rng, start, end, scale, LOGGING, 0)
    out += _log_delivery(rng, start, end, scale)
    out += _people(rng, start, end, scale, LOGGING)
    return out


# --- VPC Flow Logs ------------------------------------------------------------------------------

WINDOW = 600  # the flow logs' maximum aggregation interval (AWS's default, 10 minutes)
CLIENT_POOL = tuple(f"{a}.{b}.{c}.{d}" for a, b, c, d in (
    (81, 2, 69, 142), (24, 48, 120, 7), (86, 130, 14, 201), (91, 198, 174, 192), (176, 31, 84, 249),
    (73, 162, 9, 88), (62, 210, 33, 17), (109, 70, 100, 41), (2, 56, 8, 120), (151, 62, 19, 233),
    (45, 77, 210, 13), (189, 6, 45, 101), (68, 45, 201, 9), (37, 120, 14, 66), (201, 17, 4, 190),
    (94, 23, 77, 150), (5, 9, 160, 38), (88, 130, 61, 4), (177, 54, 146, 72), (99, 203, 12, 245)))
NOISE_POOL = tuple(f"{a}.{b}.{c}.{d}" for a, b, c, d in (
    (45, 155, 205, 233), (167, 94, 138, 120), (194, 180, 49, 31), (162, 142, 125, 12), (80, 82, 77, 139),
    (71, 6, 199, 23), (198, 235, 24, 130), (147, 185, 132, 40), (185, 242, 226, 6), (89, 248, 165, 52)))
NOISE_PORTS = (23, 80, 443, 3389, 5900, 8080, 8443, 1433, 6379, 2375, 445, 25)


def _conn(rng: random.Random, host: Host, local: str, remote: str, port: int, t: int, inbound: bool,
          size: int, dst_service: str = "-") -> list[Flow]:
    """Both directions of one TCP connection as `host`'s interface records them."""
    ephemeral = rng.randint(32768, 60999)
    packets = max(4, size // 1200)
    end = t + WINDOW
    if inbound:
        return [Flow(host, remote, local, ephemeral, port, 6, packets // 3 + 2, size // 8 + 400, t, end),
                Flow(host, local, remote, port, ephemeral, 6, packets, size, t, end)]
    return [Flow(host, local, remote, ephemeral, port, 6, packets // 3 + 2, size // 8 + 400, t, end,
                 dst_service=dst_service),
            Flow(host, remote, local, port, ephemeral, 6, packets, size, t, end)]


def _flows(rng: random.Random, start: float, end: float, scale: float, version: int,
           windows: Callable[[random.Random, int, float], list[Flow]]) -> Pairs:
    out: Pairs = []
    first = int(start - (start - DAY_START) % WINDOW)
    for w in range(first, int(end), WINDOW):
        if w < start:
            continue
        for flow in windows(rng, w, scale):
            out.append((flow.start + rng.uniform(0, 1), r.flow_line(flow, version)))
    return out


def _prod_window(rng: random.Random, w: int, scale: float) -> list[Flow]:
    hour = int((w - DAY_START) // HOUR) % 24
    flows: list[Flow] = []
    end = w + WINDOW
    for _ in range(_count(rng, 120, w, end, scale, TRAFFIC)):
        alb = rng.choice(ALB_NODES)  # customers reach the load balancer on 443
        flows += _conn(rng, alb, alb.private_ip, rng.choice(CLIENT_POOL), 443, w + rng.randint(0, 59), True,
                       rng.randint(4_000, 90_000))
    for web in WEB_HOSTS:
        for _ in range(_count(rng, 18, w, end, scale, TRAFFIC)):
            alb = rng.choice(ALB_NODES)  # the ALB forwards to the web tier on 8080
            flows += _conn(rng, web, web.private_ip, alb.private_ip, 8080, w + rng.randint(0, 59), True,
                           rng.randint(3_000, 60_000))
        flows += _conn(rng, web, web.private_ip, DB.private_ip, 5432, w + rng.randint(0, 59), False,
                       rng.randint(20_000, 400_000))
        if rng.random() < 0.5:
            name = rng.choice(("api.stripe.com.", "hooks.slack.com.", "sentry.io."))
            flows += _conn(rng, web, web.private_ip, PUBLIC_NAMES[name], 443, w + rng.randint(0, 59), False,
                           rng.randint(2_000, 20_000))
        flows += _conn(rng, web, web.private_ip, "52.217.100.6", 443, w + rng.randint(0, 59), False,
                       rng.randint(50_000, 3_000_000), dst_service="S3")
    for worker in WORKERS:
        if hour < 6 and rng.random() < 0.3:  # idle at night: an interval with no traffic at all
            flows.append(Flow(worker, "-", "-", 0, 0, 0, 0, 0, w, w + WINDOW, status="NODATA"))
            continue
        flows += _conn(rng, worker, worker.private_ip, DB.private_ip, 5432, w + rng.randint(0, 59), False,
                       rng.randint(5_000, 200_000))
        flows += _conn(rng, worker, worker.private_ip, "3.218.182.53", 443, w + rng.randint(0, 59), False,
                       rng.randint(2_000, 50_000), dst_service="DYNAMODB")
    if w == DAY_START + 4 * HOUR + WINDOW:  # once, the interface could not capture an interval (capacity)
        flows.append(Flow(DB, "-", "-", 0, 0, 0, 0, 0, w, w + WINDOW, status="SKIPDATA"))
    for _ in range(_count(rng, 18, w, end, scale, FLAT)):  # the internet's background knocking
        alb = rng.choice(ALB_NODES)
        flows.append(Flow(alb, rng.choice(NOISE_POOL), alb.private_ip, rng.randint(1024, 65000),
                          rng.choice(NOISE_PORTS), 6, 1, 44, w + rng.randint(0, 599), w + WINDOW, action="REJECT",
                          tcp_flags=2))
    return flows


def vpcflow_prod(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """The production VPC's flow log, in the custom version-5 format."""
    return _flows(rng, start, end, scale, 5, _prod_window)


def _staging_window(rng: random.Random, w: int, scale: float) -> list[Flow]:
    flows: list[Flow] = []
    for host in STAGING_HOSTS:
        for _ in range(_count(rng, 12, w, w + WINDOW, scale, FLAT)):
            flows += _conn(rng, host, host.private_ip, "10.20.0.10", 8080, w + rng.randint(0, 59), True,
                           rng.randint(2_000, 30_000))
        flows += _conn(rng, host, host.private_ip, "10.20.3.15", 5432, w + rng.randint(0, 59), False,
                       rng.randint(5_000, 80_000))
    if rng.random() < 0.15:  # the old runner pulls its job queue now and then
        flows += _conn(rng, EXPOSED, EXPOSED.private_ip, PUBLIC_NAMES["api.github.com."], 443,
                       w + rng.randint(0, 59), False, rng.randint(3_000, 12_000))
    for _ in range(_count(rng, 12, w, w + WINDOW, scale, FLAT)):
        flows.append(Flow(EXPOSED, rng.choice(NOISE_POOL), EXPOSED.private_ip, rng.randint(1024, 65000),
                          rng.choice(NOISE_PORTS), 6, 1, 40, w + rng.randint(0, 599), w + WINDOW, action="REJECT",
                          tcp_flags=2))
    return flows


def vpcflow_staging(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """The staging VPC's flow log, in the default format (version 2)."""
    return _flows(rng, start, end, scale, 2, _staging_window)


# --- Route 53 Resolver query logs ---------------------------------------------------------------


def _dns(rng: random.Random, start: float, end: float, scale: float, hosts: tuple[Host, ...], per_hour: float,
         names: dict[str, str]) -> Pairs:
    out: Pairs = []
    pool = list(names.items())
    for host in hosts:
        for t in _times(rng, per_hour, start, end, scale, TRAFFIC):
            if rng.random() < 0.01:  # the search list tried first: ordinary, occasional NXDOMAIN
                name = rng.choice(("shop-db.ec2.internal.", "metrics.ec2.internal."))
                out.append((t, r.dns_query(rng, t, host, name, None, rcode="NXDOMAIN")))
                continue
            name, answer = rng.choice(pool)
            out.append((t, r.dns_query(rng, t, host, name, answer)))
            if rng.random() < 0.1:
                out.append((t + 0.002, r.dns_query(rng, t + 0.002, host, name, None, qtype="AAAA")))
    return out


def route53_prod(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """Queries of the production VPC: AWS endpoints, payment and chat APIs, time."""
    names = {**AWS_ENDPOINTS, **{k: v for k, v in PUBLIC_NAMES.items() if k in (
        "api.stripe.com.", "hooks.slack.com.", "sentry.io.", "ntp.ubuntu.com.", "time.aws.com.")},
        "shop-db.cluster-c9xkq2v1mz3p.us-east-1.rds.amazonaws.com.": DB.private_ip}
    return _dns(rng, start, end, scale, WEB_HOSTS + WORKERS, 30, names)


def route53_staging(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """Queries of the staging VPC, the old CI runner's included (GitHub, package registries)."""
    out = _dns(rng, start, end, scale, STAGING_HOSTS, 15, AWS_ENDPOINTS)
    ci = {k: v for k, v in PUBLIC_NAMES.items() if k in ("github.com.", "api.github.com.", "registry.npmjs.org.",
                                                          "pypi.org.", "files.pythonhosted.org.")}
    out += _dns(rng, start, end, scale, (EXPOSED,), 3, ci)
    return out


# --- AWS WAF ------------------------------------------------------------------------------------

BROWSERS = (CHROME,
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Version/18.1 Mobile/15E148 Safari/604.1"),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
             "Mobile Safari/537.36"))
COUNTRIES = ("GB", "US", "DE", "FR", "CA", "BR", "NL", "ES", "IE", "MX")
PAGES = (("GET", "/", ""), ("GET", "/products", "category=boots&page=2"), ("GET", "/products/4711", ""),
         ("GET", "/static/app.3f9c2e.js", ""), ("GET", "/static/styles.8d1a4b.css", ""),
         ("GET", "/api/cart", ""), ("POST", "/api/cart/items", ""), ("GET", "/search", "q=winter+jacket"),
         ("GET", "/search", "q=running+shoes&sort=price"), ("POST", "/api/checkout", ""),
         ("POST", "/api/login", ""), ("GET", "/account/orders", ""), ("GET", "/favicon.ico", ""))


def waf_prod(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """Customers browsing the shop; a few requests stopped by the IP reputation list or a size limit."""
    out: Pairs = []
    for t in _times(rng, 260, start, end, scale, TRAFFIC):
        client = rng.randrange(len(CLIENT_POOL))
        method, uri, args = rng.choice(PAGES)
        request = Request(CLIENT_POOL[client], COUNTRIES[client % len(COUNTRIES)], method, uri, args,
                          BROWSERS[client % len(BROWSERS)], body_size=rng.randint(80, 900) if method == "POST" else 0)
        if rng.random() < 0.004:
            request = Request(rng.choice(NOISE_POOL), "NL", "GET", "/", "", BROWSERS[0], action="BLOCK",
                              rule="AWSManagedIPReputationList", rule_group="AWSManagedRulesAmazonIpReputationList",
                              labels=("awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList",))
        out.append((t, r.waf_record(rng, t, PROD, WEB_ACL, request)))
    return out


# --- GuardDuty, Security Hub --------------------------------------------------------------------


def guardduty_staging(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """Low-severity findings of an instance that the internet probes: a web port, and an archived SSH probe."""
    out: Pairs = []
    for hour, port, archived in ((0.7, 80, False), (11.3, 22, True)):
        t = DAY_START + hour * HOUR
        if start <= t < end:
            action = {"actionType": "PORT_PROBE", "portProbeAction": {"blocked": False, "portProbeDetails": [
                {"localPortDetails": {"port": port, "portName": "HTTP" if port == 80 else "SSH"},
                 "remoteIpDetails": {"ipAddressV4": NOISE_POOL[int(hour) % len(NOISE_POOL)],
                                     "organization": {"asnOrg": "Example Hosting"},
                                     "country": {"countryName": "Netherlands"}}}]}}
            title = f"Unprotected port on EC2 instance {EXPOSED.instance_id} is being probed."
            out.append((t, r.finding(rng, t - 1800, t, EXPOSED, "Recon:EC2/PortProbeUnprotectedPort", 2, title,
                                     action, count=7, archived=archived)))
    return out


def guardduty_prod(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """A worker reaching an unusual port of an AWS-hosted partner: a medium, reviewed-and-known behaviour."""
    t = DAY_START + 15.2 * HOUR
    if not start <= t < end:
        return []
    action = {"actionType": "NETWORK_CONNECTION", "networkConnectionAction": {
        "connectionDirection": "OUTBOUND", "protocol": "TCP", "blocked": False,
        "remoteIpDetails": {"ipAddressV4": "52.94.133.131", "organization": {"asnOrg": "AMAZON-02"}},
        "remotePortDetails": {"port": 8883, "portName": "Unknown"}, "localPortDetails": {"port": 44218}}}
    title = f"EC2 instance {WORKERS[0].instance_id} is communicating on an unusual server port 8883."
    return [(t, r.finding(rng, t - 600, t, WORKERS[0], "Behavior:EC2/NetworkPortUnusual", 5, title, action,
                          count=3, role="ACTOR"))]


# Posture checks of a well-kept organization: its failed controls are of medium severity (a critical or high
# failed control is an alert of the pack, not background).
POSTURE = (("S3.8", "S3 general purpose buckets should block public access", "MEDIUM", "AwsS3Bucket",
            "arn:aws:s3:::shop-prod-assets", PROD, "PASSED"),
           ("IAM.3", "IAM users' access keys should be rotated every 90 days or less", "MEDIUM", "AwsIamUser",
            f"arn:aws:iam::{PROD.id}:user/ci-legacy-deployer", PROD, "FAILED"),
           ("CloudTrail.1", "CloudTrail should be enabled and configured with at least one multi-Region trail",
            "HIGH", "AwsAccount", f"AWS::::Account:{PROD.id}", PROD, "PASSED"),
           ("GuardDuty.1", "GuardDuty should be enabled", "HIGH", "AwsAccount", f"AWS::::Account:{STAGING.id}",
            STAGING, "PASSED"),
           ("RDS.3", "RDS DB instances should have encryption at-rest enabled", "MEDIUM", "AwsRdsDbInstance",
            f"arn:aws:rds:us-east-1:{PROD.id}:db:shop-db", PROD, "PASSED"),
           ("Lambda.2", "Lambda functions should use supported runtimes", "MEDIUM", "AwsLambdaFunction",
            f"arn:aws:lambda:us-east-1:{PROD.id}:function:order-processor", PROD, "PASSED"),
           ("ECR.1", "ECR private repositories should have image scanning configured", "HIGH", "AwsEcrRepository",
            f"arn:aws:ecr:us-east-1:{PROD.id}:repository/shop-web", PROD, "PASSED"),
           ("S3.5", "S3 general purpose buckets should require requests to use SSL", "MEDIUM", "AwsS3Bucket",
            "arn:aws:s3:::shop-staging-uploads", STAGING, "FAILED"))


def securityhub_logging(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """The delegated administrator's posture findings, re-evaluated through the day (Firehose to S3)."""
    out: Pairs = []
    for t in _times(rng, 2.5, start, end, scale):
        control, title, severity, rtype, resource, acct, status = rng.choice(POSTURE)
        out.append((t, r.securityhub_event(rng, t, LOGGING, acct, control, title, severity, rtype, resource, status)))
    return out


# --- S3 server access logs, the application's log -----------------------------------------------


def s3access_assets(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """The catalogue images read by the web tier through the gateway endpoint."""
    out: Pairs = []
    for t in _times(rng, 24, start, end, scale, TRAFFIC):
        web = rng.choice(WEB_HOSTS)
        requester = f"arn:aws:sts::{PROD.id}:assumed-role/shop-web-role/{web.instance_id}"
        out.append((t, r.s3_access_line(rng, t, "shop-prod-assets", web.private_ip, requester, "REST.GET.OBJECT",
                                        f"catalog/images/{rng.randint(1000, 9999)}.webp", 200,
                                        rng.randint(8_000, 240_000), SDK_JAVA)))
    return out


def s3access_exports(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """The nightly customer export written by a worker, then fetched by the analytics job."""
    out: Pairs = []
    for t in _times(rng, 30, start, end, scale, tuple(1.0 * (h == 1) * 24 for h in range(24))):
        worker = WORKERS[1]
        requester = f"arn:aws:sts::{PROD.id}:assumed-role/shop-worker-role/{worker.instance_id}"
        out.append((t, r.s3_access_line(rng, t, "shop-prod-customer-exports", worker.private_ip, requester,
                                        "REST.PUT.OBJECT", f"exports/2026-11-20/part-{rng.randint(0, 999):05d}.csv.gz",
                                        200, rng.randint(200_000, 2_000_000), SDK_BOTO)))
    return out


SHOPPERS = tuple(f"customer{n:04d}@example.net" for n in range(1, 121))


def applog_shop(rng: random.Random, start: float, end: float, scale: float) -> Pairs:
    """The shop's own log: sign-ins, carts and orders, and the odd mistyped password."""
    out: Pairs = []
    for t in _times(rng, 180, start, end, scale, TRAFFIC):
        n = rng.randrange(len(SHOPPERS))
        user, ip = SHOPPERS[n], CLIENT_POOL[n % len(CLIENT_POOL)]
        roll = rng.random()
        if roll < 0.02:
            out.append((t, r.app_log(t, "WARN", "sign-in failed: wrong password", user, ip, "login", "failure")))
            out.append((t + 9, r.app_log(t + 9, "INFO", "signed in", user, ip, "login", "success")))
        elif roll < 0.25:
            out.append((t, r.app_log(t, "INFO", "signed in", user, ip, "login", "success")))
        elif roll < 0.75:
            out.append((t, r.app_log(t, "INFO", "item added to cart", user, ip, "cart_add", "success")))
        elif roll < 0.97:
            out.append((t, r.app_log(t, "INFO", f"order {rng.randint(100000, 999999)} placed", user, ip, "checkout",
                                     "success")))
        else:
            out.append((t, r.app_log(t, "ERROR", "payment declined by the card issuer", user, ip, "checkout",
                                     "failure")))
    return out


# Every delivery stream of the day and its benign content.
BACKGROUND: dict[Stream, Generator] = {
    Stream("cloudtrail", PROD.id): cloudtrail_prod,
    Stream("cloudtrail", STAGING.id): cloudtrail_staging,
    Stream("cloudtrail", LOGGING.id): cloudtrail_logging,
    Stream("vpcflow", PROD.id, "fl-0" + hexid("prod-flow", 16), 5): vpcflow_prod,
    Stream("vpcflow", STAGING.id, "fl-0" + hexid("staging-flow", 16), 2): vpcflow_staging,
    Stream("route53", PROD.id, str(PROD.vpc_id)): route53_prod,
    Stream("route53", STAGING.id, str(STAGING.vpc_id)): route53_staging,
    Stream("waf", PROD.id, WEB_ACL): waf_prod,
    Stream("guardduty", PROD.id): guardduty_prod,
    Stream("guardduty", STAGING.id): guardduty_staging,
    Stream("securityhub", LOGGING.id): securityhub_logging,
    Stream("s3access", PROD.id, "shop-prod-assets"): s3access_assets,
    Stream("s3access", PROD.id, "shop-prod-customer-exports"): s3access_exports,
    Stream("applog", PROD.id, "shop"): applog_shop,
}
