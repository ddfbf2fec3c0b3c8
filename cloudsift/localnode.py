"""The local default Elasticsearch: a real single node from Elastic's integ-test distribution.

The distribution and Java come from `localdist`; the unpacked copy is cached per user. The node runs
with security on, HTTP on 127.0.0.1 only, and never as root: when invoked as root it runs as a
system user this module creates. The distribution has the server and security but no optional
modules (no ingest processors, painless, EQL, ES|QL, ILM, native users/API keys): see README.

One state directory is one node: its pid file, its credentials and the node's own data path name
it, so a node that another user or another state directory started is never reused or stopped.
A state directory may instead hold a cluster of several such nodes: see `localcluster`.
"""
from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path

import urllib3

from cloudsift import nodeproc
from cloudsift.errors import CloudsiftError
from cloudsift.localdist import fetch_distribution, find_java
from cloudsift.nodeproc import NodeConfig

DEFAULT_VERSION = "9.2.8"
DEFAULT_PORT = 9200
PORT_SPAN = 100  # without CLOUDSIFT_ES_PORT, a taken port moves to the next free one of the 99 after it
DEFAULT_HEAP = "2g"  # plenty for tests and the demo on a 2-core / 24 GiB box; leaves room for the rest
NODE_USER = "cloudsift-es"
START_TIMEOUT_S = 180
# Settings for every cloudsift index on this one node: no replicas, which one node could never
# assign (health would stay yellow). Our index templates compose this component template when it
# exists (ignore_missing_component_templates); a real cluster simply does not have it.
LOCAL_COMPONENT = "cloudsift@custom"
LOCAL_SETTINGS = {"index.number_of_replicas": 0}
_USER_NAME = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What `start` and `status` report."""

    url: str
    version: str
    health: str
    username: str
    password: str
    reused: bool = False
    notice: str = ""  # why the node listens elsewhere than asked, if it does


def default_config() -> NodeConfig:
    """The node's configuration from CLOUDSIFT_ES_* variables and per-user defaults."""
    env = os.environ
    root = os.geteuid() == 0
    user_home = Path.home()
    if root:
        # NODE_USER cannot enter /root: keep node state under /var/lib, one directory per invoking user.
        base = Path("/var/lib/cloudsift") / _invoking_user()
        cache = Path("/var/lib/cloudsift/dist")
    else:
        base = _xdg("XDG_DATA_HOME", user_home / ".local/share") / "cloudsift"
        cache = _xdg("XDG_CACHE_HOME", user_home / ".cache") / "cloudsift"
    home = Path(env.get("CLOUDSIFT_ES_HOME", base / "es"))
    credentials = Path(env.get("CLOUDSIFT_ES_CREDENTIALS", home / "credentials.json"))
    pinned = "CLOUDSIFT_ES_PORT" in env
    if pinned:
        try:
            port = int(env["CLOUDSIFT_ES_PORT"])
        except ValueError:
            raise CloudsiftError(f"CLOUDSIFT_ES_PORT must be a port number, got {env['CLOUDSIFT_ES_PORT']!r}") from None
    else:
        stored = _load_credentials(credentials)
        port = _port_of(stored) if stored else DEFAULT_PORT
    return NodeConfig(
        version=env.get("CLOUDSIFT_ES_VERSION", DEFAULT_VERSION),
        port=port,
        heap=env.get("CLOUDSIFT_ES_HEAP", DEFAULT_HEAP),
        home=home,
        cache=Path(env.get("CLOUDSIFT_ES_CACHE", cache)),
        credentials=credentials,
        run_as=NODE_USER if root else None,
        port_pinned=pinned,
    )


def _invoking_user() -> str:
    """Whose node this is when running as root: sudo's caller, else root itself."""
    name = os.environ.get("SUDO_USER") or pwd.getpwuid(os.geteuid()).pw_name
    # The name becomes a path component: anything unusual is replaced by the numeric uid.
    return name if _USER_NAME.fullmatch(name) else str(os.geteuid())


def _xdg(var: str, fallback: Path) -> Path:
    return Path(os.environ[var]) if os.environ.get(var) else fallback


# --- credentials -------------------------------------------------------------------------


def read_credentials(cfg: NodeConfig) -> dict | None:
    """The stored url/username/password of the local node, or None before the first start."""
    return _load_credentials(cfg.credentials)


def _load_credentials(path: Path) -> dict | None:
    """The url/username/password stored at `path`, or None when there is no such file."""
    try:
        creds = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise CloudsiftError(f"cannot read local node credentials {path}: {exc}") from None
    if not isinstance(creds, dict) or not all(isinstance(creds.get(k), str) for k in ("url", "username", "password")):
        raise CloudsiftError(f"local node credentials {path} lack url, username or password: delete the file "
                             "and its state directory, then run `cloudsift es start`")
    return creds


def _port_of(creds: dict) -> int:
    # A cluster's credentials list every node's URL (ours, comma-separated): the first one's port is where it starts.
    port = urllib3.util.parse_url(creds["url"].split(",")[0]).port
    return port if port is not None else DEFAULT_PORT


def write_credentials(cfg: NodeConfig, password: str, url: str | None = None) -> None:
    """Store the URL (cfg.url unless given: a cluster gives all its nodes') and the `elastic` password."""
    cfg.credentials.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(cfg.credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"url": url or cfg.url, "username": "elastic", "password": password}, fh)
    os.chmod(cfg.credentials, 0o600)


def node_owner(cfg: NodeConfig) -> pwd.struct_passwd | None:
    """The system user the node runs as (created when missing), or None to run as ourselves."""
    return nodeproc.ensure_node_user(cfg.run_as) if cfg.run_as else None


def port_in_use(port: int, home: Path) -> str:
    """The first half of a message refusing `port`: who listens there."""
    return f"port {port} on 127.0.0.1 is in use by {nodeproc.listener(port)}, which {home} did not start"


def _choose_port(cfg: NodeConfig) -> tuple[int, str]:
    """The port to start on and, when it is not the one asked for, why."""
    if nodeproc.port_free(cfg.port):
        return cfg.port, ""
    taken = port_in_use(cfg.port, cfg.home)
    if cfg.port_pinned:
        raise CloudsiftError(f"{taken}: stop it or set CLOUDSIFT_ES_PORT to another port")
    for port in range(cfg.port + 1, min(cfg.port + PORT_SPAN, 65536)):
        if nodeproc.port_free(port):
            return port, f"{taken}; using port {port}"
    raise CloudsiftError(f"{taken}, and so are the {PORT_SPAN - 1} ports after it: set CLOUDSIFT_ES_PORT")


def _info(cfg: NodeConfig, password: str, reused: bool, notice: str = "") -> NodeInfo:
    version = nodeproc.identify(cfg, password)
    _, health = nodeproc.http(cfg, "GET", "/_cluster/health", password)
    return NodeInfo(cfg.url, version, health.get("status", "?"), "elastic", password, reused, notice)


def _install_local_settings(cfg: NodeConfig, password: str) -> None:
    """Put LOCAL_COMPONENT unless it exists (someone may have edited it on purpose)."""
    body = {"template": {"settings": LOCAL_SETTINGS},
            "_meta": {"managed_by": "cloudsift", "why": "one node cannot assign replicas"}}
    status, answer = nodeproc.http(cfg, "PUT", f"/_component_template/{LOCAL_COMPONENT}?create=true", password, body)
    exists = status == 400 and "already exists" in json.dumps(answer.get("error", ""))
    if status != 200 and not exists:
        raise CloudsiftError(f"cannot put component template {LOCAL_COMPONENT} on {cfg.url}: HTTP {status} {answer}")


def start(cfg: NodeConfig) -> NodeInfo:
    """Start this state directory's node (or reuse it when running) and wait until it is healthy."""
    if (cfg.home / nodeproc.CLUSTER_LAYOUT).is_file():
        raise CloudsiftError(f"{cfg.home} holds a cluster: start it with `cloudsift es start`, or use another "
                             "state directory (CLOUDSIFT_ES_HOME) for one node")
    creds = read_credentials(cfg)
    if nodeproc.node_pid(cfg):
        if creds is None:
            raise CloudsiftError(f"the node of {cfg.home} runs but its credentials {cfg.credentials} are gone: "
                                 "run `cloudsift es stop`, then start it again")
        running = replace(cfg, port=_port_of(creds))
        info = _wait_healthy(running, creds["password"], proc=None, reused=True)
        _install_local_settings(running, creds["password"])
        return info
    port, notice = _choose_port(cfg)
    cfg = replace(cfg, port=port)
    java = find_java()
    dist = fetch_distribution(cfg.version, cfg.dist)
    owner = node_owner(cfg)
    env = nodeproc.prepare(cfg, dist, java, owner)
    password = creds["password"] if creds else secrets.token_urlsafe(24)
    if creds is None or not (cfg.home / "config" / "elasticsearch.keystore").exists():
        nodeproc.set_bootstrap_password(dist, env, owner, password)
    write_credentials(cfg, password)  # the port may have changed since the last start
    proc = nodeproc.launch(cfg, dist, env, owner)
    info = _wait_healthy(cfg, password, proc=proc, reused=False, notice=notice)
    _install_local_settings(cfg, password)
    return info


def _wait_healthy(cfg: NodeConfig, password: str, proc: subprocess.Popen | None, reused: bool,
                  notice: str = "") -> NodeInfo:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            cfg.pid_file.unlink(missing_ok=True)
            raise CloudsiftError(f"Elasticsearch exited with status {proc.returncode} while starting:\n"
                                 f"{nodeproc.log_tail(cfg)}")
        try:
            info = _info(cfg, password, reused, notice)
            if info.health in ("green", "yellow"):
                return info
        except urllib3.exceptions.HTTPError:
            pass
        time.sleep(0.5)
    raise CloudsiftError(f"Elasticsearch did not become healthy within {START_TIMEOUT_S}s:\n{nodeproc.log_tail(cfg)}")


def status(cfg: NodeConfig) -> NodeInfo:
    """URL, version and health of this state directory's node; an error when it is not running."""
    creds = read_credentials(cfg)
    if creds is None:
        raise CloudsiftError(f"the local node of {cfg.home} was never started: run `cloudsift es start`")
    if nodeproc.node_pid(cfg) is None:
        raise CloudsiftError(f"the local node of {cfg.home} is not running: run `cloudsift es start`")
    cfg = replace(cfg, port=_port_of(creds))
    try:
        return _info(cfg, creds["password"], reused=True)
    except urllib3.exceptions.HTTPError:
        raise CloudsiftError(f"no Elasticsearch answers at {cfg.url}: run `cloudsift es start`") from None


def stop(cfg: NodeConfig, timeout: float = 60.0) -> bool:
    """Stop this state directory's node (SIGTERM, then SIGKILL after `timeout`); False if it was not running."""
    return bool(stop_all([cfg], timeout))


def stop_all(nodes: list[NodeConfig], timeout: float = 60.0) -> int:
    """Stop these state directories' nodes together (SIGTERM, then SIGKILL after `timeout`); how many ran."""
    running = [(cfg, pid) for cfg in nodes if (pid := nodeproc.node_pid(cfg)) is not None]
    for cfg in nodes:
        if all(cfg is not other for other, _ in running):
            cfg.pid_file.unlink(missing_ok=True)
    for _, pid in running:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(nodeproc.alive(pid) for _, pid in running) and time.monotonic() < deadline:
        time.sleep(0.2)
    for cfg, pid in running:
        if nodeproc.alive(pid):
            os.kill(pid, signal.SIGKILL)
        cfg.pid_file.unlink(missing_ok=True)
    return len(running)
