"""The CloudFormation template: cfn-lint clean, and deployed on the moto server it ships an object end to end."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from elasticsearch import Elasticsearch

from cloudsift.cli import main
from cloudsift.elastic import EsSettings
from shipper.templates import data_stream

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "aws" / "cloudsift.yaml"
KEY = ("AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/20/"
       "123456789012_vpcflowlogs_us-east-1_fl-0abc_20261120T0000Z_cfn.log.gz")
HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"


def _flows(n: int) -> bytes:
    lines = [HEADER] + [f"2 123456789012 eni-0a1b 10.0.0.{i} 10.1.0.2 {1024 + i} 443 6 10 840 1763596800 1763596860 "
                        "ACCEPT OK" for i in range(n)]
    return gzip.compress(("\n".join(lines) + "\n").encode())


def test_the_template_passes_cfn_lint() -> None:
    """cfn-lint finds no error and no warning in the template."""
    cfn_lint = Path(sys.executable).with_name("cfn-lint")  # installed with the dev extra, beside this Python
    run = subprocess.run([str(cfn_lint), str(TEMPLATE)], check=False, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_deployed_stack_ships_an_object_end_to_end(es: Elasticsearch, es_settings: EsSettings, ns: str,
                                                       moto_endpoint: str, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture) -> None:
    """On moto's CloudFormation the stack's rule routes an S3 Object Created event to its queue, and the
    shipper, assuming the stack's role, ships the object and empties the queue."""
    monkeypatch.setenv("ELASTICSEARCH_URL", es_settings.url)
    monkeypatch.setenv("ELASTICSEARCH_USERNAME", es_settings.username or "")
    monkeypatch.setenv("ELASTICSEARCH_PASSWORD", es_settings.password or "")
    bucket = f"{ns}-logs"
    boto3.client("s3").create_bucket(Bucket=bucket)
    cfn = boto3.client("cloudformation")
    cfn.create_stack(StackName=f"{ns}-cloudsift", TemplateBody=TEMPLATE.read_text(), Capabilities=["CAPABILITY_IAM"],
                     Parameters=[{"ParameterKey": "LogBucketName", "ParameterValue": bucket},
                                 {"ParameterKey": "ShipperAccountId", "ParameterValue": "123456789012"}])
    stack = cfn.describe_stacks(StackName=f"{ns}-cloudsift")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    boto3.client("s3").put_object(Bucket=bucket, Key=KEY, Body=_flows(12))
    # What S3 sends to EventBridge when the bucket's EventBridge notifications are on.
    detail = {"version": "0", "bucket": {"name": bucket}, "object": {"key": KEY, "size": 100}, "reason": "PutObject"}
    boto3.client("events").put_events(Entries=[{"Source": "aws.s3", "DetailType": "Object Created",
                                                "Detail": json.dumps(detail), "Resources": [f"arn:aws:s3:::{bucket}"]}])
    boto3.client("events").put_events(Entries=[{"Source": "aws.s3", "DetailType": "Object Created", "Detail": json.dumps(
        {**detail, "object": {"key": "elsewhere/not-shipped.gz", "size": 1}})}])  # outside the prefix: no message
    status = main(["ship", "--from", f"sqs://{out['QueueUrl']}", "--role-arn", out["ShipperRoleArn"], "--once",
                   "--namespace", ns, "--state-index", f"{ns}-state", "--progress", "json"])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status == 0 and summary["objects"] == 1 and summary["indexed"] == 12
    es.indices.refresh(index=data_stream("aws.vpcflow", ns))
    assert es.count(index=data_stream("aws.vpcflow", ns))["count"] == 12
    attrs = boto3.client("sqs").get_queue_attributes(QueueUrl=out["QueueUrl"], AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == 5
