"""`cloudsift deploy aws`: the CloudFormation template's resources made with boto3, idempotently.

For users without CloudFormation: the queue and its dead-letter queue, the EventBridge rule that
sends the log bucket's Object Created events under the prefix to the queue, the queue policy that
lets only that rule send, the bucket's EventBridge notifications, and the shipper role (trusting
the shipper's account, reading only the prefix, consuming only the queue). Each step compares what
is there with what should be and changes only the difference; nothing is ever deleted.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import ClientError

# Kept in step with deploy/aws/cloudsift.yaml (a test compares the two).
RETENTION_SECONDS = 1_209_600  # 14 days, SQS's maximum
WAIT_SECONDS = 20
POLICY_NAME = "cloudsift-shipper"


@dataclass(frozen=True, slots=True)
class Target:
    """What to deploy: the template's parameters."""

    bucket: str
    account: str  # the logging account (where this runs)
    region: str
    prefix: str = "AWSLogs/"
    shipper_account: str | None = None  # None: the logging account itself
    external_id: str | None = None
    kms_key_arn: str | None = None
    name: str = "cloudsift"
    visibility_timeout: int = 300
    max_receive_count: int = 5

    @property
    def queue_arn(self) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account}:{self.name}"

    @property
    def rule_arn(self) -> str:
        return f"arn:aws:events:{self.region}:{self.account}:rule/{self.name}-object-created"


def event_pattern(t: Target) -> dict:
    """The EventBridge pattern: the bucket's Object Created events under the prefix."""
    return {"source": ["aws.s3"], "detail-type": ["Object Created"],
            "detail": {"bucket": {"name": [t.bucket]}, "object": {"key": [{"prefix": t.prefix}]}}}


def queue_policy(t: Target) -> dict:
    """Only the rule may send to the queue."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "EventBridgeSendsObjectCreated", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": t.queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": t.rule_arn}},
    }]}


def trust_policy(t: Target) -> dict:
    """The shipper's account may assume the role (with the external id, if one is set)."""
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole",
                                 "Principal": {"AWS": f"arn:aws:iam::{t.shipper_account or t.account}:root"}}
    if t.external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": t.external_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def shipper_policy(t: Target) -> dict:
    """Read the prefix's objects, consume the queue, decrypt through S3 only: nothing else."""
    statements: list[dict] = [
        {"Sid": "ReadLogObjects", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{t.bucket}/{t.prefix}*"},
        {"Sid": "ConsumeQueue", "Effect": "Allow",
         "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
         "Resource": t.queue_arn},
    ]
    if t.kms_key_arn:
        statements.append({"Sid": "DecryptLogObjects", "Effect": "Allow", "Action": "kms:Decrypt",
                           "Resource": t.kms_key_arn,
                           "Condition": {"StringEquals": {"kms:ViaService": f"s3.{t.region}.amazonaws.com"}}})
    return {"Version": "2012-10-17", "Statement": statements}


class Deployer:
    """Brings the account to the Target; `changes` lists what was (or, with dry_run, would be) changed."""

    def __init__(self, session: Any, target: Target, *, dry_run: bool) -> None:
        self._sqs = session.client("sqs", region_name=target.region)
        self._events = session.client("events", region_name=target.region)
        self._s3 = session.client("s3", region_name=target.region)
        self._iam = session.client("iam")
        self._t = target
        self._dry = dry_run
        self.changes: list[str] = []

    def run(self) -> list[str]:
        """Every step in dependency order."""
        t = self._t
        self._queue(f"{t.name}-dlq", {"MessageRetentionPeriod": str(RETENTION_SECONDS),
                                                "SqsManagedSseEnabled": "true"})
        dlq_arn = f"arn:aws:sqs:{t.region}:{t.account}:{t.name}-dlq"
        self._queue(t.name, {
            "VisibilityTimeout": str(t.visibility_timeout), "MessageRetentionPeriod": str(RETENTION_SECONDS),
            "ReceiveMessageWaitTimeSeconds": str(WAIT_SECONDS), "SqsManagedSseEnabled": "true",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": t.max_receive_count}),
            "Policy": json.dumps(queue_policy(t)),
        })
        self._rule()
        self._bucket_notifications()
        self._role()
        return self.changes

    def _change(self, what: str, apply: Callable[[], object]) -> None:
        self.changes.append(what)
        if not self._dry:
            apply()

    def _queue(self, name: str, wanted: dict[str, str]) -> None:
        try:
            url = self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except ClientError as exc:
            if "NonExistentQueue" not in str(exc.response.get("Error", {}).get("Code", "")):
                raise
            self._change(f"create queue {name}", lambda: self._sqs.create_queue(QueueName=name, Attributes=wanted))
            return
        have = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        differ = {k: v for k, v in wanted.items() if not _same(have.get(k), v)}
        if differ:
            self._change(f"update queue {name}: {', '.join(sorted(differ))}",
                         lambda: self._sqs.set_queue_attributes(QueueUrl=url, Attributes=differ))

    def _rule(self) -> None:
        t = self._t
        name = f"{t.name}-object-created"
        pattern = event_pattern(t)
        try:
            have = json.loads(self._events.describe_rule(Name=name).get("EventPattern", "{}"))
        except ClientError:
            have = None
        if have != pattern:
            self._change(f"{'create' if have is None else 'update'} EventBridge rule {name}", lambda: self._events.put_rule(
                Name=name, EventPattern=json.dumps(pattern), State="ENABLED",
                Description="S3 Object Created events of the log bucket, under the log prefix, to the cloudsift queue"))
        targets = [] if have is None else self._events.list_targets_by_rule(Rule=name).get("Targets", [])
        if [x.get("Arn") for x in targets] != [t.queue_arn]:
            self._change(f"point EventBridge rule {name} at queue {t.name}", lambda: self._events.put_targets(
                Rule=name, Targets=[{"Id": "cloudsift-queue", "Arn": t.queue_arn}]))

    def _bucket_notifications(self) -> None:
        bucket = self._t.bucket
        config = self._s3.get_bucket_notification_configuration(Bucket=bucket)
        config.pop("ResponseMetadata", None)
        if "EventBridgeConfiguration" in config:
            return
        # The bucket's other notifications are kept: the configuration is replaced as a whole.
        self._change(f"turn on EventBridge notifications of bucket {bucket}",
                     lambda: self._s3.put_bucket_notification_configuration(
                         Bucket=bucket, NotificationConfiguration={**config, "EventBridgeConfiguration": {}}))

    def _role(self) -> None:
        t = self._t
        name = f"{t.name}-shipper"
        trust, policy = trust_policy(t), shipper_policy(t)
        try:
            role = self._iam.get_role(RoleName=name)["Role"]
        except self._iam.exceptions.NoSuchEntityException:
            self._change(f"create role {name}", lambda: self._iam.create_role(
                RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), MaxSessionDuration=3600,
                Description="cloudsift shipper - reads the log objects its queue names, nothing else"))
            self._change(f"put policy {POLICY_NAME} on role {name}", lambda: self._iam.put_role_policy(
                RoleName=name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policy)))
            return
        if _document(role["AssumeRolePolicyDocument"]) != trust:
            self._change(f"update the trust policy of role {name}", lambda: self._iam.update_assume_role_policy(
                RoleName=name, PolicyDocument=json.dumps(trust)))
        try:
            have = _document(self._iam.get_role_policy(RoleName=name, PolicyName=POLICY_NAME)["PolicyDocument"])
        except self._iam.exceptions.NoSuchEntityException:
            have = None
        if have != policy:
            self._change(f"put policy {POLICY_NAME} on role {name}", lambda: self._iam.put_role_policy(
                RoleName=name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policy)))


def _document(value: Any) -> Any:
    """A policy as IAM returns it (a dict, or URL-encoded JSON text) as a dict."""
    if isinstance(value, str):
        return json.loads(unquote(value))
    return value


def _same(have: str | None, want: str) -> bool:
    """Queue attributes compare as JSON where they are JSON (policies come back reformatted)."""
    if have == want:
        return True
    try:
        return have is not None and json.loads(have) == json.loads(want)
    except ValueError:
        return False
