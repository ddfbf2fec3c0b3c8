"""A throwaway 3-node local cluster (`es start --nodes 3`): replicas, a node killed mid-ship, a node down."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from cloudsift import localcluster, localnode
from cloudsift.cli import main
from cloudsift.elastic import EsSettings, connect
from cloudsift.nodeproc import NodeConfig
from shipper.templates import CUSTOM, data_stream

from .conftest import flow_key, flow_object, flows, free_port, ship, ship_process, wait_for, write_dir

SIZE = 3
OBJECTS = 20
RECORDS = 20_000  # 20 objects of 1000: long enough to kill a node in the middle
# A node's start is mostly JIT work; C1 alone needs about half the CPU (measured on the shared 2-core box:
# 12 s against 21 s, 57 s against 107 s of wall time), and these nodes live for minutes, not days.
QUICK_START = "-XX:TieredStopAtLevel=1"


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[NodeConfig, EsSettings]]:
    """A 3-node cluster of its own with small heaps (the CI box has 2 cores), stopped at the end."""
    home = Path(tempfile.mkdtemp(prefix="cloudsift-cluster-es-", dir="/var/tmp"))
    cfg = dataclasses.replace(localnode.default_config(), home=home, port=free_port(), port_pinned=False,
                              heap="384m", java_opts=QUICK_START,
                              credentials=home.with_name(home.name + ".credentials.json"))
    try:
        info = localcluster.start(cfg, SIZE)
        yield cfg, EsSettings(info.url, info.username, info.password)
    finally:
        localcluster.stop(cfg)
        shutil.rmtree(home, ignore_errors=True)
        cfg.credentials.unlink(missing_ok=True)


def _whole(cfg: NodeConfig) -> None:
    """Every node up again (a test before may have left one down)."""
    localcluster.start(cfg, SIZE)


def _sigkill(launcher: int | None) -> None:
    """SIGKILL a node: its server JVM first (what a crash is), then the launcher that started it; wait until
    both are gone (a zombie holds no port)."""
    assert launcher is not None, "the node is not running"
    # Any of the launcher's threads may have spawned the server: each thread lists its own children.
    children = [int(pid) for path in Path(f"/proc/{launcher}/task").glob("*/children") for pid in path.read_text().split()]
    assert children, "the launcher has no server process"
    for pid in [*children, launcher]:
        os.kill(pid, signal.SIGKILL)
    wait_for("the killed node to exit", lambda: all(_gone(pid) for pid in [*children, launcher]))


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _node_index(name: str) -> int:
    return int(name.rsplit("-", 1)[1])


def _flow_dir(root: Path) -> Path:
    return write_dir(root, {flow_key(i): flow_object(RECORDS // OBJECTS, seed=i) for i in range(OBJECTS)})


def _summary(proc) -> dict:  # type: ignore[no-untyped-def]
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.splitlines()[-1])


def test_nodes_talk_tls_with_the_certificates_start_made(cluster) -> None:  # type: ignore[no-untyped-def]
    """A node's transport port completes a TLS handshake only with the cluster's certificates, for 127.0.0.1."""
    cfg, _ = cluster
    first, second = localcluster.members(cfg)[:2]
    certs = cfg.home / localcluster.CERTS
    name = first.topology["node.name"]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the peer and its address by default
    ctx.load_verify_locations(certs / second.topology["node.name"] / f"{second.topology['node.name']}.crt")
    ctx.load_cert_chain(certs / name / f"{name}.crt", certs / name / f"{name}.key")
    with socket.create_connection(("127.0.0.1", second.topology["transport.port"]), timeout=10) as raw, \
            ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        subject = dict(item for rdn in tls.getpeercert()["subject"] for item in rdn)
    assert subject["commonName"] == second.topology["node.name"]


def test_es_env_names_every_node(cluster, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                 capsys: pytest.CaptureFixture) -> None:
    """`es status` counts the joined nodes; `es env` exports every node's URL for the shipper."""
    cfg, settings = cluster
    monkeypatch.setenv("CLOUDSIFT_ES_HOME", str(cfg.home))
    monkeypatch.setenv("CLOUDSIFT_ES_CREDENTIALS", str(cfg.credentials))
    assert main(["es", "status"]) == 0
    assert f"nodes:   {SIZE} of {SIZE}" in capsys.readouterr().out
    assert main(["es", "env"]) == 0
    exports = dict(line.removeprefix("export ").split("=", 1) for line in capsys.readouterr().out.splitlines())
    assert exports["ELASTICSEARCH_URL"] == settings.url and len(settings.url.split(",")) == SIZE


def test_data_streams_get_one_replica_on_another_node(cluster, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """On a cluster our streams keep Elasticsearch's one replica, assigned beside the primary: green."""
    _cfg, settings = cluster
    for name, value in (("URL", settings.url), ("USERNAME", settings.username), ("PASSWORD", settings.password)):
        monkeypatch.setenv(f"ELASTICSEARCH_{name}", value or "")
    src = write_dir(tmp_path, {flow_key(0): flow_object(100)})
    assert ship("replicas", "--from", str(src))[0] == 0
    client = connect(settings)
    stream = data_stream("aws.vpcflow", "replicas")
    assert client.cluster.health(index=stream, wait_for_status="green", timeout="60s")["status"] == "green"
    shards = client.cat.shards(index=stream, format="json", h="prirep,node,state").body
    assert sorted(s["prirep"] for s in shards) == ["p", "r"] and len({s["node"] for s in shards}) == 2
    replicas = client.indices.get_settings(index=stream, name="index.number_of_replicas").body
    assert [s["settings"]["index"]["number_of_replicas"] for s in replicas.values()] == ["1"]
    assert not client.cluster.exists_component_template(name=CUSTOM)  # the one-node "no replicas" is not here
    assert flows(client, "replicas") == 100


def _holder(client: Elasticsearch, stream: str, avoid: int) -> int:
    """The node of the stream's primary, or of its replica when the primary is on node `avoid`."""
    shards = {s["prirep"]: _node_index(s["node"]) for s in client.cat.shards(
        index=stream, format="json", h="prirep,node").body if s.get("node")}
    return shards["p"] if shards["p"] != avoid else shards["r"]


def test_node_killed_mid_ship_and_restarted_loses_nothing(cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL the node holding the stream's primary while shipping, restart it: every record indexed once."""
    cfg, settings = cluster
    _whole(cfg)
    first = EsSettings(settings.url.split(",")[0], settings.username, settings.password)
    client = connect(settings)
    proc = ship_process(first, "killed", "--from", str(_flow_dir(tmp_path)), "--batch-docs", "500")
    wait_for("the first records", lambda: flows(client, "killed") >= 1000, timeout=120)
    _sigkill(localcluster.pids(cfg)[_holder(client, data_stream("aws.vpcflow", "killed"), avoid=0)])
    failures: list[BaseException] = []

    def restart() -> None:
        try:
            _whole(cfg)
        except BaseException as exc:  # noqa: BLE001  reported by the test's thread below
            failures.append(exc)

    restarting = threading.Thread(target=restart)
    restarting.start()
    summary = _summary(proc)
    restarting.join()
    assert not failures, failures
    assert summary["failed_objects"] == 0 and summary["records"] == RECORDS
    assert summary["indexed"] + summary["duplicates"] == RECORDS  # a 409 on a retry: applied before the kill
    assert flows(client, "killed") == RECORDS


def test_shipper_with_every_node_url_keeps_going_while_one_is_down(cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Given all node URLs, a run whose first node is SIGKILLed mid-ship finishes while that node is down."""
    cfg, settings = cluster
    _whole(cfg)
    client = connect(settings)
    proc = ship_process(settings, "down", "--from", str(_flow_dir(tmp_path)), "--batch-docs", "500")
    wait_for("the first records", lambda: flows(client, "down") >= 1000, timeout=120)
    _sigkill(localcluster.pids(cfg)[0])
    summary = _summary(proc)
    assert localcluster.pids(cfg)[0] is None, "the node came back: the run did not prove anything"
    assert summary["failed_objects"] == 0 and summary["indexed"] + summary["duplicates"] == RECORDS
    assert flows(client, "down") == RECORDS
