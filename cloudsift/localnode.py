"""The local default Elasticsearch: a real single node from Elastic's integ-test distribution.

The distribution and Java come from `localdist`; the unpacked copy is cached per user. The node runs
with security on, HTTP on 127.0.0.1 only, and never as root: when invoked as root it runs as a
system user this module creates. The distribution has the server and security but no optional
modules (no ingest processors, painless, EQL, ES|QL, ILM, native users/API keys): see README.

One state directory is one node: its pid file, its credentials and the node's own data path name
it, so a node that another user or another state directory started is never reused or stopped.
"""
from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import urllib3

from cloudsift.errors import CloudsiftError
from cloudsift.localdist import fetch_distribution, find_java

DEFAULT_VERSION = "9.2.8"
DEFAULT_PORT = 9200
PORT_SPAN = 100  # without CLOUDSIFT_ES_PORT, a taken port moves to the next free one of the 99 after it
DEFAULT_HEAP = "2g"  # plenty for tests and the demo on a 2-core / 24 GiB box; leaves room for the rest
NODE_USER = "cloudsift-es"
NODE_DIRS = ("config", "data", "logs", "tmp")
START_TIMEOUT_S = 180
# Settings for every cloudsift index on this one node: no replicas, which one node could never
# assign (health would stay yellow). Our index templates compose this component template when it
# exists (ignore_missing_component_templates); a real cluster simply does not have it.
LOCAL_COMPONENT = "cloudsift@custom"
LOCAL_SETTINGS = {"index.number_of_replicas": 0}
_USER_NAME = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")


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
    extra_settings: dict = field(default_factory=dict)  # more elasticsearch.yml lines (tests: tiny queues)
    port_pinned: bool = True  # False: `start` may move to another free port when this one is taken

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
    port = urllib3.util.parse_url(creds["url"]).port
    return port if port is not None else DEFAULT_PORT


def _write_credentials(cfg: NodeConfig, password: str) -> None:
    cfg.credentials.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(cfg.credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"url": cfg.url, "username": "elastic", "password": password}, fh)
    os.chmod(cfg.credentials, 0o600)


# --- process control ---------------------------------------------------------------------


def _node_pid(cfg: NodeConfig) -> int | None:
    """The pid file's process if it is this state directory's node (a pid can be reused by anything)."""
    try:
        pid = int(cfg.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if not _alive(pid):
        return None
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    # bin/elasticsearch execs the launcher JVM with the config directory we gave it.
    return pid if f"-Des.path.conf={cfg.home / 'config'}".encode() in argv else None


def _alive(pid: int) -> bool:
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


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _choose_port(cfg: NodeConfig) -> tuple[int, str]:
    """The port to start on and, when it is not the one asked for, why."""
    if _port_free(cfg.port):
        return cfg.port, ""
    taken = f"port {cfg.port} on 127.0.0.1 is in use by {_listener(cfg.port)}, which {cfg.home} did not start"
    if cfg.port_pinned:
        raise CloudsiftError(f"{taken}: stop it or set CLOUDSIFT_ES_PORT to another port")
    for port in range(cfg.port + 1, min(cfg.port + PORT_SPAN, 65536)):
        if _port_free(port):
            return port, f"{taken}; using port {port}"
    raise CloudsiftError(f"{taken}, and so are the {PORT_SPAN - 1} ports after it: set CLOUDSIFT_ES_PORT")


def _listener(port: int) -> str:
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


def _ensure_node_user(name: str) -> pwd.struct_passwd:
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


def _node_settings(cfg: NodeConfig) -> str:
    return "\n".join([
        "# Written by `cloudsift es start` on every start; edit CLOUDSIFT_ES_* variables instead.",
        "cluster.name: cloudsift-local",
        "node.name: cloudsift-local",
        f"path.data: {cfg.home / 'data'}",
        f"path.logs: {cfg.home / 'logs'}",
        "network.host: 127.0.0.1",
        f"http.port: {cfg.port}",
        "transport.port: 0",
        "discovery.type: single-node",
        "xpack.security.enabled: true",
        # Loopback only; a shared or remote cluster must use TLS (ELASTICSEARCH_URL=https://…).
        "xpack.security.http.ssl.enabled: false",
        "xpack.security.transport.ssl.enabled: false",
        "action.destructive_requires_name: false",
        *(f"{key}: {value}" for key, value in cfg.extra_settings.items()),
        "",
    ])


def _prepare(cfg: NodeConfig, dist: Path, java: Path, owner: pwd.struct_passwd | None) -> dict[str, str]:
    for sub in NODE_DIRS:
        (cfg.home / sub).mkdir(parents=True, exist_ok=True)
    conf = cfg.home / "config"
    for item in (dist / "config").iterdir():
        target = conf / item.name
        if item.is_file() and not target.exists():
            shutil.copy2(item, target)
        elif item.is_dir() and not target.exists():
            shutil.copytree(item, target)
    (conf / "elasticsearch.yml").write_text(_node_settings(cfg))
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
        "ES_JAVA_OPTS": f"-Xms{cfg.heap} -Xmx{cfg.heap}",
        "HOME": str(cfg.home),
    }


def _run_as_node(cmd: list[str], env: dict[str, str], owner: pwd.struct_passwd | None, **kw) -> subprocess.Popen:
    if owner:
        kw.update(user=owner.pw_uid, group=owner.pw_gid, extra_groups=[])
    return subprocess.Popen(cmd, env=env, **kw)


def _set_bootstrap_password(dist: Path, env: dict[str, str], owner: pwd.struct_passwd | None, password: str) -> None:
    tool = str(dist / "bin" / "elasticsearch-keystore")
    keystore = Path(env["ES_PATH_CONF"]) / "elasticsearch.keystore"
    steps = [] if keystore.exists() else [[tool, "create"]]
    steps.append([tool, "add", "-x", "-f", "bootstrap.password"])
    for step in steps:
        proc = _run_as_node(step, env, owner, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
        out, _ = proc.communicate(password if "add" in step else None, timeout=120)
        if proc.returncode != 0:
            raise CloudsiftError(f"elasticsearch-keystore failed: {out.strip()[-500:]}")


def _log_tail(cfg: NodeConfig, lines: int = 25) -> str:
    texts = []
    for log in (cfg.console_log, cfg.home / "logs" / "cloudsift-local.log"):
        try:
            texts.append(f"--- {log} ---\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:]))
        except OSError:
            continue
    return "\n".join(texts) or "(no log written)"


def _http(cfg: NodeConfig, method: str, path: str, password: str, body: dict | None = None,
          timeout: float = 5.0) -> tuple[int, dict]:
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


def _info(cfg: NodeConfig, password: str, reused: bool, notice: str = "") -> NodeInfo:
    # GET / lives in the rest-root module, which the integ-test distribution lacks.
    status, nodes = _http(cfg, "GET", "/_nodes/_local?filter_path=nodes.*.version,nodes.*.settings.path.data",
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
    _, health = _http(cfg, "GET", "/_cluster/health", password)
    return NodeInfo(cfg.url, node.get("version", "?"), health.get("status", "?"), "elastic", password, reused, notice)


def _install_local_settings(cfg: NodeConfig, password: str) -> None:
    """Put LOCAL_COMPONENT unless it exists (someone may have edited it on purpose)."""
    body = {"template": {"settings": LOCAL_SETTINGS},
            "_meta": {"managed_by": "cloudsift", "why": "one node cannot assign replicas"}}
    status, answer = _http(cfg, "PUT", f"/_component_template/{LOCAL_COMPONENT}?create=true", password, body)
    exists = status == 400 and "already exists" in json.dumps(answer.get("error", ""))
    if status != 200 and not exists:
        raise CloudsiftError(f"cannot put component template {LOCAL_COMPONENT} on {cfg.url}: HTTP {status} {answer}")


def start(cfg: NodeConfig) -> NodeInfo:
    """Start this state directory's node (or reuse it when running) and wait until it is healthy."""
    creds = read_credentials(cfg)
    if _node_pid(cfg):
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
    owner = _ensure_node_user(cfg.run_as) if cfg.run_as else None
    env = _prepare(cfg, dist, java, owner)
    password = creds["password"] if creds else secrets.token_urlsafe(24)
    if creds is None or not (cfg.home / "config" / "elasticsearch.keystore").exists():
        _set_bootstrap_password(dist, env, owner, password)
    _write_credentials(cfg, password)  # the port may have changed since the last start
    with open(cfg.console_log, "ab") as console:
        proc = _run_as_node([str(dist / "bin" / "elasticsearch")], env, owner, stdout=console,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cfg.home, start_new_session=True)
    cfg.pid_file.write_text(str(proc.pid))
    info = _wait_healthy(cfg, password, proc=proc, reused=False, notice=notice)
    _install_local_settings(cfg, password)
    return info


def _wait_healthy(cfg: NodeConfig, password: str, proc: subprocess.Popen | None, reused: bool,
                  notice: str = "") -> NodeInfo:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            cfg.pid_file.unlink(missing_ok=True)
            raise CloudsiftError(f"Elasticsearch exited with status {proc.returncode} while starting:\n{_log_tail(cfg)}")
        try:
            info = _info(cfg, password, reused, notice)
            if info.health in ("green", "yellow"):
                return info
        except urllib3.exceptions.HTTPError:
            pass
        time.sleep(0.5)
    raise CloudsiftError(f"Elasticsearch did not become healthy within {START_TIMEOUT_S}s:\n{_log_tail(cfg)}")


def status(cfg: NodeConfig) -> NodeInfo:
    """URL, version and health of this state directory's node; an error when it is not running."""
    creds = read_credentials(cfg)
    if creds is None:
        raise CloudsiftError(f"the local node of {cfg.home} was never started: run `cloudsift es start`")
    if _node_pid(cfg) is None:
        raise CloudsiftError(f"the local node of {cfg.home} is not running: run `cloudsift es start`")
    cfg = replace(cfg, port=_port_of(creds))
    try:
        return _info(cfg, creds["password"], reused=True)
    except urllib3.exceptions.HTTPError:
        raise CloudsiftError(f"no Elasticsearch answers at {cfg.url}: run `cloudsift es start`") from None


def stop(cfg: NodeConfig, timeout: float = 60.0) -> bool:
    """Stop this state directory's node (SIGTERM, then SIGKILL after `timeout`); False if it was not running."""
    pid = _node_pid(cfg)
    if pid is None:
        cfg.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
    cfg.pid_file.unlink(missing_ok=True)
    return True
