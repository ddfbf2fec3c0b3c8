"""Roles and API keys through Elasticsearch's security API: the path for a full cluster.

PUT /_security/role/<name> with the descriptors of deploy/roles.py; on request an API key per user
(PUT /_security/api_key) whose role descriptors are that role, so the key can do exactly what the
role allows and no more (an API key is also limited by its creator's privileges). A key is printed
once, when it is created; the cluster keeps only its hash, and no log gets it (the client's transport
logs bodies at DEBUG: not while a key is made). A key whose descriptors differ from the
role's (the role changed) is invalidated and replaced; an up-to-date key is left alone.

The local integ-test node answers these APIs with HTTP 400 (its `.security` index needs a module the
distribution lacks): there, `deploy es` uses the file realm (deploy/filerealm.py) instead.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from elasticsearch import Elasticsearch

from deploy.changes import Change
from deploy.diff import changed
from deploy.errors import refused


class SecurityApi:
    """Roles and API keys of a cluster with the security API."""

    def __init__(self, client: Elasticsearch) -> None:
        self.client = client

    def where(self) -> str:
        """Where roles go, for the user."""
        return "the security API"

    def plan_roles(self, roles: dict[str, dict]) -> list[Change]:
        """A change for every role the cluster lacks or holds otherwise."""
        found = refused("read roles", lambda: self.client.options(ignore_status=404).security.get_role(
            name=",".join(roles)).body)
        out = []
        for name, body in roles.items():
            have = found.get(name)
            lines = changed(have, body)
            if have is None or lines:
                out.append(Change("role", name, have is None, tuple(lines) if have is not None else (),
                                  run=lambda name=name, body=body: self._put_role(name, body)))
        return out

    def plan_credentials(self, roles: dict[str, dict], users: dict[str, str]) -> list[Change]:
        """User (key name) → role: a new API key for each without a current one."""
        out = []
        for user, role in users.items():
            keys = refused("read API keys", lambda user=user: self.client.security.get_api_key(
                name=user, active_only=True).body.get("api_keys", []))
            wanted = {role: roles[role]}
            if any(not changed(k.get("role_descriptors"), wanted) for k in keys):
                continue
            stale = [k["id"] for k in keys]
            lines = (f"~ invalidate {len(stale)} key(s) with other role descriptors",) if stale else ()
            out.append(Change("api key", user, not stale, lines,
                              run=lambda user=user, wanted=wanted, stale=stale: self._new_key(
                                  user, wanted, stale)))
        return out

    def _put_role(self, name: str, body: dict) -> None:
        refused(f"put role {name}", lambda: self.client.security.put_role(name=name, **body))

    def _new_key(self, name: str, descriptors: dict, stale: list[str]) -> str:
        if stale:
            refused(f"invalidate the API keys of {name}",
                    lambda: self.client.security.invalidate_api_key(ids=stale))
        with _bodies_unlogged():
            made = refused(f"create API key {name}", lambda: self.client.security.create_api_key(
                name=name, role_descriptors=descriptors, metadata={"managed_by": "cloudsift"}).body)
        return f"{name}: ELASTICSEARCH_API_KEY={made['encoded']}"


# The Elasticsearch client's transport logs every request with both bodies at DEBUG: the answer to a
# key's creation holds the key, so while one is made that logger keeps only each request's first line.
TRANSPORT_LOGGER = "elastic_transport.node"


class _FirstLineOnly(logging.Filter):
    """Rewrites a transport record to its request line (`> PUT /_security/api_key HTTP/1.1`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        first = record.getMessage().splitlines()[0]
        record.msg, record.args = "%s (bodies withheld: the answer holds a credential)", (first,)
        return True


@contextmanager
def _bodies_unlogged() -> Iterator[None]:
    logger = logging.getLogger(TRANSPORT_LOGGER)
    withheld = _FirstLineOnly()
    logger.addFilter(withheld)
    try:
        yield
    finally:
        logger.removeFilter(withheld)
