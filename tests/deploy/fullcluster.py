"""A loopback proxy in front of the suite's node that answers as a full cluster's ILM and license would.

The integ-test node has no ILM module: no `_ilm/*` routes, and it refuses the one index setting ILM
registers, `index.lifecycle.name`. This proxy stands in for that module, and only for it:

* `GET _ilm/status`, `GET|PUT _ilm/policy[/<name>]` in the shapes of Elasticsearch's REST specification
  (ilm.get_status, ilm.get_lifecycle, ilm.put_lifecycle): policies are kept here with their version and
  the default the server adds to a delete action; a body that is not a policy is refused with HTTP 400;
* `GET _license`: an active license of the type the test chose;
* `index.lifecycle.name` travels through the real node as a setting the node knows and that changes
  nothing there (an allocation exclude on a node attribute no node has), and is written back in every
  answer. So the real node still does all the rest: it validates the templates, composes them and
  creates the backing indices, and a backing index read through the proxy names its policy as on a
  full cluster.

Everything else is forwarded as it came. Every request is recorded in `calls` with its body as sent.
"""
from __future__ import annotations

import gzip
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote, urlsplit

import urllib3
from localserver import LocalServer

LIFECYCLE_NAME = "index.lifecycle.name"
# The stand-in: `exclude` filters on a custom node attribute are free-form, and no node has this one.
STAND_IN = "index.routing.allocation.exclude.cloudsift_ilm_policy"
PHASES = {"hot", "warm", "cold", "frozen", "delete"}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


@dataclass(frozen=True, slots=True)
class Call:
    """One request as cloudsift sent it."""

    method: str
    path: str
    body: object


class FullClusterProxy:
    """Serves on `url`, forwarding to `upstream`; `policies`: ILM policy name → what GET _ilm/policy shows."""

    def __init__(self, upstream: str, license_type: str = "enterprise") -> None:
        self.upstream = upstream.rstrip("/")
        self.license_type = license_type
        self.policies: dict[str, dict] = {}
        self.refuse_ilm = 0  # an HTTP status for every _ilm request (403: no ILM privileges; 410: API switched off)
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._http = urllib3.PoolManager(timeout=urllib3.Timeout(total=60), retries=False)
        self._server = LocalServer(_handler(self)).start()
        self.url = self._server.url

    def close(self) -> None:
        """Stop serving."""
        self._server.stop()

    def sent(self, method: str, path: str) -> list[object]:
        """The bodies of the requests `method path` cloudsift sent, in order."""
        return [call.body for call in self.calls if (call.method, call.path) == (method, path)]

    def answer(self, method: str, path: str, query: str, headers: dict[str, str],
               body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for one request."""
        parsed = _json(body)
        with self._lock:
            self.calls.append(Call(method, unquote(path), parsed))
        parts = [unquote(part) for part in path.strip("/").split("/")]
        if parts[0] == "_ilm":
            return self._ilm(method, parts[1:], parsed)
        if parts == ["_license"] and method == "GET":
            return _json_answer(200, {"license": {
                "status": "active", "uid": "00000000-0000-4000-8000-000000000000", "type": self.license_type,
                "issue_date_in_millis": 0, "max_nodes": 1000, "issued_to": "cloudsift tests",
                "issuer": "cloudsift tests", "start_date_in_millis": -1}})
        if isinstance(parsed, (dict, list)):
            body = json.dumps(_to_node(parsed)).encode()
        return self._forward(method, path + (f"?{query}" if query else ""), headers, body)

    def _ilm(self, method: str, parts: list[str], body: object) -> tuple[int, dict[str, str], bytes]:
        if self.refuse_ilm:
            uri = f"/_ilm/{'/'.join(parts)}"
            if self.refuse_ilm == 403:
                kind, reason = "security_exception", f"action on [{uri}] is unauthorized for user [elastic]"
            else:
                kind, reason = "api_not_available_exception", f"Request for uri [{uri}] exists but is not available"
            return _json_answer(self.refuse_ilm, {"error": {"root_cause": [{"type": kind, "reason": reason}],
                                                            "type": kind, "reason": reason},
                                                  "status": self.refuse_ilm})
        if parts == ["status"] and method == "GET":
            return _json_answer(200, {"operation_mode": "RUNNING"})
        if parts[:1] != ["policy"] or len(parts) > 2:
            return _json_answer(400, {"error": f"no handler found for uri [/_ilm/{'/'.join(parts)}] and "
                                               f"method [{method}]"})
        name = parts[1] if len(parts) == 2 else None
        with self._lock:
            if method == "GET" and name is None:
                return _json_answer(200, dict(self.policies))
            if method == "GET" and name in self.policies:
                return _json_answer(200, {name: self.policies[name]})
            if method == "GET":
                reason = f"Lifecycle policy not found: {name}"
                return _json_answer(404, {"error": {"root_cause": [{"type": "resource_not_found_exception",
                                                                    "reason": reason}],
                                                    "type": "resource_not_found_exception", "reason": reason},
                                          "status": 404})
            if method == "PUT" and name is not None:
                problem = _policy_problem(body)
                if problem:
                    return _json_answer(400, {"error": {"type": "x_content_parse_exception", "reason": problem},
                                              "status": 400})
                assert isinstance(body, dict)
                version = self.policies.get(name, {}).get("version", 0) + 1
                self.policies[name] = {"version": version, "modified_date": time.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                       "policy": _with_server_defaults(body["policy"]),
                                       "in_use_by": {"indices": [], "data_streams": [], "composable_templates": []}}
                return _json_answer(200, {"acknowledged": True})
        return _json_answer(405, {"error": f"Incorrect HTTP method for uri [/_ilm/policy] and method [{method}]"})

    def _forward(self, method: str, target: str, headers: dict[str, str],
                 body: bytes) -> tuple[int, dict[str, str], bytes]:
        sent = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length", "content-encoding")}
        resp = self._http.request(method, self.upstream + target, body=body or None, headers=sent, redirect=False,
                                  preload_content=True, decode_content=True)
        data = resp.data
        parsed = _json(data)
        if isinstance(parsed, (dict, list)) and method != "HEAD":
            data = json.dumps(_from_node(parsed)).encode()
        kept = {k: v for k, v in resp.headers.items() if k.lower() not in HOP_BY_HOP}
        return resp.status, kept, data


def _handler(proxy: FullClusterProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if body and self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            split = urlsplit(self.path)
            status, headers, data = proxy.answer(self.command, split.path, split.query, dict(self.headers), body)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

    return Handler


def _json(body: bytes) -> object:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:  # NDJSON (a bulk body) or not JSON: forwarded as it is
        return body.decode(errors="replace")


def _json_answer(status: int, body: object) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json", "X-elastic-product": "Elasticsearch"}, json.dumps(body).encode()


def _policy_problem(body: object) -> str:
    """Why `body` is not a PUT _ilm/policy body (ilm.put_lifecycle: {"policy": {"phases": …, "_meta": …}})."""
    if not isinstance(body, dict) or set(body) != {"policy"} or not isinstance(body["policy"], dict):
        return "the body must be one object {\"policy\": {...}}"
    policy = body["policy"]
    if not set(policy) <= {"phases", "_meta"} or not isinstance(policy.get("phases"), dict):
        return f"unknown field in a policy, or no phases: {sorted(policy)}"
    for phase, spec in policy["phases"].items():
        if phase not in PHASES or not isinstance(spec, dict) or not set(spec) <= {"min_age", "actions"}:
            return f"[{phase}] is not a phase of min_age and actions"
    return ""


def _with_server_defaults(policy: dict) -> dict:
    """The policy as GET shows it: a delete action gains `delete_searchable_snapshot: true`."""
    shown = json.loads(json.dumps(policy))
    for spec in shown["phases"].values():
        delete = spec.get("actions", {}).get("delete")
        if isinstance(delete, dict):
            delete.setdefault("delete_searchable_snapshot", True)
    return shown


def _to_node(value: object) -> object:
    """A request body with `index.lifecycle.name` (flat or nested) turned into the stand-in."""
    if isinstance(value, list):
        return [_to_node(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _to_node(item) for key, item in value.items()}
    if LIFECYCLE_NAME in out:
        out[STAND_IN] = out.pop(LIFECYCLE_NAME)
    index = out.get("index")
    if isinstance(index, dict) and isinstance(index.get("lifecycle"), dict) and "name" in index["lifecycle"]:
        out[STAND_IN] = index["lifecycle"].pop("name")
        if not index["lifecycle"]:
            del index["lifecycle"]
    return out


def _from_node(value: object) -> object:
    """An answer with the stand-in (flat or nested, as settings come back) turned into `index.lifecycle.name`."""
    if isinstance(value, list):
        return [_from_node(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _from_node(item) for key, item in value.items()}
    if STAND_IN in out:
        out[LIFECYCLE_NAME] = out.pop(STAND_IN)
    path = STAND_IN.split(".")
    trail = [out]
    for key in path[:-1]:
        step = trail[-1].get(key)
        if not isinstance(step, dict):
            return out
        trail.append(step)
    if path[-1] in trail[-1]:
        name = trail[-1].pop(path[-1])
        for parent, key in reversed(list(zip(trail[:-1], path[:-1], strict=True))):
            if not parent[key]:
                del parent[key]
        out.setdefault("index", {}).setdefault("lifecycle", {})["name"] = name
    return out
