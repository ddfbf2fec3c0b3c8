"""AWS WAF (v2) web ACL logs (one JSON object per line, read by jsonlines.read_lines) → ECS documents."""
from __future__ import annotations

from typing import Any

from normalizer.converters import Conventions, converters
from normalizer.ecs import ECS_VERSION, add_related
from normalizer.errors import NormalizationError, excerpt
from normalizer.ids import record_id
from normalizer.jsonlines import parse_object
from normalizer.records import RawRecord
from normalizer.table_copy import compile_table_copy
from normalizer.timestamps import from_epoch
from normalizer.waf.fields import DATASETS, NATIVE_FIELDS

__all__ = ["doc_id", "normalize"]

# Native fields the code below handles itself: parsing, reshaping, or more than one destination.
_BY_CODE = frozenset({
    "timestamp", "webaclId", "action", "httpRequest.headers", "httpRequest.httpVersion", "labels", "labels.name",
    "captchaResponse.solveTimestamp", "challengeResponse.solveTimestamp", "oversizeFields",
    "requestHeadersInserted", "httpRequest.host",
})
# WAF writes "-" for "no value" (httpSourceName, a request's country).
CONVENTIONS = Conventions(dash_is_absent=True)
keyword = converters(CONVENTIONS)["keyword"]
_COPIES = compile_table_copy(NATIVE_FIELDS, CONVENTIONS, skip=_BY_CODE, name="waf")

# Terminating action → (event.type, event.outcome). CAPTCHA and CHALLENGE terminate only when
# the request lacks a valid token: the client got a puzzle instead of the resource.
_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "ALLOW": (("access", "allowed"), "success"),
    "BLOCK": (("access", "denied"), "failure"),
    "CAPTCHA": (("access", "denied"), "failure"),
    "CHALLENGE": (("access", "denied"), "failure"),
    "COUNT": (("access",), "unknown"),
}
_UNKNOWN_ACTION: tuple[tuple[str, ...], str] = (("access",), "unknown")
# Header (lower-cased) → ECS field it also fills.
_HEADER_FIELDS = {"user-agent": ("user_agent", "original"), "referer": ("http", "request", "referrer")}
# solveTimestamp is documented in seconds but Elastic parses milliseconds: accept both.
_MILLIS_FROM = 100_000_000_000
_SECONDS: dict[int, str] = {}  # epoch second → "YYYY-MM-DDTHH:MM:SS."
_MAX_SECONDS = 4096
_RESPONSES = (("captchaResponse", "captchaResponse.solveTimestamp", "captcha_response"),
              ("challengeResponse", "challengeResponse.solveTimestamp", "challenge_response"))


def doc_id(doc: dict, record: RawRecord) -> str:
    """WAF's requestId is not unique across sources (and may be "null"): object key + byte offset."""
    return record_id(record)


def normalize(record: RawRecord, original: bool = False) -> dict:
    """One WAF log line → an ECS document."""
    raw = parse_object(record)
    timestamp = raw.get("timestamp")
    if timestamp is None:
        raise NormalizationError("no timestamp: not an AWS WAF log record", field="timestamp")
    request = raw.get("httpRequest")
    if not isinstance(request, dict):
        raise NormalizationError("no httpRequest object: not an AWS WAF log record", field="httpRequest")
    doc: dict[str, Any] = {
        "@timestamp": _timestamp(timestamp),
        # ["web", "network"] as Elastic's current pipeline writes (its stored test output predates it).
        "event": {"kind": "event", "category": ["web", "network"], "dataset": DATASETS[0]},
        "cloud": {"provider": "aws"},
        "ecs": {"version": ECS_VERSION},
    }
    _COPIES(raw, doc)
    _action(raw.get("action"), doc)
    _web_acl(raw.get("webaclId"), doc)
    _rule_name(raw.get("ruleGroupList"), doc)
    _http(request, doc)
    host_header = _headers(request.get("headers"), doc)
    _host(keyword(request.get("host"), "httpRequest.host") or host_header, doc)
    _inserted_headers(raw.get("requestHeadersInserted"), doc)
    _labels(raw.get("labels"), doc)
    _oversize(raw.get("oversizeFields"), doc)
    for native, field, key in _RESPONSES:
        _solve_timestamp(raw.get(native), field, key, doc)
    body_bytes = doc.get("aws", {}).get("waf", {}).get("request_body_size")
    if body_bytes is not None:
        doc.setdefault("http", {}).setdefault("request", {})["body"] = {"bytes": body_bytes}
    source = doc.get("source")
    if source and "ip" in source:
        add_related(doc, "ip", source["ip"])
    if original:
        doc["event"]["original"] = record.text
    return doc


def _timestamp(value: Any) -> str:
    """Epoch milliseconds → ISO 8601; the formatted second is cached (a busy ACL logs many per second)."""
    if type(value) is not int:
        return from_epoch(value, "timestamp", millis=True)
    seconds, millis = divmod(value, 1000)
    second = _SECONDS.get(seconds)
    if second is None:
        if len(_SECONDS) >= _MAX_SECONDS:
            _SECONDS.clear()
        second = _SECONDS[seconds] = from_epoch(value, "timestamp", millis=True)[:-4]  # range-checked
    return f"{second}{millis:03d}Z"


def _waf(doc: dict) -> dict:
    return doc.setdefault("aws", {}).setdefault("waf", {})


def _action(value: Any, doc: dict) -> None:
    action = keyword(value, "action")
    types, outcome = _ACTIONS.get(action.upper(), _UNKNOWN_ACTION) if action else _UNKNOWN_ACTION
    event = doc["event"]
    if action:
        event["action"] = action
    event["type"] = list(types)
    event["outcome"] = outcome


def _web_acl(value: Any, doc: dict) -> None:
    """webaclId: an ARN in WAFv2 (account, region, service and ACL id from it), a GUID in WAF Classic."""
    acl = keyword(value, "webaclId")
    if not acl:
        return
    waf = _waf(doc)
    parts = acl.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        waf["arn"] = acl
        waf["id"] = parts[5]
        cloud = doc["cloud"]
        if parts[2]:
            cloud["service"] = {"name": parts[2]}
        if parts[3]:
            cloud["region"] = parts[3]
        if parts[4]:
            cloud["account"] = {"id": parts[4]}
    else:
        waf["id"] = acl


def _rule_name(groups: Any, doc: dict) -> None:
    """rule.name: the rule inside a rule group that terminated the request, else the terminating rule."""
    name = None
    if isinstance(groups, list):
        for group in groups:
            terminating = group.get("terminatingRule") if isinstance(group, dict) else None
            if isinstance(terminating, dict):
                name = keyword(terminating.get("ruleId"), "ruleGroupList.terminatingRule.ruleId")
                if name:
                    break
    name = name or doc.get("rule", {}).get("id")
    if name:
        doc.setdefault("rule", {})["name"] = name


def _http(request: dict, doc: dict) -> None:
    """http.version and network.* from "HTTP/1.1"; url.original from the URI and query string."""
    version = keyword(request.get("httpVersion"), "httpRequest.httpVersion")
    if version and "/" in version:
        protocol, number = version.split("/", 1)
        protocol = protocol.lower()
        network = doc.setdefault("network", {})
        network["protocol"] = protocol
        if number:
            doc.setdefault("http", {})["version"] = number
        if protocol == "http":
            network["transport"] = "udp" if number.startswith("3") else "tcp"
    url = doc.get("url")
    if url and "path" in url:
        query = url.get("query")
        url["original"] = f"{url['path']}?{query}" if query else url["path"]


def _headers(headers: Any, doc: dict) -> str | None:
    """Request headers → aws.waf.request.headers {name: value}; User-Agent and Referer → ECS.

    Returns the Host header, the fallback for url.domain.
    """
    if headers is None:
        return None
    if not isinstance(headers, list):
        raise NormalizationError(f"expected a list, got {type(headers).__name__}", field="httpRequest.headers")
    table = _name_value_table(headers, "httpRequest.headers")
    if not table:
        return None
    _waf(doc)["request"] = {"headers": table}
    host = None
    for name, value in table.items():
        lowered = name.lower()
        first = value[0] if type(value) is list else value
        path = _HEADER_FIELDS.get(lowered)
        if path:
            node = doc
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = first
        elif lowered == "host":
            host = first
    return host


def _host(value: str | None, doc: dict) -> None:
    """url.domain and url.port from "host[:port]" (httpRequest.host, else the Host header)."""
    if not value:
        return
    host, port = value, ""
    if value.startswith("["):  # an IPv6 literal: [2001:db8::1]:8443
        end = value.find("]")
        host, rest = (value[1:end], value[end + 1:]) if end > 0 else (value, "")
        port = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        host, port = value.split(":")
    url = doc.setdefault("url", {})
    if host:
        url["domain"] = host
    if port.isdigit() and len(port) <= 5:
        url["port"] = int(port)


def _name_value_table(items: list, field: str) -> dict[str, Any]:
    """[{"name": n, "value": v}, …] → {n: v}; a repeated name keeps every value, in order."""
    table: dict[str, Any] = {}
    for item in items:
        if type(item) is not dict:
            raise NormalizationError(f"expected an object, got {type(item).__name__}", field=field)
        name = item.get("name")
        value = item.get("value")
        if type(name) is not str:
            name = keyword(name, field + ".name")
        if type(value) is not str:
            value = keyword(value, field + ".value")
        if not name or not value:
            continue  # AWS's own examples include malformed entries ({"name": …, "myValue": …})
        known = table.get(name)
        if known is None:
            table[name] = value
        elif type(known) is list:
            known.append(value)
        else:
            table[name] = [known, value]
    return table


def _inserted_headers(value: Any, doc: dict) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        raise NormalizationError(f"expected a list, got {type(value).__name__}", field="requestHeadersInserted")
    table = _name_value_table(value, "requestHeadersInserted")
    if table:
        _waf(doc)["request_headers_inserted"] = table


def _labels(value: Any, doc: dict) -> None:
    """labels → aws.waf.labels [{"name": …}] (the shape Elastic keeps; queried as aws.waf.labels.name)."""
    if value is None:
        return
    if not isinstance(value, list):
        raise NormalizationError(f"expected a list, got {type(value).__name__}", field="labels")
    labels = []
    for item in value:
        if not isinstance(item, dict):
            raise NormalizationError(f"expected an object, got {type(item).__name__}", field="labels")
        name = keyword(item.get("name"), "labels.name")
        if name:
            labels.append({"name": name})
    if labels:
        _waf(doc)["labels"] = labels


def _oversize(value: Any, doc: dict) -> None:
    if value is None:
        return
    items = value if isinstance(value, list) else [value]
    fields = [k for k in (keyword(item, "oversizeFields") for item in items) if k]
    if fields:
        _waf(doc)["oversize_fields"] = fields


def _solve_timestamp(response: Any, field: str, key: str, doc: dict) -> None:
    if not isinstance(response, dict):
        if response is not None:
            raise NormalizationError(f"expected an object, got {type(response).__name__}", field=field.split(".")[0])
        return
    value = response.get("solveTimestamp")
    if value is None or value == "" or value == 0:  # 0: a terminating challenge, never solved
        return
    if type(value) not in (int, float):
        raise NormalizationError(f"not an epoch timestamp: {excerpt(value)}", field=field)
    moment = from_epoch(value, field, millis=value >= _MILLIS_FROM)
    _waf(doc).setdefault(key, {})["solve_timestamp"] = moment
