"""Connecting to Elasticsearch: settings from flags/environment, errors as one clear line."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from elasticsearch import ApiError, AuthenticationException, AuthorizationException, Elasticsearch
from elasticsearch import ConnectionError as EsConnectionError

from cloudsift import localnode
from cloudsift.errors import CloudsiftError
from shipper.urls import http_problem, redact, split_urls


@dataclass(frozen=True, slots=True)
class EsSettings:
    """How to reach Elasticsearch. `repr` hides the secrets so they never reach a log."""

    url: str  # one URL, or one per node separated by commas
    username: str | None = None
    password: str | None = None
    api_key: str | None = None
    ca_certs: str | None = None
    verify_certs: bool = True

    def __repr__(self) -> str:
        auth = "api_key" if self.api_key else (f"user {self.username}" if self.username else "no auth")
        return f"EsSettings({redact(self.url)}, {auth})"


def settings_from_env(url: str | None = None) -> EsSettings:
    """--es / ELASTICSEARCH_URL with ELASTICSEARCH_API_KEY or _USERNAME/_PASSWORD; else the local node."""
    env = os.environ
    url = url or env.get("ELASTICSEARCH_URL")
    if not url:
        creds = localnode.read_credentials(localnode.default_config())
        if creds is None:
            raise CloudsiftError(
                "no Elasticsearch configured: pass --es URL, set ELASTICSEARCH_URL, or run `cloudsift es start`"
            )
        return EsSettings(creds["url"], creds["username"], creds["password"])
    verify = env.get("ELASTICSEARCH_VERIFY_CERTS", "true").lower() not in ("0", "false", "no")
    return EsSettings(
        url=url,
        username=env.get("ELASTICSEARCH_USERNAME"),
        password=env.get("ELASTICSEARCH_PASSWORD"),
        api_key=env.get("ELASTICSEARCH_API_KEY"),
        ca_certs=env.get("ELASTICSEARCH_CA_CERTS"),
        verify_certs=verify,
    )


def connect(settings: EsSettings, *, request_timeout: float = 30.0, **client_options: Any) -> Elasticsearch:
    """An Elasticsearch client for `settings`; verifies it can authenticate before returning."""
    problem = http_problem(settings.url)
    if problem:
        raise CloudsiftError(problem)
    auth: dict[str, Any] = {}
    if settings.ca_certs:
        auth["ca_certs"] = settings.ca_certs
    if settings.api_key:
        auth["api_key"] = settings.api_key
    elif settings.username:
        auth["basic_auth"] = (settings.username, settings.password or "")
    try:
        # With several nodes the client sends each request to the next live one: a node that fails to
        # connect is set aside for a while, so work goes on with the others while one is down.
        client = Elasticsearch(
            split_urls(settings.url),
            verify_certs=settings.verify_certs,
            request_timeout=request_timeout,
            **auth,
            **client_options,
        )
    except ValueError:  # the client's own message would quote the URL, password and all
        raise CloudsiftError(f"the Elasticsearch client cannot use {redact(settings.url)!r}") from None
    check(client, settings)
    return client


def check(client: Elasticsearch, settings: EsSettings) -> dict:
    """Cluster health (or, for a user without the `monitor` privilege, who it authenticated as), or a
    CloudsiftError naming the URL and what went wrong (never the secret)."""
    url = redact(settings.url)
    try:
        try:
            return dict(client.cluster.health())
        except AuthorizationException:
            # Authenticated but not allowed to see health (the analyst role of `deploy es` has no cluster
            # privilege): any user may ask who it is; the command's own requests then say what it may read.
            return dict(client.security.authenticate())
    except AuthenticationException:
        raise CloudsiftError(
            f"Elasticsearch at {url} rejected the credentials (HTTP 401): check ELASTICSEARCH_USERNAME/"
            "ELASTICSEARCH_PASSWORD or ELASTICSEARCH_API_KEY"
        ) from None
    except AuthorizationException as exc:
        raise CloudsiftError(f"Elasticsearch at {url} denied access (HTTP 403): {_reason(exc)}") from None
    except EsConnectionError as exc:
        raise CloudsiftError(f"cannot reach Elasticsearch at {url}: {exc.message}") from None
    except ApiError as exc:
        raise CloudsiftError(f"Elasticsearch at {url} answered HTTP {exc.meta.status}: {_reason(exc)}") from None


def _reason(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    return str(error.get("reason") if isinstance(error, dict) else error or exc.message)
