"""`cloudsift deploy aws` on the moto server: idempotent, a dry run changes nothing, and what it makes ships."""
from __future__ import annotations

import json

import boto3
import pytest
from elasticsearch import Elasticsearch

from cloudsift.cli import main
from cloudsift.elastic import EsSettings
from deploy.aws.apply import Target, event_pattern
from shipper.templates import data_stream

from .test_aws_template import KEY, TEMPLATE, _flows


def _deploy(capsys: pytest.CaptureFixture, *args: str) -> list[str]:
    assert main(["deploy", "aws", *args]) == 0
    return capsys.readouterr().out.strip().splitlines()


def test_a_dry_run_lists_the_changes_and_makes_none(moto_endpoint: str, ns: str, capsys: pytest.CaptureFixture) -> None:
    """--dry-run on an empty account says what it would create; nothing exists afterwards."""
    boto3.client("s3").create_bucket(Bucket=f"{ns}-logs")
    lines = _deploy(capsys, "--bucket", f"{ns}-logs", "--name", ns, "--dry-run")
    assert f"would create queue {ns}" in lines and f"would create role {ns}-shipper" in lines
    assert not boto3.client("sqs").list_queues(QueueNamePrefix=ns).get("QueueUrls")


def test_deploy_twice_then_ship_through_what_it_made(es: Elasticsearch, es_settings: EsSettings, moto_endpoint: str,
                                                    ns: str, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture) -> None:
    """The second run says "no changes"; the queue receives the bucket's events and the role reads the object."""
    bucket = f"{ns}-logs"
    boto3.client("s3").create_bucket(Bucket=bucket)
    first = _deploy(capsys, "--bucket", bucket, "--name", ns)
    assert f"turn on EventBridge notifications of bucket {bucket}" in first
    # moto accepts a bucket's EventBridgeConfiguration but never returns it (S3 does), so on moto, and
    # only there, the bucket step shows again; everything else must be unchanged.
    moto_gap = f"turn on EventBridge notifications of bucket {bucket}"
    assert [c for c in _deploy(capsys, "--bucket", bucket, "--name", ns) if c != moto_gap] == []
    changed = _deploy(capsys, "--bucket", bucket, "--name", ns, "--visibility-timeout", "600")
    assert [c for c in changed if c != moto_gap] == [f"update queue {ns}: VisibilityTimeout"]

    boto3.client("s3").put_object(Bucket=bucket, Key=KEY, Body=_flows(9))
    boto3.client("events").put_events(Entries=[{"Source": "aws.s3", "DetailType": "Object Created", "Detail": json.dumps(
        {"bucket": {"name": bucket}, "object": {"key": KEY, "size": 100}})}])
    for name, value in (("URL", es_settings.url), ("USERNAME", es_settings.username), ("PASSWORD", es_settings.password)):
        monkeypatch.setenv(f"ELASTICSEARCH_{name}", value or "")
    queue = boto3.client("sqs").get_queue_url(QueueName=ns)["QueueUrl"]
    status = main(["ship", "--from", f"sqs://{queue}", "--role-arn", f"arn:aws:iam::123456789012:role/{ns}-shipper",
                   "--once", "--namespace", ns, "--state-index", f"{ns}-state", "--progress", "json"])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status == 0 and summary["indexed"] == 9
    es.indices.refresh(index=data_stream("aws.vpcflow", ns))
    assert es.count(index=data_stream("aws.vpcflow", ns))["count"] == 9


def test_deploy_aws_makes_what_the_template_makes(moto_endpoint: str, ns: str, capsys: pytest.CaptureFixture) -> None:
    """The stack's rule pattern and queue settings are the ones `deploy aws` sets."""
    bucket = f"{ns}-logs"
    boto3.client("s3").create_bucket(Bucket=bucket)
    cfn = boto3.client("cloudformation")
    cfn.create_stack(StackName=f"{ns}-cmp", TemplateBody=TEMPLATE.read_text(), Capabilities=["CAPABILITY_IAM"],
                     Parameters=[{"ParameterKey": "LogBucketName", "ParameterValue": bucket},
                                 {"ParameterKey": "ShipperAccountId", "ParameterValue": "123456789012"}])
    resources = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                 for r in cfn.list_stack_resources(StackName=f"{ns}-cmp")["StackResourceSummaries"]}
    rule = boto3.client("events").describe_rule(Name=resources["ObjectCreatedRule"].split("|")[0].split("/")[-1])
    assert json.loads(rule["EventPattern"]) == event_pattern(Target(bucket, "123456789012", "us-east-1"))
    _deploy(capsys, "--bucket", bucket, "--name", ns)
    sqs = boto3.client("sqs")
    keys = ["VisibilityTimeout", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds", "SqsManagedSseEnabled"]

    def settings(url: str) -> dict:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return {**{k: attrs[k] for k in keys}, "maxReceiveCount": json.loads(attrs["RedrivePolicy"])["maxReceiveCount"]}

    assert settings(resources["Queue"]) == settings(sqs.get_queue_url(QueueName=ns)["QueueUrl"])
