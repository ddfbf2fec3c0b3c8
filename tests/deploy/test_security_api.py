"""`deploy es` through the security API (a full cluster), held to Elasticsearch's REST API contract.

The local node has no role or API-key API; security_stub.py plays it (schemas from the REST API
specification) in front of the suite's node, which gets everything else. So these tests show the
exact requests cloudsift sends and how it reads the answers, not how a live security API behaves.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from cloudsift.cli import main
from cloudsift.elastic import EsSettings
from deploy.roles import USERS, Names, descriptors, role_name

from .security_stub import SecurityStub


@pytest.fixture
def security(es_settings: EsSettings, monkeypatch: pytest.MonkeyPatch) -> Iterator[SecurityStub]:
    """The recording server in front of the suite's node, with the admin's credentials in the environment."""
    monkeypatch.setenv("ELASTICSEARCH_USERNAME", es_settings.username or "")
    monkeypatch.setenv("ELASTICSEARCH_PASSWORD", es_settings.password or "")
    with SecurityStub(es_settings.url) as stub:
        yield stub
        assert stub.violations == [], "requests broke the security API's contract"


def _deploy(capsys: pytest.CaptureFixture[str], stub: SecurityStub, ns: str, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["deploy", "es", "--es", stub.url, "--namespace", ns, "--state-index", f"{ns}-state",
                   "--detector-state-index", f"{ns}-detector-state", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def _names(ns: str) -> Names:
    return Names(ns, f"{ns}-state", f"{ns}-detector-state")


def test_roles_and_keys_are_the_exact_bodies_and_a_rerun_changes_nothing(
        security: SecurityStub, ns: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    """PUT /_security/role/<name> carries each descriptor of deploy/roles.py as it is; each API key's
    role_descriptors are its user's role; a second run reads, writes nothing and says "no changes"."""
    caplog.set_level(logging.DEBUG)
    status, out, err = _deploy(capsys, security, ns, "--api-keys")
    assert status == 0 and "roles through the security API" in err
    wanted = descriptors(_names(ns))
    puts = {c.path.removeprefix("/_security/role/"): c.body for c in security.writes() if c.path.startswith("/_security/role/")}
    assert puts == wanted
    created = [c.body for c in security.writes() if c.path == "/_security/api_key"]
    assert created == [{"name": role_name(u, ns), "role_descriptors": {role_name(u, ns): wanted[role_name(u, ns)]},
                        "metadata": {"managed_by": "cloudsift"}} for u in USERS]
    printed = [line for line in out.splitlines() if "ELASTICSEARCH_API_KEY=" in line]
    assert printed == [f"{k.name}: ELASTICSEARCH_API_KEY={k.encoded}" for k in security.keys]

    writes = len(security.writes())
    status, out, err = _deploy(capsys, security, ns, "--api-keys")
    assert (status, out) == (0, "no changes\n") and len(security.writes()) == writes
    secrets = [s for k in security.keys for s in (k.encoded, k.secret)]
    logged = "\n".join(r.getMessage() for r in caplog.records) + err
    assert not [s for s in secrets if s in logged], "an API key reached a log or stderr"


def test_a_role_edited_on_the_cluster_is_put_back_and_its_key_replaced(
        security: SecurityStub, ns: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A role whose privileges differ is updated (the diff names them); a key whose descriptors differ is
    invalidated by id and replaced, the new one printed once; the next run says "no changes"."""
    assert _deploy(capsys, security, ns, "--api-keys")[0] == 0
    detector = role_name("detector", ns)
    security.roles[detector]["indices"][0]["privileges"] = ["read", "delete"]
    [old] = [k for k in security.keys if k.name == detector]
    old.role_descriptors = {detector: security.roles[detector]}
    before = len(security.calls)
    status, out, _ = _deploy(capsys, security, ns, "--api-keys")
    assert status == 0
    assert f"~ role {detector}" in out and '~ indices.0.privileges: ["read", "delete"] → ["read"]' in out
    calls = [(c.method, c.path, c.body) for c in security.calls[before:] if c.method != "GET"]
    [new] = [k for k in security.keys if k.name == detector and k is not old]
    assert calls == [("PUT", f"/_security/role/{detector}", descriptors(_names(ns))[detector]),
                     ("DELETE", "/_security/api_key", {"ids": [old.id]}),
                     ("PUT", "/_security/api_key", {"name": detector, "role_descriptors": {
                         detector: descriptors(_names(ns))[detector]}, "metadata": {"managed_by": "cloudsift"}})]
    assert old.invalidated and out.count("ELASTICSEARCH_API_KEY=") == 1 and new.encoded in out
    assert _deploy(capsys, security, ns, "--api-keys")[1] == "no changes\n"


def test_dry_run_lists_roles_and_keys_and_writes_nothing(security: SecurityStub, ns: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """--dry-run against an empty security API names each role and key to create and sends no write."""
    status, out, _ = _deploy(capsys, security, ns, "--api-keys", "--dry-run")
    heads = set(out.splitlines())
    assert status == 0 and {f"+ role {role_name(u, ns)}" for u in USERS} <= heads
    assert {f"+ api key {role_name(u, ns)}" for u in USERS} <= heads
    assert security.writes() == [] and "ELASTICSEARCH_API_KEY=" not in out
