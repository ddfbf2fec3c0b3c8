"""A local cluster: several nodes of the integ-test distribution on loopback, in one state directory.

`cloudsift es start --nodes 3` runs what a production cluster has and one node lacks: replicas on
other nodes, a master elected among three, shards failing over when a node dies. Each node has its
own state directory below the cluster's (`node-0/`, `node-1/`, …) with its own HTTP and transport
ports, recorded in `cluster.json` so a node restarted alone finds its peers where they are. Nodes
talk over TLS with certificates that the distribution's `elasticsearch-certutil` makes once (one
self-signed certificate per node, for 127.0.0.1; every node trusts exactly these), kept in `certs/`. HTTP stays plain on loopback, with
security on and the `elastic` user's bootstrap password in every node's keystore, as for one node.

No cloudsift@custom component here: a cluster keeps Elasticsearch's default of one replica, as a
production cluster does (the single node puts one with none, since it could never assign them).
"""
from __future__ import annotations

import dataclasses
import json
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import urllib3
import yaml

from cloudsift import localnode, nodeproc
from cloudsift.errors import CloudsiftError
from cloudsift.localdist import fetch_distribution, find_java
from cloudsift.nodeproc import NodeConfig

LAYOUT = nodeproc.CLUSTER_LAYOUT
CERTS = "certs"
KEYSTORE = "elasticsearch.keystore"
TRANSPORT_PORT = 9300  # where transport ports are looked for, as HTTP ports are from DEFAULT_PORT
CERT_DAYS = 3650  # a throwaway CA on loopback: it must not be what stops a long-lived dev cluster


@dataclass(frozen=True, slots=True)
class Member:
    """One node of the cluster: its name and ports (what its peers need to know)."""

    name: str
    http: int
    transport: int


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    """What `start` and `status` report."""

    urls: tuple[str, ...]
    version: str
    health: str
    nodes: int  # nodes in the cluster now
    size: int  # nodes it should have
    username: str
    password: str
    started: int = 0  # nodes this call started (the rest were running)

    @property
    def url(self) -> str:
        """Every node's URL, comma-separated, as ELASTICSEARCH_URL takes them."""
        return ",".join(self.urls)


def is_cluster(cfg: NodeConfig) -> bool:
    """Whether the state directory holds a cluster (not a single node)."""
    return (cfg.home / LAYOUT).is_file()


def members(cfg: NodeConfig) -> list[NodeConfig]:
    """Each node's own configuration, from the recorded layout."""
    layout = _load_layout(cfg)
    if layout is None:
        raise CloudsiftError(f"{cfg.home} holds no cluster: run `cloudsift es start --nodes N`")
    return [_member_config(cfg, layout, m) for m in layout]


def pids(cfg: NodeConfig) -> list[int | None]:
    """The process of each node, None for a node that is not running."""
    return [nodeproc.node_pid(node) for node in members(cfg)]


def start(cfg: NodeConfig, size: int) -> ClusterInfo:
    """Start every node of the cluster that is not running (all of them the first time), then wait until
    all `size` nodes have joined and the cluster is at least yellow."""
    layout = _load_layout(cfg)
    if layout is None:
        if (cfg.home / "config").exists():
            raise CloudsiftError(f"{cfg.home} holds a single node: run `cloudsift es stop` and use another "
                                 "state directory (CLOUDSIFT_ES_HOME) for a cluster")
        layout = _new_layout(cfg, size)
    elif len(layout) != size:
        raise CloudsiftError(f"{cfg.home} holds a {len(layout)}-node cluster: start it with --nodes {len(layout)}, "
                             "or use another state directory (CLOUDSIFT_ES_HOME)")
    creds = localnode.read_credentials(cfg)
    password = creds["password"] if creds else secrets.token_urlsafe(24)
    nodes = [_member_config(cfg, layout, m) for m in layout]
    down = [node for node in nodes if nodeproc.node_pid(node) is None]
    procs: dict[Path, subprocess.Popen] = {}
    if down:
        for node in down:
            _check_ports(node, layout)
        java = find_java()
        dist = fetch_distribution(cfg.version, cfg.dist)
        owner = localnode.node_owner(cfg)
        if owner:
            cfg.home.chmod(0o755)  # the node user enters it to reach its node's directory
        with ThreadPoolExecutor(1) as pool:  # certutil's JVM starts while the keystore tool's does
            making = pool.submit(_certificates, cfg, layout, dist, java)
            keystore = _keystore(nodes, down[0], dist, java, owner, password, fresh=creds is None)
            certs = making.result()
        for node in down:
            shutil.copytree(certs, node.home / "config" / CERTS, dirs_exist_ok=True)
            if keystore != node.home / "config" / KEYSTORE:
                shutil.copy2(keystore, node.home / "config" / KEYSTORE)
            env = nodeproc.prepare(node, dist, java, owner)
            procs[node.home] = nodeproc.launch(node, dist, env, owner)
    localnode.write_credentials(cfg, password, ",".join(node.url for node in nodes))
    return _wait_formed(nodes, password, procs)


def status(cfg: NodeConfig) -> ClusterInfo:
    """URLs, version, health and how many nodes have joined; an error when no node of it runs."""
    creds = localnode.read_credentials(cfg)
    nodes = members(cfg)
    if creds is None:
        raise CloudsiftError(f"the local cluster of {cfg.home} was never started: run `cloudsift es start`")
    up = [node for node in nodes if nodeproc.node_pid(node) is not None]
    if not up:
        raise CloudsiftError(f"no node of the local cluster of {cfg.home} is running: run `cloudsift es start`")
    problems = []
    for node in up:
        try:
            return _info(nodes, node, creds["password"])
        except (urllib3.exceptions.HTTPError, CloudsiftError) as exc:
            problems.append(str(exc) or type(exc).__name__)
    raise CloudsiftError(f"no node of the local cluster of {cfg.home} answers: {'; '.join(problems)}")


def stop(cfg: NodeConfig, timeout: float = 60.0) -> int:
    """Stop every node of the cluster together; how many were running."""
    return localnode.stop_all(members(cfg), timeout)


# --- layout and certificates ------------------------------------------------------------------


def _load_layout(cfg: NodeConfig) -> list[Member] | None:
    try:
        data = json.loads((cfg.home / LAYOUT).read_text())
        return [Member(str(m["name"]), int(m["http"]), int(m["transport"])) for m in data["nodes"]]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CloudsiftError(f"cannot read the cluster layout {cfg.home / LAYOUT}: {exc}") from None


def _new_layout(cfg: NodeConfig, size: int) -> list[Member]:
    """Names and free ports for `size` nodes: HTTP from cfg.port (exactly there when pinned), transport from 9300."""
    if size < 2:
        raise CloudsiftError("a cluster has at least 2 nodes (one node: `cloudsift es start`)")
    if cfg.port_pinned:
        http = [cfg.port + i for i in range(size)]
        for port in http:
            if not nodeproc.port_free(port):
                raise CloudsiftError(f"{localnode.port_in_use(port, cfg.home)}: the cluster's HTTP ports are "
                                     f"{http[0]}-{http[-1]}; stop it or set CLOUDSIFT_ES_PORT to another port")
    else:
        http = _free_ports(cfg.port, size, set())
    transport = _free_ports(TRANSPORT_PORT, size, set(http))
    layout = [Member(f"{nodeproc.CLUSTER_NAME}-{i}", http[i], transport[i]) for i in range(size)]
    cfg.home.mkdir(parents=True, exist_ok=True)
    (cfg.home / LAYOUT).write_text(json.dumps({"nodes": [dataclasses.asdict(m) for m in layout]}, indent=2) + "\n")
    return layout


def _free_ports(first: int, count: int, taken: set[int]) -> list[int]:
    found = [p for p in range(first, min(first + localnode.PORT_SPAN, 65536)) if p not in taken and nodeproc.port_free(p)]
    if len(found) < count:
        raise CloudsiftError(f"fewer than {count} free ports in {first}-{first + localnode.PORT_SPAN - 1} on "
                             "127.0.0.1: set CLOUDSIFT_ES_PORT")
    return found[:count]


def _check_ports(node: NodeConfig, layout: list[Member]) -> None:
    """Refuse to start a node whose recorded port something else took meanwhile."""
    member = next(m for m in layout if m.http == node.port)
    for port in (member.http, member.transport):
        if not nodeproc.port_free(port):
            raise CloudsiftError(f"{localnode.port_in_use(port, node.home)}: node {member.name} of this cluster "
                                 "needs it; stop that process")


def _member_config(cfg: NodeConfig, layout: list[Member], member: Member) -> NodeConfig:
    home = cfg.home / f"node-{layout.index(member)}"
    cert = f"{CERTS}/{member.name}/{member.name}"
    topology = {
        "node.name": member.name,
        "transport.port": member.transport,
        "discovery.seed_hosts": [f"127.0.0.1:{m.transport}" for m in layout],
        "xpack.security.transport.ssl.enabled": True,
        # Every node certificate names 127.0.0.1, so peers check the address as well as the certificate.
        "xpack.security.transport.ssl.verification_mode": "full",
        "xpack.security.transport.ssl.key": f"{cert}.key",
        "xpack.security.transport.ssl.certificate": f"{cert}.crt",
        "xpack.security.transport.ssl.certificate_authorities": [f"{CERTS}/{m.name}/{m.name}.crt" for m in layout],
    }
    data = home / "data"
    if not (data.is_dir() and any(data.iterdir())):
        # Only a node that never joined votes in the first election; once the cluster has formed,
        # Elasticsearch wants this setting gone (a restarted node rejoins through seed_hosts).
        topology["cluster.initial_master_nodes"] = [m.name for m in layout]
    return replace(cfg, home=home, port=member.http, port_pinned=True, topology=topology)


def _keystore(nodes: list[NodeConfig], first: NodeConfig, dist: Path, java: Path, owner: pwd.struct_passwd | None,
              password: str, *, fresh: bool) -> Path:
    """A keystore holding the bootstrap password, for every node to copy (one keystore tool run, not one per node)."""
    if not fresh:
        for node in nodes:
            if (node.home / "config" / KEYSTORE).is_file():
                return node.home / "config" / KEYSTORE
    env = nodeproc.prepare(first, dist, java, owner)
    nodeproc.set_bootstrap_password(dist, env, owner, password)
    return first.home / "config" / KEYSTORE


def _certificates(cfg: NodeConfig, layout: list[Member], dist: Path, java: Path) -> Path:
    """The cluster's certs/ (<node>/<node>.crt and .key), made by certutil on first use."""
    certs = cfg.home / CERTS
    if all((certs / m.name / f"{m.name}.crt").is_file() for m in layout):
        return certs
    tool = str(dist / "bin" / "elasticsearch-certutil")
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "ES_JAVA_HOME": str(java),
           "ES_PATH_CONF": str(dist / "config"), "HOME": str(cfg.home)}
    with tempfile.TemporaryDirectory(dir=cfg.home) as tmp:
        work = Path(tmp)
        instances = {"instances": [{"name": m.name, "ip": ["127.0.0.1"], "dns": ["localhost"]} for m in layout]}
        (work / "instances.yml").write_text(yaml.safe_dump(instances))
        # Self-signed, one per node, each node trusting exactly the cluster's own certificates: one
        # certutil run instead of two (a CA, then certificates), and nothing else can be made to pass.
        step = [tool, "cert", "--self-signed", "--pem", "--silent", "--days", str(CERT_DAYS),
                "--in", str(work / "instances.yml"), "--out", str(work / "nodes.zip")]
        proc = subprocess.run(step, env=env, capture_output=True, text=True, timeout=300, check=False)
        if proc.returncode != 0:
            raise CloudsiftError(f"elasticsearch-certutil failed: {(proc.stdout + proc.stderr).strip()[-500:]}")
        with zipfile.ZipFile(work / "nodes.zip") as zf:
            zf.extractall(work)
        shutil.rmtree(certs, ignore_errors=True)
        certs.mkdir(mode=0o700)
        for member in layout:
            shutil.copytree(work / member.name, certs / member.name)
    return certs


# --- health ------------------------------------------------------------------------------------


def _info(nodes: list[NodeConfig], node: NodeConfig, password: str, started: int = 0) -> ClusterInfo:
    version = nodeproc.identify(node, password)
    code, health = nodeproc.http(node, "GET", "/_cluster/health", password)
    if code != 200:
        raise CloudsiftError(f"the node at {node.url} answered HTTP {code} for the cluster's health")
    return ClusterInfo(tuple(n.url for n in nodes), version, str(health.get("status", "?")),
                       int(health.get("number_of_nodes", 0)), len(nodes), "elastic", password, started)


def _wait_formed(nodes: list[NodeConfig], password: str, procs: dict[Path, subprocess.Popen]) -> ClusterInfo:
    """Wait until every node has joined and the cluster is yellow or green; the nodes started must stay up."""
    deadline = time.monotonic() + localnode.START_TIMEOUT_S
    last = "no node answered yet"
    while time.monotonic() < deadline:
        for node in nodes:
            proc = procs.get(node.home)
            if proc is not None and proc.poll() is not None:
                node.pid_file.unlink(missing_ok=True)
                raise CloudsiftError(f"Elasticsearch node {node.home.name} exited with status {proc.returncode} "
                                     f"while starting:\n{nodeproc.log_tail(node)}")
        for node in nodes:
            try:
                # A node answers before the cluster has formed (401/503 until a master is elected).
                info = _info(nodes, node, password, started=len(procs))
            except (urllib3.exceptions.HTTPError, CloudsiftError) as exc:
                last = str(exc) or type(exc).__name__
                continue
            if info.nodes == len(nodes) and info.health in ("green", "yellow"):
                return info
            last = f"{info.nodes} of {len(nodes)} nodes joined, health {info.health}"
            break
        time.sleep(0.5)
    tails = "\n".join(nodeproc.log_tail(node, lines=10) for node in nodes if node.home in procs)
    raise CloudsiftError(f"the local cluster did not form within {localnode.START_TIMEOUT_S}s ({last}):\n{tails}")
