"""A state directory holds one node or one cluster: the mix-ups are refused before anything starts.

The cluster itself runs in tests/shipper/test_cluster.py (it takes a while to start).
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from cloudsift import localcluster, localnode
from cloudsift.cli import main
from cloudsift.errors import CloudsiftError
from cloudsift.nodeproc import NodeConfig


def _state(home: Path) -> NodeConfig:
    return dataclasses.replace(localnode.default_config(), home=home, credentials=home / "credentials.json",
                               port=19990, port_pinned=True)


def _layout(home: Path, size: int) -> None:
    home.mkdir(parents=True, exist_ok=True)
    nodes = [{"name": f"cloudsift-local-{i}", "http": 19990 + i, "transport": 19890 + i} for i in range(size)]
    (home / localcluster.LAYOUT).write_text(json.dumps({"nodes": nodes}))


def test_a_single_nodes_state_is_not_turned_into_a_cluster(tmp_path: Path) -> None:
    """`start --nodes 3` on a directory that holds a single node says so and starts nothing."""
    (tmp_path / "config").mkdir()
    with pytest.raises(CloudsiftError, match="holds a single node"):
        localcluster.start(_state(tmp_path), 3)
    assert not (tmp_path / localcluster.LAYOUT).exists()


def test_a_cluster_is_started_at_its_own_size(tmp_path: Path) -> None:
    """A 3-node cluster is not started with --nodes 2, and not as a single node."""
    _layout(tmp_path, 3)
    with pytest.raises(CloudsiftError, match="holds a 3-node cluster: start it with --nodes 3"):
        localcluster.start(_state(tmp_path), 2)
    with pytest.raises(CloudsiftError, match="holds a cluster"):
        localnode.start(_state(tmp_path))


def test_members_name_their_peers_and_certificates(tmp_path: Path) -> None:
    """Each node gets its own directory and ports, every peer as a seed, TLS with the cluster's certificates,
    and a vote in the first election only while it has never joined."""
    _layout(tmp_path, 3)
    nodes = localcluster.members(_state(tmp_path))
    assert [n.home for n in nodes] == [tmp_path / f"node-{i}" for i in range(3)]
    assert [n.port for n in nodes] == [19990, 19991, 19992]
    first = nodes[0].topology
    assert first["transport.port"] == 19890
    assert first["discovery.seed_hosts"] == ["127.0.0.1:19890", "127.0.0.1:19891", "127.0.0.1:19892"]
    assert first["xpack.security.transport.ssl.verification_mode"] == "full"
    assert first["xpack.security.transport.ssl.certificate_authorities"] == [
        f"certs/cloudsift-local-{i}/cloudsift-local-{i}.crt" for i in range(3)]
    assert first["cluster.initial_master_nodes"] == [f"cloudsift-local-{i}" for i in range(3)]
    (tmp_path / "node-0" / "data" / "_state").mkdir(parents=True)
    assert "cluster.initial_master_nodes" not in localcluster.members(_state(tmp_path))[0].topology


def test_es_start_refuses_less_than_one_node(capsys: pytest.CaptureFixture) -> None:
    """`es start --nodes 0` is a usage error."""
    assert main(["es", "start", "--nodes", "0"]) != 0
    assert "--nodes must be at least 1" in capsys.readouterr().err
