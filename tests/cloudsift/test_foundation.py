"""The foundation: a real node with security on, the AWS emulator over HTTP, the `es` commands."""
from __future__ import annotations

import os
import subprocess
import sys

import boto3
import pytest
from elasticsearch import Elasticsearch

from cloudsift.cli import main
from cloudsift.elastic import EsSettings, connect
from cloudsift.errors import CloudsiftError


def test_index_and_search_a_document(es: Elasticsearch, ns: str) -> None:
    """A document indexed into the real node is found by a term query."""
    index = f"{ns}-docs"
    es.indices.create(index=index, mappings={"properties": {"event": {"properties": {"action": {"type": "keyword"}}}}})
    es.index(index=index, id="1", document={"event": {"action": "ConsoleLogin"}}, refresh=True)
    hits = es.search(index=index, query={"term": {"event.action": "ConsoleLogin"}})["hits"]["hits"]
    assert [h["_id"] for h in hits] == ["1"]


def test_security_is_on_without_credentials(es_settings: EsSettings) -> None:
    """A client without credentials gets a clear cloudsift error, not a traceback."""
    with pytest.raises(CloudsiftError, match=r"rejected the credentials \(HTTP 401\)"):
        connect(EsSettings(es_settings.url))


def test_wrong_password_is_one_clear_line(es_settings: EsSettings) -> None:
    """Wrong credentials give a one-line message that does not echo the password."""
    with pytest.raises(CloudsiftError) as info:
        connect(EsSettings(es_settings.url, "elastic", "not-the-password"))
    assert "\n" not in str(info.value) and "not-the-password" not in str(info.value)


def test_settings_repr_hides_secrets() -> None:
    """Connection settings never print their password or API key."""
    text = repr(EsSettings("https://es:9200", "u", "s3cret", api_key="k3y"))
    assert "s3cret" not in text and "k3y" not in text


def test_s3_put_and_get_through_moto(moto_endpoint: str) -> None:
    """boto3 reaches the moto server over HTTP through AWS_ENDPOINT_URL."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="foundation-test")
    s3.put_object(Bucket="foundation-test", Key="AWSLogs/x.json", Body=b'{"Records":[]}')
    assert s3.get_object(Bucket="foundation-test", Key="AWSLogs/x.json")["Body"].read() == b'{"Records":[]}'
    assert s3.meta.endpoint_url == moto_endpoint


def test_sqs_send_and_receive_through_moto(moto_endpoint: str) -> None:
    """An SQS message sent to the moto server is received back."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="foundation-test")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in messages] == ["hello"]


def test_es_status_on_running_node(es: Elasticsearch, capsys: pytest.CaptureFixture[str]) -> None:
    """`cloudsift es status` reports a healthy 9.x node."""
    _require_local_node()
    assert main(["es", "status"]) == 0
    out = capsys.readouterr().out
    assert "version: 9." in out and ("health:  green" in out or "health:  yellow" in out)


def test_es_env_prints_exports(es: Elasticsearch) -> None:
    """`cloudsift es env` prints export lines a shell can eval."""
    _require_local_node()
    out = subprocess.run([sys.executable, "-m", "cloudsift.cli", "es", "env"], capture_output=True, text=True,
                         check=True).stdout
    names = [line.split("=", 1)[0] for line in out.splitlines()]
    assert names == ["export ELASTICSEARCH_URL", "export ELASTICSEARCH_USERNAME", "export ELASTICSEARCH_PASSWORD"]


def _require_local_node() -> None:
    if os.environ.get("ELASTICSEARCH_URL"):
        pytest.skip("the suite runs against ELASTICSEARCH_URL, not a local node `cloudsift es` manages")
