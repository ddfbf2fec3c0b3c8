"""A local HTTP server that holds `deploy kibana` to Kibana's published API contract. Not a Kibana.

It enforces what Kibana's OpenAPI definitions say about the requests cloudsift sends (the JSON schemas
in kibana_schemas/, written from the detection engine's and data views' definitions): the headers
(`elastic-api-version`, `kbn-xsrf`, `Authorization: ApiKey`), the query strings, each body and each
rule of an import; it answers in the shapes those definitions give (its answers are validated against
the same schemas) and keeps rules and data views per space, so a second deploy sees the first. Every
call is recorded, and every request that broke the contract is kept in `violations`.
"""
from __future__ import annotations

import email.parser
import email.policy
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Self
from urllib.parse import parse_qsl, urlsplit

import jsonschema
from localserver import LocalServer

SCHEMAS = Path(__file__).with_name("kibana_schemas")
API_VERSION = "2023-10-31"
_PATH = re.compile(r"^(?:/s/(?P<space>[a-z0-9_-]+))?/api/(?P<api>.+)$")
_TAG_FILTER = re.compile(r'^alert\.attributes\.tags:"(?P<tag>[^"\\]*)"$')


def schema(name: str) -> jsonschema.protocols.Validator:
    """A validator of one schema file (`rule_to_import`, …)."""
    body = json.loads((SCHEMAS / f"{name}.json").read_text())
    return jsonschema.Draft202012Validator(body)


@dataclass
class Call:
    """One request as the server saw it."""

    method: str
    path: str
    space: str
    query: dict[str, str]
    headers: dict[str, str]
    body: object = None  # JSON, or for an import the list of NDJSON rules


@dataclass
class Space:
    rules: dict[str, dict] = field(default_factory=dict)  # rule_id → rule as Kibana holds it
    views: dict[str, dict] = field(default_factory=dict)  # id → data view


class Refusal(Exception):
    """A request answered with Kibana's error body; `breach`: it broke the contract (else: a state, such
    as a data view that is not there)."""

    def __init__(self, status: int, message: str, breach: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.breach = breach


class KibanaStub:
    """The server's state and its answers; `url` once started."""

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.spaces: dict[str, Space] = {}
        self.refuse: dict[str, tuple[int, str]] = {}  # rule_id → the import error Kibana will give it
        self._lock = threading.Lock()
        self._server = LocalServer(_handler(self))
        self.url = self._server.url

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    def space(self, name: str = "default") -> Space:
        """A space's state (created empty when first named)."""
        return self.spaces.setdefault(name, Space())

    def writes(self) -> list[Call]:
        """The calls that could change something (every method but GET)."""
        return [c for c in self.calls if c.method != "GET"]

    # --- the contract -----------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, object]:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        match = _PATH.match(parts.path)
        space = match["space"] if match and match["space"] else "default"
        call = Call(method, parts.path, space, query, headers)
        with self._lock:
            self.calls.append(call)
            try:
                if match is None:
                    raise Refusal(404, f"Not Found: {parts.path}")
                self._check_headers(method, headers)
                status, answer = self._route(method, match["api"], space, query, headers, body, call)
            except Refusal as exc:
                if exc.breach:
                    self.violations.append(f"{method} {parts.path}: {exc.message}")
                return exc.status, {"statusCode": exc.status, "error": _REASONS.get(exc.status, "Error"),
                                    "message": exc.message}
        return status, answer

    def _check_headers(self, method: str, headers: dict[str, str]) -> None:
        if headers.get("authorization") != f"ApiKey {self.api_key}":
            raise Refusal(401, "[security_exception]: unable to authenticate with an API key")
        if headers.get("elastic-api-version") != API_VERSION:
            raise Refusal(400, f"elastic-api-version must be {API_VERSION}, got {headers.get('elastic-api-version')!r}")
        if method != "GET" and not headers.get("kbn-xsrf"):
            raise Refusal(400, 'Request must contain a kbn-xsrf header.')

    def _route(self, method: str, api: str, space: str, query: dict, headers: dict, body: bytes,
               call: Call) -> tuple[int, object]:
        state = self.space(space)
        if (method, api) == ("GET", "detection_engine/rules/_find"):
            return 200, self._find(state, query)
        if (method, api) == ("POST", "detection_engine/rules/_import"):
            rules = _ndjson(_multipart_file(headers, body))
            call.body = rules
            return 200, self._import(state, rules, query)
        if (method, api) == ("POST", "detection_engine/rules/_bulk_action"):
            call.body = _json(body, "bulk_delete_request")
            return 200, self._bulk_delete(state, call.body, query)
        if (method, api) == ("GET", "data_views"):
            return 200, _valid({"data_view": [{k: v[k] for k in ("id", "title", "name") if k in v}
                                              for v in state.views.values()]}, "data_views_response")
        if api.startswith("data_views/data_view"):
            return self._views(method, api.removeprefix("data_views/data_view").strip("/"), state, body, call)
        raise Refusal(404, f"Not Found: {method} /api/{api}")

    def _find(self, state: Space, query: dict) -> dict:
        _check(query, "find_rules_query")
        page, per_page = int(query.get("page", "1")), int(query.get("per_page", "20"))
        rules = list(state.rules.values())
        if "filter" in query:
            tag = _TAG_FILTER.match(query["filter"])
            if tag is None:  # this server reads tag filters only: any other is outside what it can hold to
                raise Refusal(400, f"filter not understood by this contract server: {query['filter']!r}")
            rules = [r for r in rules if tag["tag"] in r.get("tags", [])]
        shown = rules[(page - 1) * per_page: page * per_page]
        return _valid({"page": page, "perPage": per_page, "total": len(rules), "data": shown}, "find_rules_response")

    def _import(self, state: Space, rules: list[dict], query: dict) -> dict:
        overwrite = query.get("overwrite") == "true"
        errors, done = [], 0
        validator = schema("rule_to_import")
        for rule in rules:
            rule_id = rule.get("rule_id") if isinstance(rule, dict) else None
            problems = sorted(validator.iter_errors(rule), key=lambda e: list(e.path))
            if problems:
                message = "; ".join(f"{'.'.join(map(str, e.path)) or '(rule)'}: {e.message}" for e in problems)
                self.violations.append(f"import {rule_id}: {message}")
                errors.append(_error(rule_id, 400, message))
            elif rule_id in self.refuse:
                errors.append(_error(rule_id, *self.refuse[rule_id]))
            elif rule_id in state.rules and not overwrite:
                errors.append(_error(rule_id, 409, f'rule_id: "{rule_id}" already exists'))
            else:
                state.rules[rule_id] = _stored(rule, state.rules.get(rule_id))
                done += 1
        return _valid({"success": not errors, "success_count": done, "rules_count": len(rules), "errors": errors,
                       "exceptions_success": True, "exceptions_success_count": 0, "exceptions_errors": [],
                       "action_connectors_success": True, "action_connectors_success_count": 0,
                       "action_connectors_errors": [], "action_connectors_warnings": []}, "import_rules_response")

    def _bulk_delete(self, state: Space, body: dict, query: dict) -> dict:
        by_id = {r["id"]: rule_id for rule_id, r in state.rules.items()}
        deleted, errors = [], []
        for object_id in body.get("ids", []):
            if object_id in by_id:
                deleted.append(state.rules.pop(by_id[object_id]))
            else:
                errors.append({"message": "Rule not found", "status_code": 404, "rules": [{"id": object_id}]})
        return _valid({"success": not errors, "rules_count": len(body.get("ids", [])), "attributes": {
            "results": {"updated": [], "created": [], "deleted": deleted, "skipped": []},
            "summary": {"failed": len(errors), "skipped": 0, "succeeded": len(deleted),
                        "total": len(body.get("ids", []))},
            "errors": errors}}, "bulk_action_response")

    def _views(self, method: str, view_id: str, state: Space, body: bytes, call: Call) -> tuple[int, object]:
        if method == "POST" and not view_id:
            call.body = _json(body, "create_data_view_request")
            view = dict(call.body["data_view"])
            view.setdefault("id", str(uuid.uuid4()))
            if view["id"] in state.views and not call.body.get("override"):
                raise Refusal(400, f"Duplicate data view: {view['id']}", breach=False)
            state.views[view["id"]] = view
            return 200, _valid({"data_view": view}, "data_view_response")
        if view_id not in state.views:
            raise Refusal(404, f"Saved object [index-pattern/{view_id}] not found", breach=False)
        if method == "GET":
            return 200, _valid({"data_view": state.views[view_id]}, "data_view_response")
        if method == "POST":
            call.body = _json(body, "update_data_view_request")
            state.views[view_id].update(call.body["data_view"])
            return 200, _valid({"data_view": state.views[view_id]}, "data_view_response")
        raise Refusal(404, f"Not Found: {method} data view")


_REASONS = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 409: "Conflict", 415: "Unsupported Media Type"}


def _check(value: object, name: str) -> None:
    problems = list(schema(name).iter_errors(value))
    if problems:
        raise Refusal(400, f"[request {name}]: " + "; ".join(
            f"{'.'.join(map(str, e.path)) or '(body)'}: {e.message}" for e in problems))


def _json(body: bytes, name: str) -> dict:
    try:
        value = json.loads(body)
    except ValueError:
        raise Refusal(400, "[request body]: not JSON") from None
    _check(value, name)
    return value


def _valid(answer: dict, name: str) -> dict:
    """The server's own answer, held to the definition it claims to follow (a failure is a bug here)."""
    jsonschema.validate(answer, json.loads((SCHEMAS / f"{name}.json").read_text()))
    return answer


def _multipart_file(headers: dict[str, str], body: bytes) -> bytes:
    """The `file` part of a multipart/form-data upload (the import API's only field)."""
    content_type = headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise Refusal(415, f"Unsupported Media Type: {content_type!r}, expected multipart/form-data")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    files = [p for p in message.iter_parts() if p.get_param("name", header="content-disposition") == "file"]
    if len(files) != 1 or not str(files[0].get_filename() or "").endswith(".ndjson"):
        raise Refusal(400, "[request body.file]: expected one .ndjson file")
    return files[0].get_payload(decode=True)


def _ndjson(data: bytes) -> list[dict]:
    try:
        return [json.loads(line) for line in data.decode().splitlines() if line.strip()]
    except ValueError:
        raise Refusal(400, "Invalid file: not NDJSON") from None


def _error(rule_id: str | None, status: int, message: str) -> dict:
    return {"rule_id": rule_id, "error": {"status_code": status, "message": message}} if rule_id else \
        {"error": {"status_code": status, "message": message}}


def _stored(rule: dict, before: dict | None) -> dict:
    """The rule as Kibana keeps and returns it: its object id, bookkeeping and the defaults it fills in."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    defaults = {"enabled": True, "tags": [], "interval": "5m", "from": "now-6m", "to": "now", "max_signals": 100,
                "author": [], "false_positives": [], "references": [], "threat": [], "exceptions_list": [],
                "risk_score_mapping": [], "severity_mapping": [], "actions": [], "setup": "", "license": "",
                "output_index": ""}
    return {**defaults, **rule, "id": before["id"] if before else str(uuid.uuid4()), "immutable": False,
            "rule_source": {"type": "internal"}, "related_integrations": [], "required_fields": [],
            "revision": before["revision"] + 1 if before else 0, "created_at": before["created_at"] if before else now,
            "created_by": "cloudsift-test", "updated_at": now, "updated_by": "cloudsift-test"}


def _handler(stub: KibanaStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer = stub.handle(self.command, self.path, headers, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the calls are recorded

    return Handler
