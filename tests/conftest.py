"""Suite-wide fixtures: a real Elasticsearch node and a moto server, started once per session."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3
from elasticsearch import Elasticsearch

from cloudsift import localnode
from cloudsift.elastic import EsSettings, connect, settings_from_env


@pytest.fixture(scope="session")
def es_settings() -> Iterator[EsSettings]:
    """ELASTICSEARCH_URL (+ credentials) when set, else the local node, started if needed."""
    if os.environ.get("ELASTICSEARCH_URL"):
        yield settings_from_env()
        return
    # A node of the suite's own, on a free port with a fresh state directory, so runs start clean:
    # the integ-test distribution cannot delete data streams, so nothing else would clean them.
    home = Path(tempfile.mkdtemp(prefix="cloudsift-test-es-", dir="/var/tmp"))
    overrides = {"CLOUDSIFT_ES_HOME": str(home), "CLOUDSIFT_ES_PORT": str(_free_port()),
                 "CLOUDSIFT_ES_CREDENTIALS": str(home.with_name(home.name + ".credentials.json"))}
    os.environ.update(overrides)  # so `cloudsift es …` run by tests finds this node
    cfg = localnode.default_config()
    try:
        info = localnode.start(cfg)
        yield EsSettings(info.url, info.username, info.password)
    finally:
        localnode.stop(cfg)
        shutil.rmtree(home, ignore_errors=True)
        cfg.credentials.unlink(missing_ok=True)
        for key in overrides:
            os.environ.pop(key, None)


@pytest.fixture(scope="session")
def es(es_settings: EsSettings) -> Elasticsearch:
    """A client for the suite's Elasticsearch."""
    return connect(es_settings)


@pytest.fixture
def ns(es: Elasticsearch) -> Iterator[str]:
    """A unique name prefix for this test's indices, data streams and templates; removed afterwards."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    yield prefix
    # Data streams cannot be deleted on the integ-test node (no data-streams module): their
    # backing indices stay until the suite's node is thrown away at the end of the session.
    es.options(ignore_status=(400, 404)).indices.delete(index=f"{prefix}*", expand_wildcards="all")
    lenient = es.options(ignore_status=404)
    for tpl in lenient.indices.get_index_template(name=f"*{prefix}*").body.get("index_templates", []):
        es.indices.delete_index_template(name=tpl["name"])
    for tpl in lenient.cluster.get_component_template(name=f"*{prefix}*").body.get("component_templates", []):
        es.cluster.delete_component_template(name=tpl["name"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on a free loopback port; boto3 reaches it through AWS_ENDPOINT_URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib3.request("GET", url + "/moto-api/", timeout=2, retries=False)
            break
        except urllib3.exceptions.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("moto server did not start") from None
            time.sleep(0.2)
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                              "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN")}
    os.environ.update(AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                      AWS_DEFAULT_REGION="us-east-1")
    os.environ.pop("AWS_SESSION_TOKEN", None)
    yield url
    proc.terminate()
    proc.wait(timeout=30)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def _orphan_template(request: pytest.FixtureRequest) -> None:
    """Lets `ns` delete a test's templates although its data streams stay (no delete API on the local node).

    Elasticsearch refuses to delete the last template matching a data stream; this low-priority
    catch-all matches every test stream, so the test's own (namespaced) templates can go.
    """
    if "ns" not in request.fixturenames:
        return
    es = request.getfixturevalue("es")
    es.indices.put_index_template(name="cloudsift-test-orphans", data_stream={}, priority=1,
                                  index_patterns=["logs-*.cloudsift-t*", "logs-cloudsift.deadletter-t*"])


@pytest.fixture(scope="session")
def geoip_dbs() -> tuple[Path, Path]:
    """MaxMind's City and ASN test databases (tests/support/geoip_db.py): (city, asn)."""
    from tests.support.geoip_db import ASN, CITY, databases
    where = databases()
    return where / CITY, where / ASN
