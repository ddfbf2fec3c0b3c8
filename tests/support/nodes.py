"""Throwaway Elasticsearch nodes for tests that must not touch the suite's node (on pytest's pythonpath)."""
from __future__ import annotations

import dataclasses
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cloudsift import localnode


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def throwaway_node(prefix: str, **settings: object) -> Iterator[tuple[localnode.NodeConfig, localnode.NodeInfo]]:
    """A node of its own (state under /var/tmp, a free port, a small heap), stopped and removed afterwards."""
    home = Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
    cfg = dataclasses.replace(localnode.default_config(), home=home, port=free_port(), heap="512m",
                              credentials=home.with_name(home.name + ".credentials.json"),
                              extra_settings=dict(settings))
    try:
        yield cfg, localnode.start(cfg)
    finally:
        localnode.stop(cfg)
        shutil.rmtree(home, ignore_errors=True)
        cfg.credentials.unlink(missing_ok=True)
