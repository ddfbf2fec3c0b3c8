"""The roles really restrict: loaded by `deploy es` into a dedicated node's file realm, tried as each user.

Each user can do its job (the shipper ships, with checkpoints; the detector reads data and writes an
alert and its state; the analyst searches) and is refused (HTTP 403) what its role leaves out.
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from elasticsearch import AuthenticationException, AuthorizationException, Elasticsearch
from nodes import throwaway_node

from cloudsift.cli import main
from cloudsift.elastic import EsSettings, connect
from deploy.roles import ANALYST, DETECTOR, SHIPPER, Names, descriptors, role_name
from shipper.templates import (
    DETECTOR_STATE_INDEX,
    SHIPPER_STATE_INDEX,
    alerts_stream,
    data_stream,
    deadletter_stream,
)

ROOT = Path(__file__).resolve().parents[2]
NS = "roles"
FLOWS = data_stream("aws.vpcflow", NS)


@dataclasses.dataclass(frozen=True)
class Cluster:
    """The dedicated node, its admin's connection and each user's (username, password)."""

    url: str
    config_dir: Path
    admin_env: dict[str, str]
    users: dict[str, tuple[str, str]]

    @property
    def admin(self) -> Elasticsearch:
        """A client of the node's superuser."""
        return connect(EsSettings(self.url, self.admin_env["ELASTICSEARCH_USERNAME"],
                                  self.admin_env["ELASTICSEARCH_PASSWORD"]))

    def client(self, user: str) -> Elasticsearch:
        """A client that authenticates as `user` (shipper, detector, analyst)."""
        return Elasticsearch(self.url, basic_auth=self.users[user])

    def env(self, user: str) -> dict[str, str]:
        """The environment `cloudsift` reads its connection from, as `user`."""
        name, password = self.users[user]
        return {**os.environ, "ELASTICSEARCH_URL": self.url, "ELASTICSEARCH_USERNAME": name,
                "ELASTICSEARCH_PASSWORD": password}


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A throwaway node whose file realm `deploy es --api-keys` filled; users usable once the node reloaded it."""
    with throwaway_node("cloudsift-roles-es-") as (cfg, info):
        admin_env = {"ELASTICSEARCH_URL": info.url, "ELASTICSEARCH_USERNAME": info.username,
                     "ELASTICSEARCH_PASSWORD": info.password}
        config_dir = cfg.home / "config"
        proc = subprocess.run([sys.executable, "-m", "cloudsift.cli", "deploy", "es", "--namespace", NS, "--api-keys",
                               "--file-realm", str(config_dir)], env={**os.environ, **admin_env}, cwd=ROOT,
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr
        users = {}
        for line in proc.stdout.splitlines():
            if "ELASTICSEARCH_PASSWORD=" in line:  # `<user>: ELASTICSEARCH_USERNAME=… ELASTICSEARCH_PASSWORD=…`
                fields = dict(part.split("=", 1) for part in line.split()[1:])
                users[fields["ELASTICSEARCH_USERNAME"]] = fields["ELASTICSEARCH_PASSWORD"]
        by_user = {user: (role_name(user, NS), users[role_name(user, NS)]) for user in (SHIPPER, DETECTOR, ANALYST)}
        found = Cluster(info.url, config_dir, admin_env, by_user)
        _wait_reloaded(found)
        yield found


def _wait_reloaded(cluster: Cluster, timeout: float = 60.0) -> None:
    """The node reads its file realm again every few seconds: wait until every user authenticates with its role."""
    deadline = time.monotonic() + timeout
    for user in cluster.users:
        while True:
            try:
                if cluster.client(user).security.authenticate()["roles"] == [role_name(user, NS)]:
                    break
            except AuthenticationException:  # 401 until the node reloaded its file realm
                pass
            assert time.monotonic() < deadline, f"the file realm never authenticated {user}"
            time.sleep(0.5)


def _refused(call: Callable[[], object]) -> None:
    with pytest.raises(AuthorizationException) as caught:
        call()
    assert caught.value.meta.status == 403


def _shipped(cluster: Cluster) -> list[dict]:
    """The flow log documents the shipper shipped (read as the admin)."""
    cluster.admin.indices.refresh(index=FLOWS)
    return cluster.admin.search(index=FLOWS, size=1000)["hits"]["hits"]


@pytest.fixture(scope="module")
def shipped(cluster: Cluster) -> dict:
    """`cloudsift ship` of the sample logs run as the shipper: its summary."""
    proc = subprocess.run([sys.executable, "-m", "cloudsift.cli", "ship", "--namespace", NS, "--from",
                           str(ROOT / "sample_logs"), "--config", str(ROOT / "scripts" / "demo.yml"),
                           "--progress", "json"], env=cluster.env(SHIPPER), cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_shipper_ships_with_its_role(cluster: Cluster, shipped: dict) -> None:
    """`cloudsift ship` as the shipper delivers every object (templates were current: it needs not write them)."""
    assert shipped["failed_objects"] == 0 and shipped["fatal"] == 0 and shipped["indexed"] > 0
    assert len(_shipped(cluster)) > 0


def test_shipper_keeps_checkpoints_with_its_role(cluster: Cluster, moto_endpoint: str, shipped: dict) -> None:
    """A bucket listing as the shipper: its checkpoint is read and written in the state index."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="roles-logs")
    sample = next((ROOT / "sample_logs").rglob("*vpcflowlogs*.log.gz"))
    s3.put_object(Bucket="roles-logs", Key=str(sample.relative_to(ROOT / "sample_logs")), Body=sample.read_bytes())
    proc = subprocess.run([sys.executable, "-m", "cloudsift.cli", "ship", "--namespace", NS, "--once", "--from",
                           "s3://roles-logs/", "--progress", "json"], env=cluster.env(SHIPPER), cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    cluster.admin.indices.refresh(index=SHIPPER_STATE_INDEX)
    assert cluster.admin.count(index=SHIPPER_STATE_INDEX)["count"] == 1


def test_shipper_cannot_read_delete_or_install(cluster: Cluster, shipped: dict) -> None:
    """The shipper is refused searches, gets, deletes of documents and indices, and template writes."""
    shipper = cluster.client(SHIPPER)
    doc = _shipped(cluster)[0]
    _refused(lambda: shipper.search(index=FLOWS))
    _refused(lambda: shipper.search(index=alerts_stream(NS)))
    _refused(lambda: shipper.get(index=doc["_index"], id=doc["_id"]))
    _refused(lambda: shipper.delete(index=doc["_index"], id=doc["_id"]))
    _refused(lambda: shipper.indices.delete(index=FLOWS))
    _refused(lambda: shipper.indices.put_index_template(name="cloudsift-roles-evil", index_patterns=["evil-*"]))
    bulk = shipper.bulk(operations=[{"delete": {"_index": doc["_index"], "_id": doc["_id"]}}])
    assert bulk["items"][0]["delete"]["status"] == 403
    assert doc["_id"] in {d["_id"] for d in _shipped(cluster)}


def test_shipper_cannot_overwrite_a_document(cluster: Cluster, shipped: dict) -> None:
    """create_doc only: updating a shipped document is refused, so neither a replay nor a stolen password
    can rewrite what was shipped (Elasticsearch refuses plain overwrites in a data stream anyway)."""
    doc = _shipped(cluster)[0]
    bulk = cluster.client(SHIPPER).bulk(operations=[{"update": {"_index": doc["_index"], "_id": doc["_id"]}},
                                                    {"doc": {"message": "forged"}}])
    assert bulk["items"][0]["update"]["status"] == 403


def test_detector_reads_data_writes_alerts_and_state(cluster: Cluster, shipped: dict) -> None:
    """The detector searches the data, creates an alert in the alerts stream and its state document."""
    detector = cluster.client(DETECTOR)
    hits = detector.search(index=data_stream("*", NS), size=5)["hits"]["hits"]
    assert hits
    alert = {"@timestamp": "2026-11-20T10:20:00Z", "event": {"kind": "signal"}, "rule": {"id": "r1"},
             "cloudsift": {"matched": {"ids": [hits[0]["_id"]], "index": [hits[0]["_index"]]}}}
    assert detector.create(index=alerts_stream(NS), id="alert-1", document=alert)["result"] == "created"
    detector.index(index=DETECTOR_STATE_INDEX, id="r1", document={"rule_id": "r1", "updated": "2026-11-20T10:20:00Z"})
    assert detector.get(index=DETECTOR_STATE_INDEX, id="r1")["found"]
    cluster.admin.indices.refresh(index=alerts_stream(NS))
    assert cluster.admin.count(index=alerts_stream(NS))["count"] >= 1  # the detector never reads alerts back
    _refused(lambda: detector.search(index=alerts_stream(NS)))


def test_detector_cannot_delete_or_write_data(cluster: Cluster, shipped: dict) -> None:
    """The detector is refused deleting documents or indices of the data, and writing into the data streams."""
    detector = cluster.client(DETECTOR)
    doc = _shipped(cluster)[0]
    _refused(lambda: detector.delete(index=doc["_index"], id=doc["_id"]))
    _refused(lambda: detector.indices.delete(index=FLOWS))
    _refused(lambda: detector.create(index=FLOWS, id="forged", document={"@timestamp": "2026-11-20T10:20:00Z"}))
    bulk = detector.bulk(operations=[{"delete": {"_index": doc["_index"], "_id": doc["_id"]}}])
    assert bulk["items"][0]["delete"]["status"] == 403


def _detect_as_detector(cluster: Cluster, log: Path) -> tuple[int, list[dict], str]:
    """`cloudsift detect --once` of the whole pack as the detector: exit status, alerts printed, stderr."""
    with open(log, "w") as err:
        proc = subprocess.run([sys.executable, "-m", "cloudsift.cli", "detect", "--once", "--namespace", NS, "--since",
                               "1d"], env=cluster.env(DETECTOR), cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True,
                              timeout=600, check=False)
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()], log.read_text()


def test_detect_runs_as_the_detector(cluster: Cluster, shipped: dict, tmp_path: Path) -> None:
    """`cloudsift detect --once` with the detector's role alone: every rule runs over the shipped data, its
    alerts land in the alerts stream and each rule's window in the state index `deploy es` made; a rerun
    prints nothing new."""
    status, printed, err = _detect_as_detector(cluster, tmp_path / "first.err")
    summary = json.loads(err.splitlines()[-1]) if status == 0 else {}
    assert status == 0 and summary["failed"] == 0, err
    assert summary["new"] == len(printed) > 0 and "cannot check" not in err
    admin = cluster.admin
    admin.indices.refresh(index=[alerts_stream(NS), DETECTOR_STATE_INDEX])
    written = admin.search(index=alerts_stream(NS), query={"term": {"event.kind": "signal"}}, size=1000,
                           source=False)["hits"]["hits"]
    assert {r["alert_id"] for r in printed} <= {h["_id"] for h in written}
    assert admin.count(index=DETECTOR_STATE_INDEX, query={"term": {"kind": "window"}})["count"] >= summary["rules"]
    status, printed, err = _detect_as_detector(cluster, tmp_path / "second.err")
    summary = json.loads(err.splitlines()[-1]) if status == 0 else {}
    assert (status, printed, summary.get("new"), summary.get("failed")) == (0, [], 0, 0), err


def _detect_refused(cluster: Cluster, log: Path, *extra: str) -> str:
    """`cloudsift detect --once` as the detector, expected to stop before any rule runs (exit 2): its stderr."""
    with open(log, "w") as err:
        proc = subprocess.run([sys.executable, "-m", "cloudsift.cli", "detect", "--once", "--namespace", NS, *extra],
                              env=cluster.env(DETECTOR), cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True,
                              timeout=300, check=False)
    assert (proc.returncode, proc.stdout) == (2, ""), log.read_text()
    return log.read_text()


def test_detect_without_its_state_index_says_run_deploy_es(cluster: Cluster, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The detector may not create indices: with its state index gone, detect stops with one line that says
    to run `deploy es`, which makes the index again."""
    cluster.admin.indices.delete(index=DETECTOR_STATE_INDEX)
    try:
        assert _detect_refused(cluster, tmp_path / "err") == (
            f"cloudsift: error: the state index {DETECTOR_STATE_INDEX} does not exist and this user may not create "
            "it: run `cloudsift deploy es` first\n")
    finally:
        for key, value in cluster.admin_env.items():
            monkeypatch.setenv(key, value)
        assert main(["deploy", "es", "--namespace", NS, "--file-realm", str(cluster.config_dir)]) == 0
    assert cluster.admin.indices.exists(index=DETECTOR_STATE_INDEX)


def test_detect_with_a_state_index_its_role_lacks_says_so(cluster: Cluster, tmp_path: Path) -> None:
    """A --state-index the detector's role does not grant is named in one line, before any rule runs."""
    err = _detect_refused(cluster, tmp_path / "err", "--state-index", "cloudsift-detector-state-other")
    assert err.startswith("cloudsift: error: this user may not read the state index cloudsift-detector-state-other")


def test_detector_cannot_touch_alerts_state_or_templates(cluster: Cluster, shipped: dict) -> None:
    """The detector deletes no alert and no state index, makes no other index, installs no template."""
    detector = cluster.client(DETECTOR)
    _refused(lambda: detector.indices.delete(index=alerts_stream(NS)))
    _refused(lambda: detector.indices.delete(index=DETECTOR_STATE_INDEX))
    _refused(lambda: detector.indices.create(index="cloudsift-detector-other"))
    _refused(lambda: detector.indices.put_index_template(name="cloudsift-roles-evil", index_patterns=["evil-*"]))
    _refused(lambda: detector.delete(index=alerts_stream(NS), id="alert-1"))


def test_analyst_searches_data_and_alerts(cluster: Cluster, shipped: dict) -> None:
    """The analyst searches the data streams, the dead letters and the alerts."""
    analyst = cluster.client(ANALYST)
    assert analyst.search(index=data_stream("*", NS), size=0)["hits"]["total"]["value"] > 0
    assert "hits" in analyst.search(index=alerts_stream(NS), size=0, ignore_unavailable=True)


def test_analyst_writes_the_report(cluster: Cluster, shipped: dict, tmp_path: Path) -> None:
    """`cloudsift report` needs only what the analyst role grants (no cluster privilege)."""
    out = tmp_path / "report.html"
    proc = subprocess.run([sys.executable, "-m", "cloudsift.cli", "report", "--namespace", NS, "--out", str(out)],
                          env=cluster.env(ANALYST), cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 0 and "denied" not in proc.stderr


def test_analyst_cannot_write(cluster: Cluster, shipped: dict) -> None:
    """The analyst is refused creating documents in data or alerts, deleting them, and writing state."""
    analyst = cluster.client(ANALYST)
    doc = _shipped(cluster)[0]
    _refused(lambda: analyst.create(index=FLOWS, id="forged", document={"@timestamp": "2026-11-20T10:20:00Z"}))
    _refused(lambda: analyst.create(index=alerts_stream(NS), id="forged", document={"@timestamp": "2026-11-20T10:20:00Z"}))
    _refused(lambda: analyst.delete(index=doc["_index"], id=doc["_id"]))
    _refused(lambda: analyst.index(index=SHIPPER_STATE_INDEX, id="x", document={"scope": "forged"}))


def test_second_deploy_keeps_the_users(cluster: Cluster, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Run again with --api-keys: no changes, and no password printed (each is shown once)."""
    for key, value in cluster.admin_env.items():
        monkeypatch.setenv(key, value)
    status = main(["deploy", "es", "--namespace", NS, "--api-keys", "--file-realm", str(cluster.config_dir)])
    assert (status, capsys.readouterr().out) == (0, "no changes\n")


# Index privileges that would let a role remove or rewrite what was shipped.
DESTRUCTIVE = {"all", "manage", "delete", "delete_index", "write", "index", "create", "manage_data_stream_lifecycle"}


def _granted(role: dict, index: str) -> set[str]:
    return {p for grant in role["indices"] if index in grant["names"] for p in grant["privileges"]}


def test_no_role_may_rewrite_or_delete_data() -> None:
    """On the data and dead-letter streams, no role holds a privilege that deletes or overwrites."""
    names = Names(NS)
    for role in descriptors(names).values():
        for index in (names.data, deadletter_stream(NS)):
            assert not _granted(role, index) & DESTRUCTIVE, (role["description"], index)


def test_each_role_grants_what_its_user_does() -> None:
    """Shipper: create only; detector: read data, create alerts; analyst: read only, no cluster privilege."""
    names = Names(NS)
    roles = descriptors(names)
    shipper, detector, analyst = (roles[role_name(u, NS)] for u in (SHIPPER, DETECTOR, ANALYST))
    assert _granted(shipper, names.data) == {"create_doc", "auto_configure"}
    assert _granted(shipper, names.shipper_state) == {"read", "index", "create_index"}
    assert "read" in _granted(detector, names.data) and "create_doc" in _granted(detector, alerts_stream(NS))
    assert not _granted(detector, alerts_stream(NS)) & DESTRUCTIVE
    assert _granted(analyst, names.data) == _granted(analyst, alerts_stream(NS)) == {"read", "view_index_metadata"}
    assert analyst["cluster"] == [] and shipper["cluster"] == detector["cluster"] == ["monitor"]
