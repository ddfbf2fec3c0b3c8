"""AWS Lambda entry point for an SQS trigger: one event batch through the same pipeline as `cloudsift ship`.

Lambda's SQS integration deletes what the function does not report failed, so this source deletes
nothing: a message whose objects were all committed succeeds; one with an object released (a read
failure that has attempts left, Elasticsearch gone) is listed in `batchItemFailures` and comes back
alone. On the object's last attempt (the message's receive count) the object is dead-lettered by key
and the message succeeds, as in the SQS consumer.

Configuration (environment):
  ELASTICSEARCH_URL                  the cluster (https; TLS verified)
  ELASTICSEARCH_API_KEY              an API key, or one of:
  CLOUDSIFT_ES_SECRET_ID             a Secrets Manager secret: {"api_key": …} or {"username": …, "password": …}
  CLOUDSIFT_ES_PARAMETER             an SSM SecureString parameter holding the same JSON
  CLOUDSIFT_CONFIG                   optional s3://bucket/key of a YAML config file (the `cloudsift ship` format)
  CLOUDSIFT_NAMESPACE                data stream namespace (default: the config's, else "default")
  CLOUDSIFT_GEOIP_CITY / _ASN        optional MaxMind databases in the package or a layer (docs/fields/geoip.md)
Clients and settings are built once per container (cold start) and reused by later invocations.

The config's `sources` are optional (the trigger is the source); those it has route what the trigger
delivers as `cloudsift ship` routes what they deliver: a bucket's source applies its `applog:` section
to the keys under its prefix, a queue's source to every object of a batch from that queue (the
records' eventSourceARN). Their applications' templates are installed at cold start.
"""
from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import boto3
from elasticsearch import Elasticsearch

from normalizer.geo.lookup import GeoIP
from shipper import config_yaml, templates
from shipper.config import Settings, SourceConfig, load, load_text
from shipper.errors import ShipperError
from shipper.objects import ObjectRef
from shipper.pipeline import Shipper
from shipper.progress import Reporter
from shipper.routing import Router
from shipper.s3clients import S3Clients
from shipper.sink import ElasticsearchSink
from shipper.sqssource import is_queue, parse_event, receive_count

# A Lambda invocation has at most 15 minutes; retrying a batch longer than that only gets it killed.
LAMBDA_RETRY_SECONDS = 600.0


@dataclass(slots=True)
class _Message:
    message_id: str
    pending: int
    failed: bool = False


@dataclass(slots=True)
class BatchSource:
    """The objects an SQS event batch names; remembers which messages failed (Source protocol)."""

    records: list[dict]
    s3: S3Clients
    log: Any
    failed: list[str] = field(default_factory=list)

    def objects(self, stop: threading.Event) -> Iterator[ObjectRef]:
        """One ObjectRef per created object per message; a message that is no notification fails."""
        for record in self.records:
            message_id = str(record.get("messageId", ""))
            created = parse_event(record.get("body", ""))
            if created is None:  # not ours to judge as garbage: the queue's redrive policy takes it
                self.log("warning", "message is not an S3 event notification; left for the queue's DLQ",
                         message_id=message_id)
                self.failed.append(message_id)
                continue
            state = _Message(message_id, len(created))
            attempt = receive_count(record.get("attributes"))
            for bucket, key, size, region in created:
                if stop.is_set():
                    return
                yield ObjectRef(bucket, key, size, state, region, attempt=attempt)

    def open(self, ref: ObjectRef) -> BinaryIO:
        """The object's body, from a client signed for the bucket's region."""
        return self.s3.client(ref.bucket, ref.region).get_object(Bucket=ref.bucket, Key=ref.key)["Body"]

    def commit(self, ref: ObjectRef) -> None:
        """One object of its message is done."""
        self._settle(ref.token)

    def release(self, ref: ObjectRef, *, failed: bool) -> None:
        """The message goes back to the queue (reported in batchItemFailures)."""
        ref.token.failed = True
        self._settle(ref.token)

    def _settle(self, state: _Message) -> None:
        state.pending -= 1
        if state.pending == 0 and state.failed:
            self.failed.append(state.message_id)

    def close(self) -> None:
        """Nothing to persist: Lambda deletes the messages that succeeded."""


@dataclass(frozen=True, slots=True)
class _Container:
    settings: Settings
    client: Elasticsearch
    s3: S3Clients
    geoip: GeoIP | None  # the databases CLOUDSIFT_GEOIP_* or the config's geoip name, in the package or a layer


_container: _Container | None = None


def handler(event: dict, context: object) -> dict:
    """Ship the objects of an SQS event batch; answer which messages failed (ReportBatchItemFailures)."""
    global _container
    if _container is None:
        _container = _cold_start(os.environ)
    records = event.get("Records") or []
    reporter = Reporter(False, fields={"function": getattr(context, "function_name", None)})
    source = BatchSource(records, _container.s3, reporter.log)
    settings = _container.settings
    sink = ElasticsearchSink(_container.client, settings.limits(), on_retry=lambda m: reporter.log("warning", m))
    router = Router(settings.overrides(*_trigger_sources(settings, records)))
    shipper = Shipper(source, sink, router, settings.namespace, stop=threading.Event(),
                      log=reporter.log, original=settings.original, object_attempts=settings.retry.object_attempts,
                      max_object_bytes=settings.max_object_bytes, apps=settings.applog_types(),
                      geoip=_container.geoip)
    stats = shipper.run()
    # A run that stopped early (Elasticsearch past its retry budget) released every object still open.
    failed = sorted(set(source.failed))
    reporter.log("info", "batch done", messages=len(records), failed_messages=len(failed),
                 **{k: v for k, v in stats.as_dict().items() if k != "errors"})
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


def _trigger_sources(settings: Settings, records: list[dict]) -> tuple[SourceConfig, ...]:
    """The config's sources that name this batch's objects: every bucket's (its route is scoped by bucket
    and prefix), and the queue's whose messages these are (a batch comes from one event source mapping)."""
    arn = next((str(r["eventSourceARN"]) for r in records if r.get("eventSourceARN")), "")
    return tuple(s for s in settings.sources
                 if s.kind == "s3" or (s.kind == "sqs" and is_queue(s.url[len("sqs://"):], arn)))


def _cold_start(env: Any) -> _Container:
    session = boto3.Session()
    overrides: dict[str, Any] = {"retry.max_seconds": LAMBDA_RETRY_SECONDS}
    if env.get("CLOUDSIFT_NAMESPACE"):
        overrides["namespace"] = env["CLOUDSIFT_NAMESPACE"]
    settings = _from_s3(session, env["CLOUDSIFT_CONFIG"], overrides) if env.get("CLOUDSIFT_CONFIG") else \
        load(None, overrides, sources=False)
    client = _elasticsearch(session, env, settings)
    templates.install(client, settings.namespace, settings.applog_datasets())
    return _Container(settings, client, S3Clients(session, settings.bucket_regions()), settings.geoip_databases())


def _from_s3(session: boto3.Session, url: str, overrides: dict[str, Any]) -> Settings:
    """The YAML config object named by CLOUDSIFT_CONFIG (`sources` optional), the environment on top."""
    bucket, _, key = url.removeprefix("s3://").partition("/")
    if not url.startswith("s3://") or not bucket or not key:
        raise ShipperError("CLOUDSIFT_CONFIG must be s3://bucket/key", where=url)
    body = session.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read(config_yaml.MAX_BYTES + 1)
    return load_text(body, url, overrides, sources=False)


def _elasticsearch(session: boto3.Session, env: Any, settings: Settings) -> Elasticsearch:
    """A client with the API key (or user) from the environment, Secrets Manager or SSM."""
    url = settings.elasticsearch.url or env.get("ELASTICSEARCH_URL")
    if not url:
        raise ShipperError("ELASTICSEARCH_URL is not set")
    secret: dict[str, Any] = {}
    if env.get("ELASTICSEARCH_API_KEY"):
        secret = {"api_key": env["ELASTICSEARCH_API_KEY"]}
    elif env.get("CLOUDSIFT_ES_SECRET_ID"):
        text = session.client("secretsmanager").get_secret_value(SecretId=env["CLOUDSIFT_ES_SECRET_ID"])["SecretString"]
        secret = _secret(text, "CLOUDSIFT_ES_SECRET_ID")
    elif env.get("CLOUDSIFT_ES_PARAMETER"):
        text = session.client("ssm").get_parameter(Name=env["CLOUDSIFT_ES_PARAMETER"], WithDecryption=True)
        secret = _secret(text["Parameter"]["Value"], "CLOUDSIFT_ES_PARAMETER")
    auth: dict[str, Any] = {"ca_certs": settings.elasticsearch.ca_certs} if settings.elasticsearch.ca_certs else {}
    if secret.get("api_key"):
        auth["api_key"] = secret["api_key"]
    elif secret.get("username"):
        auth["basic_auth"] = (secret["username"], secret.get("password", ""))
    es = settings.elasticsearch
    return Elasticsearch(url, verify_certs=es.verify_certs, request_timeout=es.request_timeout,
                         http_compress=es.compress, **auth)


def _secret(text: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not (value.get("api_key") or value.get("username")):
        raise ShipperError('the secret must be JSON: {"api_key": …} or {"username": …, "password": …}', where=where)
    return value
