"""A recording HTTP server in front of the suite's node: it plays Elasticsearch's security API, forwards the rest.

The local node has no role or API-key API, so `deploy es`'s security-API path (a full cluster) is held here
to the contract of Elasticsearch's REST API specification: every security request's query and body is
checked against security_schemas/security.json, answered in the shapes the specification gives (answers
are checked too), kept (roles, API keys), and recorded; a request that broke the contract is kept in
`violations`. Everything else (templates, indices) goes to the real node, so `deploy es --es <this>`
runs whole. It is a contract test of what cloudsift sends, not a live security API.
"""
from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Self
from urllib.parse import parse_qsl, unquote, urlsplit

import jsonschema
import urllib3
from localserver import LocalServer

SCHEMA = json.loads((Path(__file__).with_name("security_schemas") / "security.json").read_text())
_ROLE = re.compile(r"^/_security/role/(?P<names>[^/]+)$")
_API_KEY = "/_security/api_key"
# Sent with every answer of ours: the Python client refuses a server that does not say it is Elasticsearch.
_PRODUCT = {"X-Elastic-Product": "Elasticsearch", "Content-Type": "application/json"}


def validator(name: str) -> jsonschema.protocols.Validator:
    """A validator of one definition of security.json (`put_role_request`, …)."""
    return jsonschema.Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": SCHEMA["$defs"]})


@dataclass
class Call:
    """One security request as the server saw it (forwarded requests are not recorded)."""

    method: str
    path: str
    query: dict[str, str]
    body: object


@dataclass
class ApiKey:
    """An API key as the cluster keeps it (the secret is given once, in the creation's answer)."""

    id: str
    name: str
    secret: str
    role_descriptors: dict
    metadata: dict
    creation: int
    invalidated: bool = False

    @property
    def encoded(self) -> str:
        """What a client sends: base64 of `id:secret`."""
        return base64.b64encode(f"{self.id}:{self.secret}".encode()).decode()


class Breach(Exception):
    """A request outside the contract: answered 400, kept in `violations`."""


class SecurityStub:
    """The server's state and answers; `url` once started."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.roles: dict[str, dict] = {}
        self.keys: list[ApiKey] = []
        self._lock = threading.Lock()
        self._http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(total=120))
        self._server = LocalServer(_handler(self))
        self.url = self._server.url

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()
        self._http.clear()

    def writes(self) -> list[Call]:
        """The security calls that could change something (every method but GET)."""
        return [c for c in self.calls if c.method != "GET"]

    def forward(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        """The real node's answer to a request that is not the security API's."""
        sent = {k: v for k, v in headers.items() if k.lower() not in {"host", "content-length", "connection"}}
        answer = self._http.request(method, self.upstream + target, body=body or None, headers=sent,
                                    redirect=False)
        kept = {k: v for k, v in answer.headers.items() if k.lower() in {"content-type", "x-elastic-product"}}
        return answer.status, kept, answer.data

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, object]:
        """Answer one security request: (status, JSON)."""
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        payload = json.loads(body) if body else None
        with self._lock:
            self.calls.append(Call(method, parts.path, query, payload))
            try:
                if "authorization" not in {k.lower() for k in headers}:
                    raise Breach("unauthenticated")
                status, answer, schema = self._route(method, parts.path, query, payload)
            except Breach as exc:
                self.violations.append(f"{method} {parts.path}: {exc}")
                return 400, {"error": {"type": "illegal_argument_exception", "reason": str(exc)}, "status": 400}
            if schema is not None:
                self._check(f"answer to {method} {parts.path}", schema, answer)
            return status, answer

    def _check(self, what: str, schema: str, value: object) -> None:
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(schema).iter_errors(value)]
        if errors:
            raise Breach(f"{what} breaks {schema}: {'; '.join(errors)}")

    def _route(self, method: str, path: str, query: dict[str, str], body: object) -> tuple[int, object, str | None]:
        role = _ROLE.match(path)
        if role and method == "GET":
            found = {n: self.roles[n] for n in unquote(role["names"]).split(",") if n in self.roles}
            return (200, found, "get_role_response") if found else (404, {}, None)
        if role and method in {"PUT", "POST"}:
            self._check("body", "put_role_request", body)
            self._only(query, {"refresh"})
            name = unquote(role["names"])
            created = name not in self.roles
            assert isinstance(body, dict)
            self.roles[name] = {**body, "transient_metadata": {"enabled": True}}  # as the cluster adds it
            return 200, {"role": {"created": created}}, None
        if path == _API_KEY and method == "GET":
            self._check("query", "get_api_key_query", query)
            keys = [k for k in self.keys if (query.get("name") in (None, k.name))
                    and not (query.get("active_only") == "true" and k.invalidated)]
            return 200, {"api_keys": [_described(k) for k in keys]}, "get_api_key_response"
        if path == _API_KEY and method in {"PUT", "POST"}:
            self._check("body", "create_api_key_request", body)
            assert isinstance(body, dict)
            key = ApiKey(uuid.uuid4().hex[:20], body["name"], secrets.token_urlsafe(16),
                         body.get("role_descriptors", {}), body.get("metadata", {}), int(time.time() * 1000))
            self.keys.append(key)
            return 200, {"id": key.id, "name": key.name, "api_key": key.secret, "encoded": key.encoded}, \
                "create_api_key_response"
        if path == _API_KEY and method == "DELETE":
            self._check("body", "invalidate_api_key_request", body)
            assert isinstance(body, dict)
            wanted = set(body.get("ids", ()))
            done = [k for k in self.keys if k.id in wanted and not k.invalidated]
            earlier = [k.id for k in self.keys if k.id in wanted and k.invalidated]
            for key in done:
                key.invalidated = True
            return 200, {"invalidated_api_keys": [k.id for k in done], "previously_invalidated_api_keys": earlier,
                         "error_count": 0}, "invalidate_api_key_response"
        raise Breach("no such security API endpoint in the contract")

    @staticmethod
    def _only(query: dict[str, str], allowed: set[str]) -> None:
        if not query.keys() <= allowed:
            raise Breach(f"query parameters {sorted(query.keys() - allowed)} are not the endpoint's")


def _described(key: ApiKey) -> dict:
    """An API key as security.get_api_key describes it (never its secret)."""
    return {"id": key.id, "name": key.name, "type": "rest", "creation": key.creation, "invalidated": key.invalidated,
            "username": "elastic-admin", "realm": "reserved", "metadata": key.metadata,
            "role_descriptors": {n: {**d, "transient_metadata": {"enabled": True}}
                                 for n, d in key.role_descriptors.items()}}


def _handler(stub: SecurityStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = dict(self.headers.items())
            if urlsplit(self.path).path.startswith("/_security/"):
                status, answer = stub.handle(self.command, self.path, headers, body)
                data, sent = json.dumps(answer).encode(), _PRODUCT
            else:
                status, sent, data = stub.forward(self.command, self.path, headers, body)
            self.send_response(status)
            for name, value in sent.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve

        def log_message(self, *args: object) -> None:  # quiet: pytest shows what matters
            pass

    return Handler
