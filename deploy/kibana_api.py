"""Kibana's HTTP APIs that `deploy kibana` calls: the detection engine's rules and the data views.

Every request names its API version (`elastic-api-version`, the public APIs' 2023-10-31), carries
`kbn-xsrf` (Kibana refuses a write without it) and authenticates with an API key
(`Authorization: ApiKey <encoded key>`). A space other than `default` is addressed as `/s/<space>`.
Bodies are serialized JSON, the rule import a multipart upload of NDJSON; query strings are encoded
by urllib. The request and response bodies follow Kibana's OpenAPI definitions (the tests hold
JSON schemas of them and a server that enforces them).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import quote, urlencode, urlsplit

import urllib3

from deploy.errors import DeployError
from shipper.urls import redact

API_VERSION = "2023-10-31"
DEFAULT_SPACE = "default"
# Kibana's own rule for space ids: lowercase letters, digits, `_` and `-`.
_SPACE = re.compile(r"[a-z0-9_-]{1,1024}")
FIND_PAGE = 100  # rules per _find page


class KibanaApi:
    """One Kibana space, reached with one API key."""

    def __init__(self, url: str, api_key: str, space: str = DEFAULT_SPACE, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DeployError(f"not a Kibana URL: {redact(url)!r} (expected http[s]://host[:port][/base-path])")
        if not _SPACE.fullmatch(space):
            raise DeployError(f"space {space!r}: a Kibana space id is lowercase letters, digits, _ and -")
        if not api_key:
            raise DeployError("no Kibana API key: set KIBANA_API_KEY (an encoded API key)")
        self.url = url.rstrip("/")
        self.space = space
        self._headers = {"Authorization": f"ApiKey {api_key}", "kbn-xsrf": "cloudsift",
                         "elastic-api-version": API_VERSION}
        self._http = urllib3.PoolManager(timeout=timeout, retries=urllib3.Retry(total=3, backoff_factor=0.5,
                                                                                   allowed_methods=["GET"]))

    def where(self) -> str:
        """The space and Kibana, for the user (the URL without any secret)."""
        return f"space {self.space} of {redact(self.url)}"

    def _path(self, api: str, *segments: str) -> str:
        prefix = "" if self.space == DEFAULT_SPACE else f"/s/{self.space}"
        return prefix + api + "".join("/" + quote(s, safe="") for s in segments)

    def _call(self, method: str, path: str, query: dict | None = None, body: bytes | None = None,
              content_type: str = "application/json", ok: tuple[int, ...] = (200,)) -> dict:
        url = self.url + path + ("?" + urlencode(query) if query else "")
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = content_type
        try:
            resp = self._http.request(method, url, body=body, headers=headers)
        except urllib3.exceptions.HTTPError as exc:
            raise DeployError(f"cannot reach Kibana at {redact(self.url)}: {exc}") from None
        try:
            answer = json.loads(resp.data) if resp.data else {}
        except ValueError:
            answer = {}
        if resp.status not in ok:
            message = answer.get("message") if isinstance(answer, dict) else None
            raise DeployError(f"Kibana refused {method} {path}: HTTP {resp.status} {message or resp.reason}")
        return answer if isinstance(answer, dict) else {}

    # --- detection engine ---------------------------------------------------------------------

    def find_rules(self, tag: str) -> Iterator[dict]:
        """Every rule carrying `tag`, page by page (`GET …/rules/_find`)."""
        page = 1
        while True:
            found = self._call("GET", self._path("/api/detection_engine/rules/_find"), {
                "filter": f"alert.attributes.tags:{json.dumps(tag)}", "per_page": FIND_PAGE, "page": page})
            rules = found.get("data", [])
            yield from (r for r in rules if tag in r.get("tags", []))
            if not rules or page * FIND_PAGE >= int(found.get("total", 0)):
                return
            page += 1

    def import_rules(self, rules: list[dict]) -> dict:
        """Create or overwrite `rules` by rule_id in one multipart NDJSON upload (`POST …/rules/_import`)."""
        ndjson = "".join(json.dumps(rule, sort_keys=True) + "\n" for rule in rules).encode()
        upload = {"file": ("rules.ndjson", ndjson, "application/ndjson")}
        body, content_type = urllib3.encode_multipart_formdata(upload)
        return self._call("POST", self._path("/api/detection_engine/rules/_import"), {"overwrite": "true"},
                          body, content_type)

    def delete_rules(self, ids: list[str]) -> dict:
        """Delete rules by their Kibana object ids (`POST …/rules/_bulk_action`, action delete)."""
        body = json.dumps({"action": "delete", "ids": ids}).encode()
        return self._call("POST", self._path("/api/detection_engine/rules/_bulk_action"), body=body)

    # --- data views -----------------------------------------------------------------------------

    def data_views(self) -> list[dict]:
        """The space's data views: id, title, name (`GET …/api/data_views`)."""
        return self._call("GET", self._path("/api/data_views")).get("data_view", [])

    def data_view(self, view_id: str) -> dict:
        """One data view in full (`GET …/api/data_views/data_view/<id>`)."""
        return self._call("GET", self._path("/api/data_views/data_view", view_id)).get("data_view", {})

    def create_data_view(self, view: dict) -> dict:
        """Create a data view (`POST …/api/data_views/data_view`)."""
        body = json.dumps({"data_view": view, "override": False}).encode()
        return self._call("POST", self._path("/api/data_views/data_view"), body=body)

    def update_data_view(self, view_id: str, fields: dict) -> dict:
        """Change the given fields of a data view (`POST …/api/data_views/data_view/<id>`)."""
        body = json.dumps({"data_view": fields}).encode()
        return self._call("POST", self._path("/api/data_views/data_view", view_id), body=body)
