"""What the `cloudsift` command prints when things go wrong: one clear line, no secret, the right exit."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "hunter2-s3cret"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ELASTICSEARCH_")}
    return subprocess.run([sys.executable, "-m", "cloudsift.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**clean, **(env or {})}, check=False, timeout=120)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def closed_url() -> str:
    """An Elasticsearch URL with a password in it, on a port where nothing listens."""
    return f"http://elastic:{SECRET}@127.0.0.1:{_closed_port()}"


def test_ship_never_prints_a_password_from_es(closed_url: str, tmp_path: Path) -> None:
    """`ship --es http://user:password@…` on a closed port: exit 2, the URL shown masked, the password nowhere."""
    proc = _cli("ship", "--from", str(tmp_path), "--es", closed_url)
    assert proc.returncode == 2 and SECRET not in proc.stdout + proc.stderr
    assert "cannot reach Elasticsearch at http://***@127.0.0.1:" in proc.stderr


def test_ship_never_prints_a_password_from_the_environment(closed_url: str, tmp_path: Path) -> None:
    """The same URL from ELASTICSEARCH_URL is masked the same way."""
    proc = _cli("ship", "--from", str(tmp_path), env={"ELASTICSEARCH_URL": closed_url})
    assert proc.returncode == 2 and SECRET not in proc.stdout + proc.stderr and "***@" in proc.stderr


def test_rules_test_never_prints_a_password(closed_url: str) -> None:
    """`rules test --es` with a password in the URL masks it too."""
    proc = _cli("rules", "test", "--es", closed_url, "rules/cloudtrail")
    assert proc.returncode == 2 and SECRET not in proc.stdout + proc.stderr and "***@" in proc.stderr


@pytest.mark.parametrize("url", [f"elastic:{SECRET}@127.0.0.1:9277", f"http://elastic:{SECRET}@ho st:9200",
                                 f"http://elastic:{SECRET}@[::1:9200"])
def test_malformed_url_with_a_password_is_masked(url: str, tmp_path: Path) -> None:
    """A URL the client cannot parse is reported without its password (the client's own error would quote it)."""
    for args in (("ship", "--from", str(tmp_path), "--es", url), ("rules", "test", "--es", url, "rules/cloudtrail")):
        proc = _cli(*args)
        assert proc.returncode == 2 and SECRET not in proc.stdout + proc.stderr, args
        assert "not an Elasticsearch URL" in proc.stderr and "Traceback" not in proc.stderr, args


def test_url_without_scheme_is_one_clear_line(tmp_path: Path) -> None:
    """`--es 127.0.0.1:9277` is a configuration error with exit 2 and the expected form, not a traceback."""
    proc = _cli("ship", "--from", str(tmp_path), "--es", "127.0.0.1:9277")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert ("elasticsearch.url: not an Elasticsearch URL: '127.0.0.1:9277' "
            "(expected http://host:port or https://host[:port])") in proc.stderr.splitlines()[-1]


def test_empty_section_in_the_file_takes_set(tmp_path: Path) -> None:
    """An empty `elasticsearch:` plus `--set elasticsearch.url=…` ships (here, to a closed port), no traceback."""
    config = tmp_path / "ship.yml"
    config.write_text(f"sources: [{tmp_path}]\nelasticsearch:\n")
    proc = _cli("ship", "--config", str(config), "--set", f"elasticsearch.url=http://127.0.0.1:{_closed_port()}")
    assert proc.returncode == 2 and proc.stderr.startswith("cloudsift: error: cannot reach Elasticsearch at ")


@pytest.mark.parametrize(("args", "problem"), [
    (("--retry-seconds", "nan"), "retry.max_seconds: must be a finite number, got nan"),
    (("--poll-seconds", "-5"), "sources[0].poll_seconds: must be > 0, got -5.0"),
    (("--set", "elasticsearch.request_timeout=-1"), "elasticsearch.request_timeout: must be > 0, got -1.0"),
    (("--set", "batch.max_doc=5"), "batch.max_doc: unknown setting; did you mean 'batch.max_docs'?"),
])
def test_bad_numbers_and_keys_from_flags_exit_two(args: tuple[str, ...], problem: str, tmp_path: Path) -> None:
    """Flags and --set values go through the same checks as the file: exit 2, the key path, no traceback."""
    proc = _cli("ship", "--from", str(tmp_path), "--once", *args)
    assert proc.returncode == 2 and f"  {problem}" in proc.stderr.splitlines() and "Traceback" not in proc.stderr


def test_set_value_with_exploding_aliases_is_refused(tmp_path: Path) -> None:
    """A --set value is read by the same bounded YAML reader as the file (10^8 values once expanded)."""
    levels = [f"&l{i} [{','.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 8)]
    value = "[" + ",".join(["&l0 [1,1,1,1,1,1,1,1,1,1]", *levels]) + "]"
    proc = _cli("ship", "--from", str(tmp_path), "--set", f"namespace={value}")
    assert proc.returncode == 2 and "--set namespace: expands to more than 100000 values" in proc.stderr


def test_unknown_type_suggests_the_closest(tmp_path: Path) -> None:
    """`normalize --type cloudtral` is a usage error (exit 2) that names the closest log type."""
    proc = _cli("normalize", "--type", "cloudtral", str(tmp_path / "x"))
    assert proc.returncode == 2 and proc.stderr.rstrip().endswith("did you mean 'cloudtrail'?")


def test_unknown_command_suggests_the_closest() -> None:
    """A mistyped subcommand names the closest one."""
    proc = _cli("normalise", "--type", "waf")
    assert proc.returncode == 2 and proc.stderr.rstrip().endswith("did you mean 'normalize'?")
