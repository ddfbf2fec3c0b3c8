"""The Lambda entry point with real SQS event payloads, against the moto server and the real node."""
from __future__ import annotations

import json

import boto3
import pytest
from elasticsearch import Elasticsearch

from cloudsift.elastic import EsSettings
from shipper import aws_lambda

from .conftest import dead, flow_key, flow_object, flows, put, s3_event, send


class _Context:
    function_name = "cloudsift-test"


@pytest.fixture
def lambda_env(es_settings: EsSettings, moto_endpoint: str, ns: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A cold container: Elasticsearch credentials in Secrets Manager, the namespace in the environment."""
    secret = boto3.client("secretsmanager").create_secret(
        Name=f"{ns}-es", SecretString=json.dumps({"username": es_settings.username, "password": es_settings.password}))
    for name in ("ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD", "ELASTICSEARCH_API_KEY", "CLOUDSIFT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ELASTICSEARCH_URL", es_settings.url)
    monkeypatch.setenv("CLOUDSIFT_ES_SECRET_ID", secret["ARN"])
    monkeypatch.setenv("CLOUDSIFT_NAMESPACE", ns)
    monkeypatch.setattr(aws_lambda, "_container", None)
    return ns


def _queue(ns: str) -> str:
    return boto3.client("sqs").create_queue(QueueName=f"{ns}-lambda")["QueueUrl"]


def _lambda_event(queue: str, receive_count: int | None = None) -> dict:
    """What Lambda's SQS poller hands the function: the received messages in its own record shape."""
    sqs = boto3.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    records = []
    for m in messages:
        attributes = dict(m["Attributes"])
        if receive_count is not None:
            attributes["ApproximateReceiveCount"] = str(receive_count)
        records.append({"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                        "attributes": attributes, "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
                        "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": "us-east-1"})
    return {"Records": records}


def test_a_batch_reports_only_the_messages_that_failed(es: Elasticsearch, lambda_env: str, bucket: str) -> None:
    """Objects that exist are shipped; the message naming a missing object and a non-notification come back."""
    ns = lambda_env
    put(bucket, {flow_key(1): flow_object(10), flow_key(2): flow_object(10, seed=2)})
    queue = _queue(ns)
    send(queue, s3_event(bucket, flow_key(1)), s3_event(bucket, flow_key(9)), s3_event(bucket, flow_key(2)),
         "not a notification")
    event = _lambda_event(queue)
    bodies = {r["messageId"]: r["body"] for r in event["Records"]}
    answer = aws_lambda.handler(event, _Context())
    returned = sorted(bodies[f["itemIdentifier"]] for f in answer["batchItemFailures"])
    assert returned == sorted([json.dumps(s3_event(bucket, flow_key(9))), "not a notification"])
    assert flows(es, ns) == 20


def test_on_its_last_receive_a_failing_object_is_dead_lettered_and_its_message_succeeds(
        es: Elasticsearch, lambda_env: str, bucket: str) -> None:
    """The receive count is the attempt: at retry.object_attempts the object is dead-lettered by key."""
    ns = lambda_env
    queue = _queue(ns)
    send(queue, s3_event(bucket, flow_key(9)))
    answer = aws_lambda.handler(_lambda_event(queue, receive_count=3), _Context())
    assert answer == {"batchItemFailures": []} and dead(es, ns) == 1


def test_config_object_in_s3_and_credentials_in_ssm(es: Elasticsearch, es_settings: EsSettings, lambda_env: str,
                                                    bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """CLOUDSIFT_CONFIG names a YAML object (its routes apply); the credentials come from an SSM SecureString."""
    ns = lambda_env
    boto3.client("ssm").put_parameter(Name=f"/{ns}/es", Type="SecureString", Value=json.dumps(
        {"username": es_settings.username, "password": es_settings.password}))
    monkeypatch.delenv("CLOUDSIFT_ES_SECRET_ID")
    monkeypatch.setenv("CLOUDSIFT_ES_PARAMETER", f"/{ns}/es")
    put(bucket, {"config/cloudsift.yaml": b"routes:\n  - {prefix: custom/, type: vpcflow}\nsources: ignored\n",
                 "custom/flows.log.gz": flow_object(7)})
    monkeypatch.setenv("CLOUDSIFT_CONFIG", f"s3://{bucket}/config/cloudsift.yaml")
    queue = _queue(ns)
    send(queue, s3_event(bucket, "custom/flows.log.gz"))
    assert aws_lambda.handler(_lambda_event(queue), _Context()) == {"batchItemFailures": []}
    assert flows(es, ns) == 7
