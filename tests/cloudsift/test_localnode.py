"""The local node belongs to one state directory: another one never reuses, stops or reports it."""
from __future__ import annotations

import dataclasses
import json
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudsift import localnode
from cloudsift.elastic import EsSettings, connect
from cloudsift.errors import CloudsiftError


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _state(home: Path, port: int, *, pinned: bool = True) -> localnode.NodeConfig:
    return dataclasses.replace(localnode.default_config(), home=home, credentials=home / "credentials.json",
                               port=port, port_pinned=pinned, heap="512m")


@pytest.fixture(scope="module")
def other_node() -> Iterator[localnode.NodeConfig]:
    """A node of a state directory of its own: "someone else's node" to the tests below."""
    # Under /var/tmp, not pytest's tmp_path: as root the node runs as a user who cannot enter /tmp/pytest-of-root.
    home = Path(tempfile.mkdtemp(prefix="cloudsift-other-es-", dir="/var/tmp"))
    cfg = _state(home, _free_port())
    try:
        localnode.start(cfg)
        yield cfg
    finally:
        localnode.stop(cfg)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def fresh_home() -> Iterator[Path]:
    """An empty state directory the node user can enter."""
    home = Path(tempfile.mkdtemp(prefix="cloudsift-fresh-es-", dir="/var/tmp"))
    yield home
    shutil.rmtree(home, ignore_errors=True)


def _impersonate(other: localnode.NodeConfig, home: Path) -> localnode.NodeConfig:
    """A state directory holding the other node's credentials and pid, as a shared file would."""
    cfg = _state(home, other.port)
    shutil.copy(other.credentials, cfg.credentials)
    shutil.copy(other.pid_file, cfg.pid_file)
    return cfg


def test_start_does_not_reuse_a_node_it_did_not_start(other_node: localnode.NodeConfig, fresh_home: Path) -> None:
    """With another state's credentials and pid file, `start` refuses the taken port instead of reusing that node."""
    cfg = _impersonate(other_node, fresh_home)
    with pytest.raises(CloudsiftError, match=rf"port {other_node.port} .* in use by an Elasticsearch node .*did not start"):
        localnode.start(cfg)


def test_status_does_not_report_a_node_it_did_not_start(other_node: localnode.NodeConfig, fresh_home: Path) -> None:
    """`status` of a state directory whose node is not running says so, even when another node has its port."""
    cfg = _impersonate(other_node, fresh_home)
    with pytest.raises(CloudsiftError, match="is not running"):
        localnode.status(cfg)


def test_stop_leaves_a_process_it_did_not_start_alone(fresh_home: Path) -> None:
    """A pid file naming a process that is not this state's node (a reused pid) stops nothing."""
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        cfg = _state(fresh_home, _free_port())
        cfg.pid_file.write_text(str(stranger.pid))
        assert localnode.stop(cfg) is False
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_unpinned_start_moves_off_a_taken_port(other_node: localnode.NodeConfig, fresh_home: Path) -> None:
    """Without CLOUDSIFT_ES_PORT, a port held by another node moves the new node to the next free port, and says so."""
    cfg = _state(fresh_home, other_node.port, pinned=False)
    try:
        info = localnode.start(cfg)
        port = int(info.url.rsplit(":", 1)[1])
        assert port != other_node.port and f"port {other_node.port}" in info.notice
        assert json.loads(cfg.credentials.read_text())["url"] == info.url
        assert localnode.status(cfg).url == info.url
    finally:
        localnode.stop(cfg)


def test_local_node_indices_get_no_replicas(other_node: localnode.NodeConfig) -> None:
    """A data stream whose template composes the local component template is green on one node: no replicas."""
    creds = localnode.read_credentials(other_node)
    assert creds is not None
    es = connect(EsSettings(creds["url"], creds["username"], creds["password"]))
    es.indices.put_index_template(name="local-replicas", index_patterns=["logs-local.replicas-*"], data_stream={},
                                  priority=500, composed_of=[localnode.LOCAL_COMPONENT],
                                  ignore_missing_component_templates=[localnode.LOCAL_COMPONENT])
    es.index(index="logs-local.replicas-test", document={"@timestamp": "2026-01-01T00:00:00Z"}, refresh=True)
    settings = es.indices.get_settings(index="logs-local.replicas-test", name="index.number_of_replicas").body
    assert [s["settings"]["index"]["number_of_replicas"] for s in settings.values()] == ["0"]
    assert es.cluster.health(index="logs-local.replicas-test", wait_for_status="green", timeout="10s")["status"] == "green"


def test_default_state_is_per_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Two users get different state directories, each holding its own credentials (root too, via sudo's caller)."""
    for name in ("CLOUDSIFT_ES_HOME", "CLOUDSIFT_ES_CREDENTIALS", "CLOUDSIFT_ES_PORT"):
        monkeypatch.delenv(name, raising=False)
    configs = []
    for user in ("alice", "bob"):
        monkeypatch.setenv("SUDO_USER", user)
        monkeypatch.setenv("HOME", str(tmp_path / user))
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / user / "data"))
        configs.append(localnode.default_config())
    alice, bob = configs
    assert alice.home != bob.home
    assert alice.credentials.parent == alice.home and bob.credentials.parent == bob.home
