"""The Lambda entry point with real SQS event payloads, against the moto server and the real node."""
from __future__ import annotations

import json

import boto3
import pytest
from elasticsearch import Elasticsearch

from cloudsift.elastic import EsSettings
from shipper import aws_lambda
from shipper.templates import data_stream, deadletter_stream, stamped_bodies

from .applogs import (
    BILLING_APPLOG,
    BILLING_KEY,
    DATASETS,
    SHOP_APPLOG,
    SHOP_KEY,
    billing_object,
    config,
    shop_object,
)
from .conftest import count, dead, flow_key, flow_object, flows, put, s3_event, send


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
    """CLOUDSIFT_CONFIG names a `cloudsift ship` YAML object (its routes apply); the credentials come from an
    SSM SecureString."""
    ns = lambda_env
    boto3.client("ssm").put_parameter(Name=f"/{ns}/es", Type="SecureString", Value=json.dumps(
        {"username": es_settings.username, "password": es_settings.password}))
    monkeypatch.delenv("CLOUDSIFT_ES_SECRET_ID")
    monkeypatch.setenv("CLOUDSIFT_ES_PARAMETER", f"/{ns}/es")
    put(bucket, {"config/cloudsift.yaml": f"routes:\n  - {{prefix: custom/, type: vpcflow}}\nsources: [s3://{bucket}/AWSLogs/]\n".encode(),
                 "custom/flows.log.gz": flow_object(7)})
    monkeypatch.setenv("CLOUDSIFT_CONFIG", f"s3://{bucket}/config/cloudsift.yaml")
    queue = _queue(ns)
    send(queue, s3_event(bucket, "custom/flows.log.gz"))
    assert aws_lambda.handler(_lambda_event(queue), _Context()) == {"batchItemFailures": []}
    assert flows(es, ns) == 7


def _config_object(bucket: str, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The config file as an S3 object named by CLOUDSIFT_CONFIG."""
    put(bucket, {"config/cloudsift.yaml": text.encode()})
    monkeypatch.setenv("CLOUDSIFT_CONFIG", f"s3://{bucket}/config/cloudsift.yaml")


def test_the_configs_applog_sources_route_the_triggers_objects_into_their_apps_streams(
        es: Elasticsearch, lambda_env: str, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bucket prefixes the config's sources declare ship, from their notifications, into their apps' streams
    with the mapped fields (a CloudWatch Logs subscription object and a JSON-lines one); other keys keep AWS's
    layouts; the cold start installs the apps' templates with the digest `cloudsift ship` checks."""
    ns = lambda_env
    _config_object(bucket, config(bucket), monkeypatch)
    put(bucket, {SHOP_KEY: shop_object(), BILLING_KEY: billing_object(), flow_key(1): flow_object(5)})
    queue = _queue(ns)
    send(queue, s3_event(bucket, SHOP_KEY), s3_event(bucket, BILLING_KEY), s3_event(bucket, flow_key(1)))
    assert aws_lambda.handler(_lambda_event(queue), _Context()) == {"batchItemFailures": []}
    shop, billing = data_stream("shop", ns), data_stream("billing.api", ns)
    # The control message is skipped; the billing object's cut-off last line is a dead letter.
    assert (count(es, shop), count(es, billing), flows(es, ns), dead(es, ns)) == (4, 3, 5, 1)

    failed = es.search(index=shop, query={"bool": {"filter": [
        {"term": {"event.outcome": "failure"}}, {"term": {"user.name": "alice"}},
        {"term": {"source.ip": "203.0.113.0/24"}}]}})["hits"]["hits"]
    assert [(h["_source"]["event"]["action"], h["_source"]["message"]) for h in failed] == [("user.login", "login failed")]
    assert failed[0]["_source"]["event"]["dataset"] == "shop"
    users = es.search(index=billing, query={"term": {"event.action": "invoice.create"}},
                      sort=[{"@timestamp": "asc"}])["hits"]["hits"]
    assert [(h["_source"]["user"]["name"], h["_source"]["log"]["level"]) for h in users] == [
        ("user0", "info"), ("user1", "info"), ("user2", "info")]

    digest = next(iter(stamped_bodies(ns, DATASETS)[1].values()))["_meta"]["digest"]
    found = es.indices.get_index_template(name=f"cloudsift-{ns}-*")["index_templates"]
    stamps = {t["name"]: t["index_template"]["_meta"]["digest"] for t in found}
    assert {f"cloudsift-{ns}-shop", f"cloudsift-{ns}-billing.api"} <= set(stamps) and set(stamps.values()) == {digest}
    mapping = next(iter(es.indices.get_mapping(index=shop).body.values()))["mappings"]["properties"]
    assert mapping["source"]["properties"]["ip"]["type"] == "ip"


def test_a_queue_source_gives_its_app_every_object_of_that_queue_only(
        es: Elasticsearch, lambda_env: str, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch from the queue a source names (eventSourceARN) ships any key into that source's app, as
    `cloudsift ship --from sqs://…` would; the same key from another queue matches nothing (unroutable)."""
    ns = lambda_env
    sqs = boto3.client("sqs")
    shop_queue = _queue(ns)
    billing_queue = sqs.create_queue(QueueName=f"{ns}-billing")["QueueUrl"]
    other = sqs.create_queue(QueueName=f"{ns}-other")["QueueUrl"]
    _config_object(bucket, f"sources:\n  - url: sqs://{shop_queue}{SHOP_APPLOG}"
                           f"  - url: sqs://{billing_queue}{BILLING_APPLOG}", monkeypatch)
    put(bucket, {"uploads/shop.gz": shop_object(), "uploads/billing.gz": billing_object()})
    send(shop_queue, s3_event(bucket, "uploads/shop.gz"))
    send(billing_queue, s3_event(bucket, "uploads/billing.gz"))
    send(other, s3_event(bucket, "uploads/shop.gz"))
    for queue in (shop_queue, billing_queue, other):  # one container: the cold start's settings serve all three
        assert aws_lambda.handler(_lambda_event(queue), _Context()) == {"batchItemFailures": []}
    assert (count(es, data_stream("shop", ns)), count(es, data_stream("billing.api", ns))) == (4, 3)
    assert dead(es, ns) == 2  # the billing object's cut-off line, and the other queue's object:
    unroutable = es.search(index=deadletter_stream(ns), query={"term": {"cloudsift.stage": "route"}})["hits"]["hits"]
    assert [h["_source"]["cloudsift"]["object"]["key"] for h in unroutable] == ["uploads/shop.gz"]
