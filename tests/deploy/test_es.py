"""`cloudsift deploy es` on the suite's node: everything installed once, then "no changes"; --dry-run changes nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from elasticsearch import Elasticsearch

from cloudsift import localnode
from cloudsift.cli import main
from deploy.roles import role_name
from shipper import templates
from shipper.config import load
from shipper.templates import alerts_stream, data_stream


def _deploy(capsys: pytest.CaptureFixture[str], ns: str, *args: str) -> tuple[int, list[str], str]:
    """`cloudsift deploy es` for namespace `ns` with the test's own state indices: status, stdout lines, stderr."""
    status = main(["deploy", "es", "--namespace", ns, "--state-index", f"{ns}-state",
                   "--detector-state-index", f"{ns}-detector-state", *args])
    out = capsys.readouterr()
    return status, out.out.splitlines(), out.err


def _local_node(monkeypatch: pytest.MonkeyPatch) -> None:
    """No URL: `deploy es` targets the local node (the suite's, by its CLOUDSIFT_ES_* variables)."""
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)


def test_second_run_reports_no_changes(es: Elasticsearch, ns: str, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The first run installs templates, state indices and roles; the second finds nothing to do."""
    _local_node(monkeypatch)
    status, first, err = _deploy(capsys, ns)
    assert status == 0 and "roles through file realm" in err
    heads = {line for line in first if not line.startswith(" ")}
    assert f"+ index template cloudsift-{ns}-alerts" in heads and f"+ component template cloudsift-{ns}@mappings" in heads
    assert {f"+ index {ns}-state", f"+ index {ns}-detector-state"} <= heads
    assert {f"+ role {role_name(user, ns)}" for user in ("shipper", "detector", "analyst")} <= heads
    assert first[-1] == f"applied {len(heads) - 1} change(s)"
    assert _deploy(capsys, ns) == (0, ["no changes"], _deploy_err(ns))
    assert es.indices.get_index_template(name=f"cloudsift-{ns}-alerts")["index_templates"][0]["index_template"][
        "index_patterns"] == [alerts_stream(ns)]


def _deploy_err(ns: str) -> str:
    """What `deploy es` says on stderr on the local node: where roles go, no ILM, the storage settings."""
    roles = localnode.default_config().home / "config" / "roles.yml"
    return (f"deploy es: namespace {ns}, roles through file realm {roles}\n"
            "ILM: not available on this cluster — full-cluster feature, indices are kept until deleted\n"
            "storage: logsdb index mode (stored _source, license basic), sorted by cloud.account.id, event.action, "
            "@timestamp\n")


def test_dry_run_prints_the_diff_and_changes_nothing(es: Elasticsearch, ns: str, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A template edited on the cluster shows as the values that differ; --dry-run leaves it so, a run restores it."""
    _local_node(monkeypatch)
    assert _deploy(capsys, ns)[0] == 0
    name = f"cloudsift-{ns}-aws.waf"
    body = es.indices.get_index_template(name=name)["index_templates"][0]["index_template"]
    kept = {k: v for k, v in body.items() if not k.endswith("_date_millis")}  # the server's own bookkeeping
    es.indices.put_index_template(name=name, **{**kept, "priority": 7})
    status, lines, _ = _deploy(capsys, ns, "--dry-run")
    assert (status, lines) == (0, [f"~ index template {name}", "    ~ priority: 7 → 250",
                                   "dry run: 1 change(s) not applied"])
    assert es.indices.get_index_template(name=name)["index_templates"][0]["index_template"]["priority"] == 7
    assert _deploy(capsys, ns)[1] == [f"~ index template {name}", "    ~ priority: 7 → 250", "applied 1 change(s)"]
    assert _deploy(capsys, ns)[1] == ["no changes"]


def test_dry_run_on_an_empty_cluster_lists_everything_and_installs_nothing(
        es: Elasticsearch, ns: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Before any run, --dry-run names each resource to create; none exists afterwards."""
    _local_node(monkeypatch)
    status, lines, _ = _deploy(capsys, ns, "--dry-run")
    assert status == 0 and f"+ index template cloudsift-{ns}-deadletter" in lines
    assert lines[-1].startswith("dry run: ") and lines[-1].endswith(" change(s) not applied")
    assert not es.options(ignore_status=404).indices.get_index_template(name=f"cloudsift-{ns}-*").body.get(
        "index_templates")
    assert not es.indices.exists(index=f"{ns}-state")


def test_a_url_means_the_security_api(ns: str, es_settings, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """With --es, roles go through PUT /_security/role, which the local node refuses: one clear line, exit 2."""
    monkeypatch.setenv("ELASTICSEARCH_USERNAME", es_settings.username)
    monkeypatch.setenv("ELASTICSEARCH_PASSWORD", es_settings.password)
    status, _, err = _deploy(capsys, ns, "--es", es_settings.url)
    assert status == 2 and "roles through the security API" in err
    assert f"cloudsift: error: Elasticsearch refused to put role {role_name('shipper', ns)}: HTTP 400" in err


def test_file_realm_must_be_a_config_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch, es: Elasticsearch) -> None:
    """--file-realm names a node's config directory (with elasticsearch.yml), or the run stops before any change."""
    _local_node(monkeypatch)
    status, _, err = _deploy(capsys, "nowhere", "--file-realm", str(tmp_path))
    assert status == 2 and f"{tmp_path} is not a node's config directory" in err


def _ship_config(tmp_path: Path, ns: str, *datasets: str) -> Path:
    """A `cloudsift ship` config file of namespace `ns` declaring one application per dataset."""
    sources = [{"url": f"s3://app-logs/{d}/", "applog": {"dataset": d, "format": "json"}} for d in datasets]
    path = tmp_path / "ship.yml"
    path.write_text(yaml.safe_dump({"namespace": ns, "state_index": f"{ns}-state", "sources": sources}))
    return path


def test_the_ship_configs_applications_get_their_templates_as_ship_checks_them(
        es: Elasticsearch, ns: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """--config: the namespace and checkpoint index are the file's, its applications' streams get templates
    with the digest `cloudsift ship` checks (so ship puts nothing), and a second run says "no changes"."""
    _local_node(monkeypatch)
    config = _ship_config(tmp_path, ns, "shop", "billing.api")
    args = ["deploy", "es", "--config", str(config), "--detector-state-index", f"{ns}-detector-state"]
    assert main(args) == 0
    out = capsys.readouterr()
    assert f"deploy es: namespace {ns}," in out.err and f"applications of {config}: billing.api, shop" in out.err
    heads = set(out.out.splitlines())
    assert {f"+ index template cloudsift-{ns}-shop", f"+ index template cloudsift-{ns}-billing.api",
            f"+ index {ns}-state"} <= heads

    digest = next(iter(templates.stamped_bodies(ns, ("billing.api", "shop"))[1].values()))["_meta"]["digest"]
    found = {t["name"]: t["index_template"] for t in
             es.indices.get_index_template(name=f"cloudsift-{ns}-*")["index_templates"]}
    assert {body["_meta"]["digest"] for body in found.values()} == {digest}
    assert found[f"cloudsift-{ns}-shop"]["index_patterns"] == [data_stream("shop", ns)]
    # What `cloudsift ship` with this config does at its start: every template is current, none is put again.
    templates.install(es, ns, load(config, {}).applog_datasets())
    again = {t["name"]: t["index_template"] for t in
             es.indices.get_index_template(name=f"cloudsift-{ns}-*")["index_templates"]}
    assert {n: b["modified_date_millis"] for n, b in again.items()} == {
        n: b["modified_date_millis"] for n, b in found.items()}

    assert main(args) == 0
    assert capsys.readouterr().out.splitlines() == ["no changes"]


def test_a_flag_wins_over_the_configs_namespace_and_a_bad_config_stops_before_any_change(
        es: Elasticsearch, ns: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """--namespace beats the file's namespace (the apps' templates follow it); a config problem is reported
    with its key path, exit 2, and the cluster is left as it was."""
    _local_node(monkeypatch)
    config = _ship_config(tmp_path, "elsewhere", "shop")
    status, lines, err = _deploy(capsys, ns, "--config", str(config), "--dry-run")
    assert status == 0 and f"deploy es: namespace {ns}," in err
    assert f"+ index template cloudsift-{ns}-shop" in lines and not any("elsewhere" in line for line in lines)
    config.write_text("sources:\n  - url: s3://app-logs/x/\n    applog: {dataset: Shop-*}\n")
    status, lines, err = _deploy(capsys, ns, "--config", str(config))
    assert status == 2 and "sources[0].applog.dataset: 'Shop-*' is not a dataset name" in err
    assert not es.options(ignore_status=404).indices.get_index_template(name=f"cloudsift-{ns}-*").body.get(
        "index_templates")
