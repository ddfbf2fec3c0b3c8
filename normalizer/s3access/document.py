"""S3 server access log lines (read by jsonlines.read_lines: one record a line) → ECS documents."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson

from normalizer import _native
from normalizer.converters import LONG_MAX, Conventions
from normalizer.ecs import ECS_VERSION, add_related
from normalizer.errors import NormalizationError, excerpt
from normalizer.ids import record_id
from normalizer.records import RawRecord
from normalizer.s3access.fields import COLUMNS, DATASETS, NATIVE_FIELDS
from normalizer.s3access.tokens import split_columns
from normalizer.table_copy import compile_table_copy
from normalizer.timestamps import MAX_EPOCH, MIN_EPOCH

__all__ = ["doc_id", "normalize"]

# S3 writes "-" for every column without a value.
CONVENTIONS = Conventions(dash_is_absent=True)
# Columns the code below handles itself: parsed, or written where the table cannot say.
_BY_CODE = frozenset({"time", "user_agent"})
_COPIES = compile_table_copy(NATIVE_FIELDS, CONVENTIONS, skip=_BY_CODE, name="s3access")
_KNOWN = len(COLUMNS)

_TIME = re.compile(r"(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})")
_MONTHS = {name: n for n, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
# "GET /bucket/key?query HTTP/1.1"
_REQUEST = re.compile(r"([A-Z]+) (\S+) HTTP/(\d(?:\.\d)?)")
# The region in the endpoint a request named: bucket.s3.us-west-1.amazonaws.com, s3-eu-west-1…,
# s3.dualstack.…, an access point's …s3-accesspoint.… (China's end in .com.cn).
_REGION = re.compile(r"(?:^|\.)s3(?:[.-][a-z-]+)*?[.-]([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$")
_TLS = re.compile(r"TLSv(\d+(?:\.\d+)?)", re.IGNORECASE)
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,16})$")
_NANOS_PER_MILLI = 1_000_000


def doc_id(doc: dict, record: RawRecord) -> str:
    """Access log records carry no unique id (request ids repeat across lines): object key + byte offset."""
    return record_id(record)


def normalize(record: RawRecord, original: bool = False) -> dict:
    """One access log line → an ECS document."""
    columns = split_columns(record.text)
    raw = dict(zip(COLUMNS, columns))
    doc: dict[str, Any] = {
        "@timestamp": _timestamp(raw["time"]),
        "event": {"kind": "event", "category": ["web"], "type": ["access"], "dataset": DATASETS[0]},
        "cloud": {"provider": "aws"},
        "ecs": {"version": ECS_VERSION},
    }
    _COPIES(raw, doc)
    s3 = doc["aws"]["s3access"]
    if len(columns) > _KNOWN:
        s3["extra_fields"] = columns[_KNOWN:]
    _user_agent(raw["user_agent"], doc, s3)
    _request(s3.get("request_uri"), doc)
    _outcome(doc, s3)
    total = s3.get("total_time")
    if total is not None and 0 <= total <= LONG_MAX // _NANOS_PER_MILLI:  # in nanoseconds it must stay a long
        doc["event"]["duration"] = total * _NANOS_PER_MILLI
    _region(s3.get("host_header"), doc)
    _tls(s3.get("tls_version"), doc)
    if "remote_ip" in s3:  # add_related would leave an empty list behind
        add_related(doc, "ip", s3["remote_ip"])
    add_related(doc, "user", s3.get("bucket_owner"), s3.get("requester"))
    if original:
        doc["event"]["original"] = record.text
    return doc


def _timestamp(text: str) -> str:
    """[06/Feb/2019:00:00:38 +0000] (brackets already removed) → ISO 8601 UTC."""
    found = _TIME.fullmatch(text)
    month = _MONTHS.get(found.group(2)) if found else None
    if found is None or month is None:
        raise NormalizationError(f"not an access log time: {excerpt(text)}", field="time")
    day, _, year, hour, minute, second, sign, off_h, off_m = found.groups()
    offset = timedelta(hours=int(off_h), minutes=int(off_m)) * (-1 if sign == "-" else 1)
    try:
        moment = datetime(int(year), month, int(day), int(hour), int(minute), int(second),
                          tzinfo=timezone(offset))
    except ValueError:
        raise NormalizationError(f"not an access log time: {excerpt(text)}", field="time") from None
    if not MIN_EPOCH <= moment.timestamp() < MAX_EPOCH:
        raise NormalizationError(f"timestamp out of range: {excerpt(text)}", field="time")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _user_agent(agent: str, doc: dict, s3: dict) -> None:
    """The agent verbatim, and what the shared parser finds in it (name, version, OS, device)."""
    if agent in ("", "-"):
        return
    s3["user_agent"] = agent
    doc["user_agent"] = orjson.loads(_native.user_agent(agent))


def _request(uri: str | None, doc: dict) -> None:
    """Method, URL and HTTP version out of the request line ("GET /bucket/key?x HTTP/1.1")."""
    found = _REQUEST.fullmatch(uri) if uri else None
    if found is None:
        return
    method, target, version = found.groups()
    http = doc.setdefault("http", {})
    http.setdefault("request", {})["method"] = method
    http["version"] = version
    path, question, query = target.partition("?")
    url: dict[str, str] = {"original": target, "path": path}
    if question:
        url["query"] = query
    extension = _EXTENSION.search(path.rsplit("/", 1)[-1])
    if extension:
        url["extension"] = extension.group(1).lower()
    doc["url"] = url


def _outcome(doc: dict, s3: dict) -> None:
    """An error code or an HTTP error status is a failure; anything else S3 did is a success."""
    status = s3.get("http_status")
    failed = "error_code" in s3 or (status is not None and status >= 400)
    doc["event"]["outcome"] = "failure" if failed else "success"


def _region(host: str | None, doc: dict) -> None:
    found = _REGION.search(host.lower()) if host else None
    if found:
        doc["cloud"]["region"] = found.group(1)


def _tls(version: str | None, doc: dict) -> None:
    """TLSv1.2 → tls.version 1.2, tls.version_protocol tls."""
    found = _TLS.fullmatch(version) if version else None
    if found:
        tls = doc.setdefault("tls", {})
        tls["version"] = found.group(1)
        tls["version_protocol"] = "tls"
