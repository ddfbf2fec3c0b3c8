"""One Elasticsearch process of the integ-test distribution, run from a state directory.

What a single local node (`localnode`) and each member of a local cluster (`localcluster`) have in
common: the settings file, the keystore, the system user it runs as when invoked as root, its pid
file, and telling whether a process is really this state directory's node.
"""
from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import urllib3
import yaml

from cloudsift.errors import CloudsiftError

CLUSTER_NAME = "cloudsift-local"
CLUSTER_LAYOUT = "cluster.json"  # in a state directory that holds a cluster (see localcluster)
NODE_DIRS = ("config", "data", "logs", "tmp")
# How a lone node finds its peers: it has none, and its transport port is never used.
SINGLE_NODE = {"node.name": "cloudsift-local", "transport.port": 0, "discovery.type": "single-node",
               "xpack.security.transport.ssl.enabled": False}


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """Where and how the local node runs; every value has an environment override."""

    version: str
    port: int
    heap: str
    home: Path  # state directory: config/, data/, logs/, tmp/, the pid file, the credentials
    cache: Path  # unpacked distributions, shared by every node of this user
    credentials: Path  # JSON with url/username/password, readable only by the invoking user
    run_as: str | None  # system user to run the node as (when invoked as root)
    extra_settings: dict = field(default_factory=dict)  # more elasticsearch.yml settings (tests: tiny queues)
    java_opts: str = ""  # more JVM options after the heap (tests: a C1-only JIT, which halves a start's CPU)
    port_pinned: bool = True  # False: `start` may move to another free port when this one is taken
    # Discovery and transport: SINGLE_NODE, or a cluster member's name, transport port, peers and TLS.
    topology: dict = field(default_factory=lambda: dict(SINGLE_NODE))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dist(self) -> Path:
        return self.cache / f"elasticsearch-{self.version}"

    @property
    def pid_file(self) -> Path:
        return self.home / "node.pid"

    @property
    def console_log(self) -> Path:
        return self.home / "logs" / "console.log"


def node_pid(cfg: NodeConfig) -> int | None:
    """The pid file's process if it is this state directory's node (a pid can be reused by anything)."""
    try:
        pid = int(cfg.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if not alive(pid):
        return None
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    # bin/elasticsearch execs the launcher JVM with the config directory we gave it.
    return pid if f"-Des.path.conf={cfg.home / 'config'}".encode() in argv else None


def alive(pid: int) -> bool:
    """Whether process `pid` exists (reaping it first if this process started it and it ended)."""
    try:
        # Reap it if this process started it (the test suite does); else it would linger as a zombie.
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's (the pid may have been reused)
    return True


def port_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def listener(port: int) -> str:
    """Who listens on `port`, for the message that refuses it: what answers there and its user."""
    what = "a process"
    try:
        resp = urllib3.request("GET", f"http://127.0.0.1:{port}/", timeout=2.0, retries=False)
        # With security on, a node answers 401 from its "security" realm before naming its product.
        realm = 'realm="security"' in resp.headers.get("WWW-Authenticate", "")
        if realm or resp.headers.get("X-elastic-product") == "Elasticsearch":
            what = "an Elasticsearch node"
    except urllib3.exceptions.HTTPError:
        pass
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = [line.split() for line in Path(table).read_text().splitlines()[1:]]
        except OSError:
            continue
        for row in rows:
            # local_address is HEXIP:HEXPORT, st 0A is LISTEN, then the owner's uid.
            if len(row) > 7 and row[3] == "0A" and int(row[1].rsplit(":", 1)[1], 16) == port:
                return f"{what} of user {_user_name(int(row[7]))}"
    return what


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def ensure_node_user(name: str) -> pwd.struct_passwd:
    """The system user `name`, created when missing (Elasticsearch refuses to run as root)."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    useradd = shutil.which("useradd")
    if not useradd:
        raise CloudsiftError(f"Elasticsearch refuses to run as root and `useradd` is missing to create user {name!r}")
    proc = subprocess.run([useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CloudsiftError(f"cannot create system user {name!r} to run Elasticsearch: {proc.stderr.strip()}")
    return pwd.getpwnam(name)


def node_settings(cfg: NodeConfig) -> dict:
    """The node's elasticsearch.yml as a mapping: loopback, security on, its topology, then the extras."""
    return {
        "cluster.name": CLUSTER_NAME,
        "path.data": str(cfg.home / "data"),
        "path.logs": str(cfg.home / "logs"),
        "network.host": "127.0.0.1",
        "http.port": cfg.port,
        "xpack.security.enabled": True,
        # Loopback only; a shared or remote cluster must use TLS (ELASTICSEARCH_URL=https://…).
        "xpack.security.http.ssl.enabled": False,
        "action.destructive_requires_name": False,
        **cfg.topology,
        **cfg.extra_settings,
    }


def prepare(cfg: NodeConfig, dist: Path, java: Path, owner: pwd.struct_passwd | None) -> dict[str, str]:
    """Lay out the state directory (config copied from the distribution once, settings on every start);
    the environment to run the distribution's tools and the node with."""
    for sub in NODE_DIRS:
        (cfg.home / sub).mkdir(parents=True, exist_ok=True)
    conf = cfg.home / "config"
    for item in (dist / "config").iterdir():
        target = conf / item.name
        if item.is_file() and not target.exists():
            shutil.copy2(item, target)
        elif item.is_dir() and not target.exists():
            shutil.copytree(item, target)
    text = yaml.safe_dump(node_settings(cfg), sort_keys=False, default_flow_style=False)
    (conf / "elasticsearch.yml").write_text(
        "# Written by `cloudsift es start` on every start; edit CLOUDSIFT_ES_* variables instead.\n" + text)
    if owner:
        # The node writes only below these; the pid file and the credentials stay the invoking user's.
        cfg.home.chmod(0o755)
        for sub in NODE_DIRS:
            for path in [cfg.home / sub, *(cfg.home / sub).rglob("*")]:
                os.chown(path, owner.pw_uid, owner.pw_gid)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "ES_JAVA_HOME": str(java),
        "ES_PATH_CONF": str(conf),
        "ES_TMPDIR": str(cfg.home / "tmp"),
        "ES_JAVA_OPTS": f"-Xms{cfg.heap} -Xmx{cfg.heap} {cfg.java_opts}".strip(),
        "HOME": str(cfg.home),
    }


def run_as_node(cmd: list[str], env: dict[str, str], owner: pwd.struct_passwd | None, **kw) -> subprocess.Popen:
    """Start `cmd` as the node's user (`owner`, when invoked as root) or as ourselves."""
    if owner:
        kw.update(user=owner.pw_uid, group=owner.pw_gid, extra_groups=[])
    return subprocess.Popen(cmd, env=env, **kw)


def set_bootstrap_password(dist: Path, env: dict[str, str], owner: pwd.struct_passwd | None, password: str) -> None:
    """Put `password` in the node's keystore as the `elastic` user's bootstrap password."""
    tool = str(dist / "bin" / "elasticsearch-keystore")
    keystore = Path(env["ES_PATH_CONF"]) / "elasticsearch.keystore"
    steps = [] if keystore.exists() else [[tool, "create"]]
    steps.append([tool, "add", "-x", "-f", "bootstrap.password"])
    for step in steps:
        proc = run_as_node(step, env, owner, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        out, _ = proc.communicate(password if "add" in step else None, timeout=120)
        if proc.returncode != 0:
            raise CloudsiftError(f"elasticsearch-keystore failed: {out.strip()[-500:]}")


def launch(cfg: NodeConfig, dist: Path, env: dict[str, str], owner: pwd.struct_passwd | None) -> subprocess.Popen:
    """Start the node in a session of its own, console to its log, and write its pid file."""
    with open(cfg.console_log, "ab") as console:
        proc = run_as_node([str(dist / "bin" / "elasticsearch")], env, owner, stdout=console,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cfg.home, start_new_session=True)
    cfg.pid_file.write_text(str(proc.pid))
    return proc


def log_tail(cfg: NodeConfig, lines: int = 25) -> str:
    """The last lines of the node's console and server logs, for a message saying why it did not start."""
    texts = []
    for log in (cfg.console_log, cfg.home / "logs" / f"{CLUSTER_NAME}.log"):
        try:
            texts.append(f"--- {log} ---\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:]))
        except OSError:
            continue
    return "\n".join(texts) or "(no log written)"


def http(cfg: NodeConfig, method: str, path: str, password: str, body: dict | None = None,
         timeout: float = 5.0) -> tuple[int, dict]:
    """One request to the node as `elastic`: (status, JSON answer or {})."""
    headers = urllib3.make_headers(basic_auth=f"elastic:{password}")
    payload = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        payload = json.dumps(body).encode()
    resp = urllib3.request(method, cfg.url + path, body=payload, headers=headers, timeout=timeout, retries=False)
    try:
        answer = json.loads(resp.data or b"{}")
    except ValueError:
        answer = {}
    return resp.status, answer


def identify(cfg: NodeConfig, password: str) -> str:
    """The version of the node at cfg.url; a CloudsiftError unless it is this state directory's node."""
    # GET / lives in the rest-root module, which the integ-test distribution lacks.
    status, nodes = http(cfg, "GET", "/_nodes/_local?filter_path=nodes.*.version,nodes.*.settings.path.data",
                         password)
    if status == 401:
        raise CloudsiftError(f"the node at {cfg.url} rejected the credentials in {cfg.credentials}: "
                             f"it is not the node of {cfg.home}")
    if status != 200:
        raise CloudsiftError(f"the node at {cfg.url} answered HTTP {status}")
    node: dict = next(iter(nodes.get("nodes", {}).values()), {})
    data = node.get("settings", {}).get("path", {}).get("data")
    if (data if isinstance(data, list) else [data]) != [str(cfg.home / "data")]:
        raise CloudsiftError(f"the node at {cfg.url} keeps its data in {data}: it is not the node of {cfg.home}")
    return str(node.get("version", "?"))
