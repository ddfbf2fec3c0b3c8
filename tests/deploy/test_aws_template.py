"""The CloudFormation template: cfn-lint clean, and deployed on the moto server it ships an object end to end;
with the Lambda, its optional config object and GeoIP layer reach the function's environment and role."""
from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest
from elasticsearch import Elasticsearch

from cloudsift.cli import main
from cloudsift.elastic import EsSettings
from shipper import aws_lambda
from shipper.templates import data_stream

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "aws" / "cloudsift.yaml"
KEY = ("AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/20/"
       "123456789012_vpcflowlogs_us-east-1_fl-0abc_20261120T0000Z_cfn.log.gz")
HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"


LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:cloudsift-geoip:3"


def _flows(n: int, src: str | None = None) -> bytes:
    """A gzipped flow log of n accepted flows, from 10.0.0.<i> or else from `src`."""
    lines = [HEADER] + [f"2 123456789012 eni-0a1b {src or f'10.0.0.{i}'} 10.1.0.2 {1024 + i} 443 6 10 840 "
                        "1763596800 1763596860 ACCEPT OK" for i in range(n)]
    return gzip.compress(("\n".join(lines) + "\n").encode())


@pytest.mark.parametrize("parameters", [
    [],
    ["LogBucketName=org-logs", "ShipperAccountId=123456789012", "LambdaCodeBucket=org-code"],
    ["LogBucketName=org-logs", "ShipperAccountId=123456789012", "LambdaCodeBucket=org-code",
     "ConfigObjectUrl=s3://org-config/cloudsift/ship.yml", f"GeoIPLayerArn={LAYER}", "GeoIPAsnPath="],
], ids=["unresolved", "lambda", "lambda-with-config-and-geoip-layer"])
def test_the_template_passes_cfn_lint(parameters: list[str]) -> None:
    """cfn-lint finds no error and no warning in the template, as written and resolved with these parameters."""
    cfn_lint = Path(sys.executable).with_name("cfn-lint")  # installed with the dev extra, beside this Python
    args = [str(cfn_lint), str(TEMPLATE)] + (["--parameters", *parameters] if parameters else [])
    run = subprocess.run(args, check=False, capture_output=True, text=True)
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


def _lambda_stack(ns: str, es_url: str, **extra: str) -> dict[str, str]:
    """The stack with its Lambda (a code object in a bucket of its own, the Elasticsearch secret's name),
    plus `extra` parameters; its resources' physical ids by logical id."""
    s3 = boto3.client("s3")
    for bucket in (f"{ns}-logs", f"{ns}-code"):
        s3.create_bucket(Bucket=bucket)
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:  # moto keeps the code; nothing runs it
        z.writestr("shipper/__init__.py", "")
    s3.put_object(Bucket=f"{ns}-code", Key="cloudsift-lambda.zip", Body=code.getvalue())
    parameters = {"LogBucketName": f"{ns}-logs", "ShipperAccountId": "123456789012", "LambdaCodeBucket": f"{ns}-code",
                  "ElasticsearchUrl": es_url, "ElasticsearchSecretName": f"{ns}-es", **extra}
    cfn = boto3.client("cloudformation")
    cfn.create_stack(StackName=f"{ns}-cloudsift", TemplateBody=TEMPLATE.read_text(), Capabilities=["CAPABILITY_IAM"],
                     Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()])
    assert cfn.describe_stacks(StackName=f"{ns}-cloudsift")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    resources = cfn.list_stack_resources(StackName=f"{ns}-cloudsift")["StackResourceSummaries"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}


def test_without_config_or_layer_the_function_has_neither(moto_endpoint: str, ns: str) -> None:
    """The new parameters left empty: the function's environment is the Elasticsearch pair alone, and its role
    has no policy on a config object."""
    ids = _lambda_stack(ns, "https://es.example.com:9200")
    config = boto3.client("lambda").get_function_configuration(FunctionName=ids["ShipperFunction"])
    assert config["Environment"]["Variables"] == {"ELASTICSEARCH_URL": "https://es.example.com:9200",
                                                  "CLOUDSIFT_ES_SECRET_ID": f"{ns}-es"}
    assert "ConfigObjectPolicy" not in ids
    assert boto3.client("iam").list_role_policies(RoleName=ids["LambdaRole"])["PolicyNames"] == [
        "cloudsift-elasticsearch-secret"]


def test_the_config_object_and_geoip_layer_reach_the_function(
        es: Elasticsearch, es_settings: EsSettings, ns: str, moto_endpoint: str, geoip_dbs: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """ConfigObjectUrl becomes CLOUDSIFT_CONFIG and a policy reading that one object; with GeoIPLayerArn the City
    path becomes CLOUDSIFT_GEOIP_CITY (the ASN path left empty: no CLOUDSIFT_GEOIP_ASN). The handler, run with
    exactly that environment, reads the config object (its namespace) and enriches from the City database.
    (moto's CloudFormation drops a function's Layers, so the layer itself is checked by cfn-lint only.)"""
    boto3.client("secretsmanager").create_secret(Name=f"{ns}-es", SecretString=json.dumps(
        {"username": es_settings.username, "password": es_settings.password}))
    boto3.client("s3").create_bucket(Bucket=f"{ns}-config")
    boto3.client("s3").put_object(Bucket=f"{ns}-config", Key="cloudsift/ship.yml", Body=f"namespace: {ns}\n".encode())
    url = f"s3://{ns}-config/cloudsift/ship.yml"
    # The test's City database stands in for the layer's /opt/GeoLite2-City.mmdb.
    ids = _lambda_stack(ns, es_settings.url, ConfigObjectUrl=url, GeoIPLayerArn=LAYER,
                        GeoIPCityPath=str(geoip_dbs[0]), GeoIPAsnPath="")
    env = boto3.client("lambda").get_function_configuration(FunctionName=ids["ShipperFunction"])["Environment"]
    assert env["Variables"] == {"ELASTICSEARCH_URL": es_settings.url, "CLOUDSIFT_ES_SECRET_ID": f"{ns}-es",
                                "CLOUDSIFT_CONFIG": url, "CLOUDSIFT_GEOIP_CITY": str(geoip_dbs[0])}
    policy = boto3.client("iam").get_role_policy(RoleName=ids["LambdaRole"], PolicyName="cloudsift-config")
    assert policy["PolicyDocument"]["Statement"] == [{"Sid": "ReadConfigObject", "Effect": "Allow",
                                                      "Action": "s3:GetObject",
                                                      "Resource": f"arn:aws:s3:::{ns}-config/cloudsift/ship.yml"}]

    for name in ("ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD", "ELASTICSEARCH_API_KEY", "CLOUDSIFT_NAMESPACE",
                 "CLOUDSIFT_GEOIP_ASN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env["Variables"].items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(aws_lambda, "_container", None)
    boto3.client("s3").put_object(Bucket=f"{ns}-logs", Key=KEY, Body=_flows(3, src="89.160.20.156"))
    body = {"detail-type": "Object Created", "source": "aws.s3", "region": "us-east-1",
            "detail": {"bucket": {"name": f"{ns}-logs"}, "object": {"key": KEY, "size": 100}}}
    event = {"Records": [{"messageId": "m1", "body": json.dumps(body), "attributes": {"ApproximateReceiveCount": "1"},
                          "eventSource": "aws:sqs", "awsRegion": "us-east-1"}]}
    assert aws_lambda.handler(event, None) == {"batchItemFailures": []}
    stream = data_stream("aws.vpcflow", ns)  # the config object's namespace: no CLOUDSIFT_NAMESPACE is set
    es.indices.refresh(index=stream)
    hits = es.search(index=stream, query={"term": {"source.geo.country_iso_code": "SE"}})["hits"]
    assert hits["total"]["value"] == 3 and "as" not in hits["hits"][0]["_source"]["source"]
