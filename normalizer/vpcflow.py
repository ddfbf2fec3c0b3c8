"""VPC Flow Logs (and Transit Gateway flow logs) → ECS documents.

S3 delivery writes a header line naming the field order (default or custom format), then one
space-separated record per line, '-' meaning "no value". Each distinct header is compiled once
into a function of straight-line code generated from the field table (vpcflow_fields.py), so a
line costs one str.split() and a few dict stores: flow logs come by the billion, and the goal
is >= 250k lines/s on one core, which a per-field interpretive loop cannot reach.
"""

from __future__ import annotations

import binascii
import hashlib
import re
import socket
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from normalizer.errors import NormalizationError
from normalizer.ids import hashed_id
from normalizer.readers import iter_lines
from normalizer.records import MAX_RAW_CHARS, RawRecord, Skipped
from normalizer.timestamps import from_epoch
from normalizer.vpcflow_fields import BY_NATIVE, DEFAULT_HEADER, FIELDS, TCP_FLAG_NAMES, TRANSPORTS

DATASETS: tuple[str, ...] = ("aws.vpcflow",)
__all__ = ["DATASETS", "FIELDS", "doc_id", "normalize", "read"]

# A header token: what AWS field names look like (data lines hold digits, capitals or '-').
_HEADER_LINE = re.compile(r"[a-z][a-z0-9-]*(?: +[a-z][a-z0-9-]*)*")
# Compiled headers kept per process; an object has one, a shipper sees a handful.
_MAX_PLANS = 256
_MAX_LONG = 2**63 - 1
# Value errors the generated code lets escape, turned into a NormalizationError naming the field.
_BAD_VALUE = (ValueError, KeyError, OSError, OverflowError)

_PROTOCOLS: dict[str, int] = {str(n): n for n in range(256)}
_TCP_FLAGS: dict[str, tuple[str, ...]] = {
    str(n): tuple(name for bit, name in enumerate(TCP_FLAG_NAMES) if n >> bit & 1) for n in range(256)
}
_KIND_NAMES = {
    "count": "count (a non-negative integer)",
    "port": "port number (0-65535)",
    "ip": "IP address",
    "protocol": "IANA protocol number (0-255)",
    "tcp_flags": "TCP flags bitmask (0-255)",
}


def read(stream: BinaryIO, source: str) -> Iterator[RawRecord | Skipped | NormalizationError]:
    """Split a flow-log object into lines, each carrying the field order of its header line."""
    header: tuple[str, ...] | None = None
    rejected_header: str | None = None
    first = True
    for item in iter_lines(stream, source):
        if isinstance(item, NormalizationError):
            yield item
            continue
        number, offset, text = item
        if first:
            first = False
            if _HEADER_LINE.fullmatch(text):
                try:
                    header = _plan(tuple(text.split())).header
                except NormalizationError as exc:
                    rejected_header = exc.reason
                    yield exc.located(source=source, line=number, offset=offset, raw=text[:MAX_RAW_CHARS])
                continue
        if rejected_header is not None:
            # Without a field order no line can be read; each still goes to the dead letters.
            yield NormalizationError(
                f"not read: the object's header line was rejected ({rejected_header})",
                source=source,
                line=number,
                offset=offset,
                raw=text[:MAX_RAW_CHARS],
            )
            continue
        yield RawRecord(text, source, number, offset, header=header)


def normalize(record: RawRecord, original: bool = False) -> dict:
    """One flow-log line → one ECS document (the header in record.header gives the field order)."""
    header = record.header
    plan = _last[1] if header is _last[0] else _plan_for_record(header)
    values = record.text.split()
    try:
        doc = plan.build(values)
    except ValueError:  # only build's unpacking raises it (it converts value errors itself)
        raise _width_error(values, plan, header is None) from None
    if original:
        doc["event"]["original"] = record.text
    return doc


def doc_id(doc: dict, record: RawRecord) -> str:
    """Flow records carry no id of their own: hash the object key and the line's byte offset."""
    return hashed_id(record.source, record.offset)


@dataclass(frozen=True, slots=True)
class _Plan:
    """A header compiled: its width and the generated function that maps a split line."""

    header: tuple[str, ...]
    width: int
    build: Callable[[list[str]], dict]
    source: str  # the generated code, kept for debugging


_plans: dict[tuple[str, ...], _Plan] = {}


def _plan(header: tuple[str, ...]) -> _Plan:
    """The compiled plan for a header; NormalizationError naming an unknown or repeated field."""
    plan = _plans.get(header)
    if plan is None:
        if len(_plans) >= _MAX_PLANS:
            _plans.clear()
        plan = _plans[header] = _compile(header)
    return plan


def _plan_for_record(header: tuple[str, ...] | None) -> _Plan:
    global _last
    plan = _plan(DEFAULT_HEADER if header is None else header)
    _last = (header, plan)
    return plan


def _width_error(values: list[str], plan: _Plan, headerless: bool) -> NormalizationError:
    got, want = len(values), plan.width
    expected = "no header line, so the default format applies:" if headerless else "the header line names"
    reason = f"{expected} {want} fields, the line has {got}"
    if got < want:
        return NormalizationError(reason, field=plan.header[got])
    return NormalizationError(reason + " (extra values at the end)", field=plan.header[-1])


# ---------------------------------------------------------------------------------------------
# Conversions the generated code calls (kept out of line because they are rare or long).

_timestamps: dict[str, tuple[str, int]] = {}


def _timestamp(text: str, field: str) -> tuple[str, int]:
    """Epoch seconds text → (ISO 8601, seconds); cached, as lines of an object share windows."""
    try:
        seconds = int(text)
    except ValueError:
        raise NormalizationError(f"not an epoch timestamp: {text[:40]!r}", field=field) from None
    if not 0 <= seconds < 2**40:  # from_epoch rejects the rest; this keeps float() from overflowing
        raise NormalizationError(f"timestamp out of range: {text[:40]!r}", field=field)
    value = (from_epoch(seconds, field), seconds)
    if len(_timestamps) >= 65536:
        _timestamps.clear()
    _timestamps[text] = value
    return value


def _lenient_timestamp(text: str, field: str) -> tuple[tuple[str, int] | None, str | None]:
    """A secondary timestamp: a bad one is reported in error.message, the record is kept."""
    try:
        return _timestamp(text, field), None
    except NormalizationError as exc:
        return None, f"{field}: {exc.reason}"


def _bad_value(values: list[str], index: int, header: tuple[str, ...]) -> NormalizationError:
    name = header[index]
    what = _KIND_NAMES.get(BY_NATIVE[name].kind, "value")
    return NormalizationError(f"not a valid {what}: {values[index][:40]!r}", field=name)


# ICMP types with a reply type: Community ID treats such a pair as one two-way flow.
_ICMP_PAIRS = {
    1: {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17},
    58: {128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 144: 145, 145: 144},
}
# Community ID's hashed tuple: seed, addresses, protocol, a pad byte, ports (network order).
_PACK_V4 = struct.Struct("!H4s4sBxHH").pack
_sha1 = hashlib.sha1
_b64 = binascii.b2a_base64


def _community_id(src: bytes, dst: bytes, proto: int, sport: int | None, dport: int | None) -> str | None:
    """Community ID v1 (seed 0) of a flow; None when its protocol needs ports the record lacks."""
    if proto == 6 or proto == 17 or proto == 132 or proto == 1 or proto == 58:
        if sport is None or dport is None:
            return None
        pairs = _ICMP_PAIRS.get(proto)
        if pairs is None or sport in pairs:  # ICMP: the ports hold type and code
            if pairs is not None:
                dport = pairs[sport]
            if src > dst or (src == dst and sport > dport):
                src, dst, sport, dport = dst, src, dport, sport
        if len(src) == 4 and len(dst) == 4:
            data = _PACK_V4(0, src, dst, proto, sport, dport)
        else:
            data = (
                b"\0\0" + src + dst + bytes((proto, 0)) + sport.to_bytes(2, "big") + dport.to_bytes(2, "big")
            )
    else:
        if src > dst:
            src, dst = dst, src
        data = b"\0\0" + src + dst + bytes((proto, 0))
    return "1:" + _b64(_sha1(data).digest(), newline=False).decode("ascii")


# ---------------------------------------------------------------------------------------------
# Code generation: one function per header, from the field table.

_NAMESPACE = {
    "_BAD_VALUE": _BAD_VALUE,
    "_bad_value": _bad_value,
    "_timestamps": _timestamps,
    "_timestamp": _timestamp,
    "_lenient_timestamp": _lenient_timestamp,
    "_community_id": _community_id,
    "_pton": socket.inet_pton,
    "_AF4": socket.AF_INET,
    "_AF6": socket.AF_INET6,
    "_PROTOCOLS": _PROTOCOLS,
    "_TRANSPORTS": TRANSPORTS,
    "_TCP_FLAGS": _TCP_FLAGS,
    "_MAX_LONG": _MAX_LONG,
}
# Locals the derived fields read, by the native field that sets them.
_LOCALS = {
    "srcaddr": ("a_src", "s_src"),
    "dstaddr": ("a_dst", "s_dst"),
    "pkt-srcaddr": ("s_pkt_src",),
    "pkt-dstaddr": ("s_pkt_dst",),
    "srcport": ("sport",),
    "dstport": ("dport",),
    "protocol": ("proto",),
    "start": ("t_start",),
    "end": ("t_end",),
}
_NEW_EVENT = (
    "o_event = {'kind': 'event', 'category': ['network'], 'type': ['connection'], 'dataset': 'aws.vpcflow'}"
)
_CORE_SECTIONS = ("event", "cloud", "aws", "aws.vpcflow", "network", "source", "destination")


def _var(path: str) -> str:
    """The local variable holding the object at a dotted path ('aws.vpcflow' → 'o_aws_vpcflow')."""
    return "o_" + path.replace(".", "_")


def _store(targets: tuple[str, ...], expr: str) -> list[str]:
    """Assignments of `expr` to each destination path (@timestamp is set with the derived fields)."""
    lines = []
    for target in targets:
        if target != "@timestamp":
            parent, _, key = target.rpartition(".")
            lines.append(f"{_var(parent)}[{key!r}] = {expr}")
    return lines


def _field_code(index: int, native: str, header: tuple[str, ...]) -> list[str]:
    """Straight-line code for field `index`, whose text is in local x<index>."""
    kind, targets, x = BY_NATIVE[native].kind, BY_NATIVE[native].ecs, f"x{index}"
    body: list[str]
    if kind == "keyword":
        body = _store(targets, x)
    elif kind in ("count", "port"):
        limit = "65535" if kind == "port" else "_MAX_LONG"
        body = [
            f"f = {index}",
            f"n = int({x})",
            f"if n < 0 or n > {limit}: raise ValueError",
            *_store(targets, "n"),
        ]
        body += [f"{local} = n" for local in _LOCALS.get(native, ())]
    elif kind == "ip":
        # converters.packed_ip, inlined: a Python call per address costs ~1% of a line's time.
        body = [f"f = {index}", f"a = _pton(_AF6 if ':' in {x} else _AF4, {x})", *_store(targets, x)]
        names = _LOCALS[native]
        body += [f"{names[0]} = a", f"{names[1]} = {x}"] if len(names) == 2 else [f"{names[0]} = {x}"]
    elif kind == "protocol":
        body = [
            f"f = {index}",
            f"proto = _PROTOCOLS[{x}]",
            *_store(targets, x),
            "name = _TRANSPORTS.get(proto)",
            "if name: o_network['transport'] = name",
        ]
    elif kind == "tcp_flags":
        body = [
            f"f = {index}",
            f"names = _TCP_FLAGS[{x}]",
            *_store(targets, x),
            "if names: o_aws_vpcflow['tcp_flags_array'] = list(names)",
        ]
    elif kind == "action":
        body = [
            *_store(targets, x),
            f"if {x} == 'ACCEPT':",
            "    o_event['outcome'] = 'success'",
            "    o_event['type'].append('allowed')",
            f"elif {x} == 'REJECT':",
            "    o_event['outcome'] = 'failure'",
            "    o_event['type'].append('denied')",
        ]
    elif kind == "epoch":
        t = _LOCALS[native][0]
        # `start` is the record's time only when there is no `end`; otherwise a bad one is kept.
        stores = _store(targets, f"{t}[0]")
        if native == "start" and "end" in header:
            convert = [
                f"    {t}, problem = _lenient_timestamp({x}, {native!r})",
                f"if {t} is not None:",
                *(f"    {line}" for line in stores),
            ]
        else:
            convert = [f"    {t} = _timestamp({x}, {native!r})", *stores]
        body = [f"{t} = _timestamps.get({x})", f"if {t} is None:", *convert]
    else:  # pragma: no cover - the table only uses the kinds above
        raise AssertionError(f"unknown kind {kind!r} for {native!r}")
    return [f"if {x} != '-':", *(f"    {line}" for line in body)]


def _derived_code(present: set[str]) -> list[str]:
    """Fields computed from several natives: time, duration, network type, community id, related."""

    def local(native: str, n: int = 0) -> str:
        return _LOCALS[native][n] if native in present else "None"

    code: list[str] = []
    times = [local(n) for n in ("end", "start") if n in present]
    if times:
        code += [f"t = {' or '.join(times)}", "if t is not None:", "    doc['@timestamp'] = t[0]"]
    if {"start", "end"} <= present:
        code += [
            "if t_start is not None and t_end is not None and t_end[1] >= t_start[1]:",
            "    o_event['duration'] = (t_end[1] - t_start[1]) * 1000000000",
        ]
    addresses = [local(n, 1) for n in ("srcaddr", "dstaddr") if n in present]
    if addresses:
        code += [
            f"s = {' or '.join(addresses)}",
            "if s is not None:",
            "    o_network['type'] = 'ipv6' if ':' in s else 'ipv4'",
        ]
    if {"srcaddr", "dstaddr", "protocol"} <= present:
        code += [
            "if a_src is not None and a_dst is not None and proto is not None:",
            f"    cid = _community_id(a_src, a_dst, proto, {local('srcport')}, {local('dstport')})",
            "    if cid is not None:",
            "        o_network['community_id'] = cid",
        ]
    ips = [_LOCALS[n][-1] for n in ("srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr") if n in present]
    if ips:
        code += ["related = []"]
        for ip in ips:
            code += [f"if {ip} is not None and {ip} not in related:", f"    related.append({ip})"]
        code += ["if related:", "    doc['related'] = {'ip': related}"]
    return code


def _compile(header: tuple[str, ...]) -> _Plan:
    """Generate, compile and return the function that maps one split line of this header."""
    for name in header:
        if name not in BY_NATIVE:
            raise NormalizationError(
                f"unknown flow-log field {name[:60]!r} in the header line", field=name[:60]
            )
    if len(set(header)) != len(header):
        twice = next(name for name in header if header.count(name) > 1)
        raise NormalizationError(f"field {twice!r} appears twice in the header line", field=twice)
    present = set(header)
    paths = set(_CORE_SECTIONS)
    for name in header:
        for target in BY_NATIVE[name].ecs:
            parts = target.split(".")[:-1]
            paths.update(".".join(parts[: n + 1]) for n in range(len(parts)))
    unpack = ", ".join(f"x{i}" for i in range(len(header)))
    body = [f"{unpack}, = v", "problem = None", "f = -1"]
    body += [f"{local} = None" for name in header for local in _LOCALS.get(name, ())]
    body += [f"{_var(p)} = {{}}" for p in sorted(paths - {"event", "cloud"})]
    body += [_NEW_EVENT, "o_cloud = {'provider': 'aws'}", "try:"]
    for index, name in enumerate(header):
        body += [f"    {line}" for line in _field_code(index, name, header)]
    body += ["except _BAD_VALUE:", "    raise _bad_value(v, f, HEADER) from None", "doc = {}"]
    body += _derived_code(present)
    body += ["if problem is not None:", "    doc['error'] = {'message': problem}"]
    # Attach non-empty objects to their parents, deepest first; empty ones are left out.
    for path in sorted(paths, key=lambda p: (-p.count("."), p)):
        parent, _, key = path.rpartition(".")
        attach = f"{_var(parent) if parent else 'doc'}[{key!r}] = {_var(path)}"
        body += [attach] if path in ("event", "cloud") else [f"if {_var(path)}:", f"    {attach}"]
    body += ["return doc"]
    source = "def build(v):\n" + "".join(f"    {line}\n" for line in body)
    namespace = dict(_NAMESPACE, HEADER=header)
    # S102: the code is generated from our own field table (header names are checked against it
    # first); input text only ever reaches the generated function as its argument `v`.
    exec(compile(source, f"<vpcflow header of {len(header)} fields>", "exec"), namespace)  # noqa: S102
    return _Plan(header, len(header), namespace["build"], source)


_last: tuple[tuple[str, ...] | None, _Plan] = (None, _plan(DEFAULT_HEADER))
