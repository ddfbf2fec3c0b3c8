"""`cloudsift normalize` keeps the interface contract of DESIGN.md that outside tools rely on."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "sample_logs" / "AWSLogs" / "123456789012"
GOOD = json.dumps({
    "eventVersion": "1.08", "eventID": "11111111-2222-3333-4444-555555555555", "eventTime": "2026-11-20T10:00:00Z",
    "eventSource": "iam.amazonaws.com", "eventName": "CreateUser", "awsRegion": "us-east-1",
    "sourceIPAddress": "198.51.100.7", "userIdentity": {"type": "Root", "accountId": "123456789012"},
    "recipientAccountId": "123456789012",
})


def _normalize(log_type: str, data: bytes, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cloudsift.cli", "normalize", "--type", log_type, *extra, "-"],
                          input=data, capture_output=True, check=False)


def test_all_good_exits_zero_with_one_document_per_line() -> None:
    """Every record normalized: one JSON document per line on stdout, only the summary on stderr, exit 0."""
    proc = _normalize("cloudtrail", (GOOD + "\n" + GOOD.replace("CreateUser", "DeleteUser") + "\n").encode())
    docs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 0 and proc.stderr.decode().splitlines() == [
        "cloudsift normalize: <stdin>: 2 records in, 2 out, 0 rejected"]
    assert [d["event"]["action"] for d in docs] == ["CreateUser", "DeleteUser"]


def test_rejected_record_is_one_stderr_line_and_exit_one() -> None:
    """A bad record among good ones: the good ones on stdout, one located line on stderr, exit 1."""
    proc = _normalize("cloudtrail", (GOOD + "\n{not json\n" + GOOD + "\n").encode())
    assert proc.returncode == 1
    assert len(proc.stdout.splitlines()) == 2
    errors = proc.stderr.decode().splitlines()[:-1]  # the last line is the summary
    assert len(errors) == 1 and errors[0].startswith("<stdin>:2")


def test_gzip_input_is_recognized_by_content() -> None:
    """A gzip stream is decompressed whatever its name."""
    proc = _normalize("cloudtrail", gzip.compress(GOOD.encode()))
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 1


def test_original_behind_a_flag() -> None:
    """event.original is written only with --original."""
    plain = json.loads(_normalize("cloudtrail", GOOD.encode()).stdout)
    kept = json.loads(_normalize("cloudtrail", GOOD.encode(), "--original").stdout)
    assert "original" not in plain["event"] and json.loads(kept["event"]["original"])["eventName"] == "CreateUser"


def test_every_sample_object_normalizes_without_rejects() -> None:
    """The first bundled sample objects of each source normalize with exit 0 under their own log type (two per
    source: a process each; every object's normalization is tested in tests/normalizer)."""
    kinds = {"CloudTrail": "cloudtrail", "vpcflowlogs": "vpcflow", "vpcdnsquerylogs": "route53",
             "WAFLogs": "waf", "GuardDuty": "guardduty"}
    for folder, kind in kinds.items():
        for path in sorted((SAMPLES / folder).rglob("*.gz"))[:2]:
            proc = subprocess.run([sys.executable, "-m", "cloudsift.cli", "normalize", "--type", kind, str(path)],
                                  capture_output=True, check=False)
            assert proc.returncode == 0, (path, proc.stderr[:500])
            assert proc.stdout.count(b"\n") > 0, path


def test_missing_file_is_one_clear_line() -> None:
    """A file that does not exist is a one-line error, exit 2, no traceback."""
    proc = subprocess.run([sys.executable, "-m", "cloudsift.cli", "normalize", "--type", "waf", "/nonexistent.log"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0 and "/nonexistent.log" in proc.stderr


def test_summary_line_counts_records_in_out_and_rejected() -> None:
    """After the per-record lines, one summary line on stderr counts records in, documents out and rejects."""
    proc = _normalize("cloudtrail", (GOOD + "\n{not json\n" + GOOD + "\n").encode())
    assert proc.stderr.decode().splitlines()[-1] == "cloudsift normalize: <stdin>: 3 records in, 2 out, 1 rejected"


def test_reader_that_leaves_gets_a_quiet_exit(tmp_path: Path) -> None:
    """`normalize FILE | head -1`: no message, no traceback, exit 141 as for a process that SIGPIPE ended."""
    path = tmp_path / "big.json"
    path.write_text((GOOD + "\n") * 5000)  # several MB of output, far more than a pipe holds
    proc = subprocess.Popen([sys.executable, "-m", "cloudsift.cli", "normalize", "--type", "cloudtrail", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    json.loads(proc.stdout.readline())
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=60) == 141 and stderr == b""


GOLDEN_APPLOG = Path(__file__).resolve().parents[1] / "normalizer" / "golden" / "applog"


def test_applog_reads_with_the_declared_map_and_counts_control_messages() -> None:
    """`--type applog --applog FILE` maps with the file's map; a control message is counted as skipped."""
    data = (GOLDEN_APPLOG / "cloudwatch.log").read_bytes()
    proc = _normalize("applog", data, "--applog", str(GOLDEN_APPLOG / "cloudwatch.applog.yaml"))
    docs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 1 and {d["event"]["dataset"] for d in docs} == {"shop"}
    assert proc.stderr.decode().splitlines()[-1].endswith("9 records in, 6 out, 2 rejected, 1 skipped on purpose "
                                                          "(e.g. digest files, CloudWatch Logs control messages)")


def test_applog_map_problems_are_one_clear_error(tmp_path: Path) -> None:
    """A wrong map file is refused before reading, with its key paths."""
    bad = tmp_path / "app.yaml"
    bad.write_text("dataset: Shop\nrename: {x: event.kind}\n")
    proc = _normalize("applog", b"", "--applog", str(bad))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "applog.dataset: 'Shop' is not a dataset name" in err
    assert "applog.rename.x: 'event.kind' is not an ECS field" in err
