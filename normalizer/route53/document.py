"""Route 53 query logs → ECS: Resolver query logs (JSON) and public hosted-zone query logs (text).

Both arrive as one record per line (jsonlines.read_lines reads either), so the `route53` log type
decides per line: a JSON object is a Resolver record, anything else a public hosted-zone record.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from normalizer.converters import Conventions, converters, is_ip
from normalizer.ecs import ECS_VERSION, add_related
from normalizer.errors import NormalizationError
from normalizer.ids import record_id
from normalizer.jsonlines import parse_object
from normalizer.records import RawRecord
from normalizer.route53.domains import split_domain
from normalizer.route53.fields import DATASETS, PUBLIC_COLUMNS, PUBLIC_FIELDS, RESOLVER_FIELDS
from normalizer.table_copy import TableCopy, compile_table_copy
from normalizer.timestamps import from_iso

__all__ = ["doc_id", "normalize"]

# Native fields the code below handles itself (trailing dots, splitting, answers, case).
_BY_CODE = frozenset({"query_timestamp", "query_name", "transport", "answers.Rdata", "answers.Type", "answers.Class"})
# Query logs write "-" for "no value" (a public log's empty EDNS client subnet).
CONVENTIONS = Conventions(dash_is_absent=True)
keyword = converters(CONVENTIONS)["keyword"]
_RESOLVER_COPIES = compile_table_copy(RESOLVER_FIELDS, CONVENTIONS, skip=_BY_CODE, name="route53 resolver")
_PUBLIC_COPIES = compile_table_copy(PUBLIC_FIELDS, CONVENTIONS, skip=_BY_CODE, name="route53 public")
_IANA_NUMBERS = {"udp": "17", "tcp": "6"}
_ANSWER_IP_TYPES = frozenset({"A", "AAAA"})
_ANSWER_HOST_TYPES = frozenset({"CNAME", "PTR"})
_FIREWALL_EVENT_TYPE = {"BLOCK": "denied", "ALLOW": "allowed"}
# Query logs repeat themselves: the same second and the same names, line after line.
_timestamp = lru_cache(maxsize=4096)(from_iso)
_split = lru_cache(maxsize=16384)(split_domain)


def normalize(record: RawRecord, original: bool = False) -> dict:
    """One Resolver (JSON) or public hosted-zone (text) query log line → an ECS document."""
    text = record.text
    if text.startswith("{"):
        doc = _document(parse_object(record), _RESOLVER_COPIES, DATASETS[0])
    else:
        doc = _document(_public_columns(text), _PUBLIC_COPIES, DATASETS[1])
    if original:
        doc["event"]["original"] = text
    return doc


def doc_id(doc: dict, record: RawRecord) -> str:
    """Query logs carry no id of their own: object key + byte offset."""
    return record_id(record)


def _public_columns(text: str) -> dict[str, str]:
    """A public hosted-zone query log line → {column name: value}, with its shape checked."""
    parts = text.split()
    if len(parts) != len(PUBLIC_COLUMNS):
        column = PUBLIC_COLUMNS[min(len(parts), len(PUBLIC_COLUMNS) - 1)]
        raise NormalizationError(
            f"{len(parts)} fields, a public hosted-zone query log line has {len(PUBLIC_COLUMNS)}", field=column
        )
    if not parts[0].replace(".", "", 1).isdigit():
        raise NormalizationError(f"not a Route 53 query log line (version {parts[0][:20]!r})", field="version")
    return dict(zip(PUBLIC_COLUMNS, parts))


def _document(raw: dict[str, Any], copies: TableCopy, dataset: str) -> dict:
    """The ECS document for one parsed record of either format."""
    timestamp = raw.get("query_timestamp")
    if type(timestamp) is not str:  # also keeps unhashable values away from the cache
        if timestamp is None:
            raise NormalizationError("no query_timestamp: not a Route 53 query log record", field="query_timestamp")
        raise NormalizationError(f"not an ISO 8601 timestamp: {type(timestamp).__name__}", field="query_timestamp")
    doc: dict[str, Any] = {
        "@timestamp": _timestamp(timestamp, "query_timestamp"),
        "event": {"kind": "event", "category": ["network"], "type": ["protocol"], "action": "dns-query",
                  "dataset": dataset},
        "cloud": {"provider": "aws"},
        "network": {"protocol": "dns"},
        "ecs": {"version": ECS_VERSION},
    }
    copies(raw, doc)
    looked_up = _question(raw.get("query_name"), doc)
    _transport(raw.get("transport"), doc)
    source = doc.get("source")
    if source:
        address = source.get("ip")
        if address:
            source["address"] = address
            doc["network"]["type"] = "ipv6" if ":" in address else "ipv4"
            add_related(doc, "ip", address)
    if looked_up:
        add_related(doc, "ip", looked_up)
    instance = doc["cloud"].get("instance")
    if instance:
        doc.setdefault("aws", {})["instance_id"] = instance["id"]
    _answers(raw.get("answers"), doc)
    dns = doc["dns"]
    rcode = dns.get("response_code")
    if rcode is not None:
        doc["event"]["outcome"] = "success" if rcode == "NOERROR" else "failure"
    firewall = doc.get("aws", {}).get("route53", {}).get("firewall")
    if firewall:
        extra = _FIREWALL_EVENT_TYPE.get(firewall.get("action", ""))
        if extra:
            doc["event"]["type"].append(extra)
    return doc


def _question(value: Any, doc: dict) -> str | None:
    """dns.question.name without the trailing dot and its domain split; returns a PTR query's IP."""
    name = keyword(value, "query_name")
    if name is None:
        raise NormalizationError("no query_name: not a Route 53 query log record", field="query_name")
    if len(name) > 1 and name.endswith("."):
        name = name[:-1]
    question = doc.setdefault("dns", {}).setdefault("question", {})
    question["name"] = name
    looked_up = _reverse_lookup_ip(name)
    if looked_up is not None:
        return looked_up
    if not name.endswith(".arpa"):
        add_related(doc, "hosts", name)
    subdomain, registered, tld = _split(name)
    if registered:
        question["registered_domain"] = registered
    if subdomain:
        question["subdomain"] = subdomain
    if tld:
        question["top_level_domain"] = tld
    return None


def _reverse_lookup_ip(name: str) -> str | None:
    """The address a PTR name (…in-addr.arpa / …ip6.arpa) asks about, if it is a whole, valid one."""
    lowered = name.lower()
    if lowered.endswith(".in-addr.arpa"):
        octets = lowered[: -len(".in-addr.arpa")].split(".")
        if len(octets) != 4:
            return None
        address = ".".join(reversed(octets))
    elif lowered.endswith(".ip6.arpa"):
        nibbles = lowered[: -len(".ip6.arpa")].split(".")
        if len(nibbles) != 32 or any(len(n) != 1 for n in nibbles):
            return None
        digits = "".join(reversed(nibbles))
        address = ":".join(digits[i : i + 4] for i in range(0, 32, 4))
    else:
        return None
    return address if is_ip(address) else None


def _transport(value: Any, doc: dict) -> None:
    transport = keyword(value, "transport")
    if transport:
        transport = transport.lower()
        network = doc["network"]
        network["transport"] = transport
        number = _IANA_NUMBERS.get(transport)
        if number:
            network["iana_number"] = number


def _answers(value: Any, doc: dict) -> None:
    """dns.answers (data without trailing dots), dns.resolved_ip and related.ip/hosts from them."""
    if value:
        if not isinstance(value, list):
            raise NormalizationError(f"expected a list, got {type(value).__name__}", field="answers")
        answers = []
        resolved: list[str] = []
        for item in value:
            if not isinstance(item, dict):
                raise NormalizationError(f"expected an object, got {type(item).__name__}", field="answers")
            answer = {}
            data = keyword(item.get("Rdata"), "answers.Rdata")
            kind = keyword(item.get("Type"), "answers.Type")
            klass = keyword(item.get("Class"), "answers.Class")
            if data is not None:
                if len(data) > 1 and data.endswith("."):
                    data = data[:-1]
                answer["data"] = data
                if kind in _ANSWER_IP_TYPES and is_ip(data):
                    if data not in resolved:
                        resolved.append(data)
                elif kind in _ANSWER_HOST_TYPES:
                    add_related(doc, "hosts", data)
            if kind is not None:
                answer["type"] = kind
            if klass is not None:
                answer["class"] = klass
            if answer:
                answers.append(answer)
        if answers:
            doc["dns"]["answers"] = answers
        if resolved:
            doc["dns"]["resolved_ip"] = resolved
            add_related(doc, "ip", *resolved)
