"""Two applications' objects and the sources declaring them: a Firehose-delivered CloudWatch Logs
subscription (shop) and gzipped JSON lines (billing.api), shared by the ship and the Lambda tests."""
from __future__ import annotations

import gzip

import orjson

T = 1796288400000  # 2026-12-03T09:00:00Z
SHOP_KEY = "firehose/shop/2026/12/03/09/shop-logs-1-2026-12-03-09-00-00-0b8e7d6c-5a4f-3e2d-9c1b-8a7f6e5d4c3b.gz"
BILLING_KEY = "apps/billing/2026/12/03/billing-0001.jsonl.gz"
DATASETS = ("billing.api", "shop")

# The two sources' application sections, below whatever names the objects (a bucket prefix, a queue).
SHOP_APPLOG = """
    applog:
      dataset: shop
      format: cloudwatch
      timestamp: time
      message: msg
      user: user
      source_ip: ip
      outcome: result
      rename: {action: event.action}
"""
BILLING_APPLOG = """
    applog:
      dataset: billing.api
      format: json
      timestamp: ts
      timestamp_format: epoch_ms
      level: level
      user: who.name
      rename: {op: event.action}
"""


def config(bucket: str) -> str:
    """A `cloudsift ship` config: each app's prefix of `bucket` is a source with the app's map."""
    return (f"sources:\n  - url: s3://{bucket}/firehose/shop/{SHOP_APPLOG}"
            f"  - url: s3://{bucket}/apps/billing/{BILLING_APPLOG}")


def _envelope(kind: str, *events: dict) -> bytes:
    return gzip.compress(orjson.dumps({"messageType": kind, "owner": "123456789012", "logGroup": "/ecs/shop",
                                       "logStream": "web/1", "subscriptionFilters": ["to-firehose"],
                                       "logEvents": list(events)}))


def _event(n: int, message: str | dict) -> dict:
    text = message if isinstance(message, str) else orjson.dumps(message).decode()
    return {"id": f"{37 * 10**54 + n}", "timestamp": T + n * 1000, "message": text}


def shop_object() -> bytes:
    """What Firehose writes for a subscription: gzip members run together, a control message among them
    (4 events, 1 control message; event 1 is alice's failed login from 203.0.113.9)."""
    hostile = {f"k{i}": {"v": i} for i in range(400)}  # many distinct keys: the mapping must not grow
    return b"".join((
        _envelope("DATA_MESSAGE",
                  _event(1, {"time": "2026-12-03T09:00:01Z", "msg": "login failed", "user": "alice", "ip": "203.0.113.9",
                             "result": "denied", "action": "user.login"}),
                  _event(2, {"time": "2026-12-03T09:00:02Z", "msg": "login ok", "user": "bob", "ip": "198.51.100.7",
                             "result": "ok", "action": "user.login", **hostile}),
                  _event(3, "plain text from the container")),
        _envelope("CONTROL_MESSAGE", _event(0, "CWL CONTROL MESSAGE: Checking health of destination Firehose.")),
        _envelope("DATA_MESSAGE", _event(4, {"time": "2026-12-03T09:00:04Z", "msg": "logout", "user": "bob",
                                             "action": "user.logout"})),
    ))


def billing_object() -> bytes:
    """Three JSON lines (users user0-2, invoice.create) and a cut-off last line (a dead letter)."""
    lines = [orjson.dumps({"ts": T + i, "level": "info", "who": {"name": f"user{i}"}, "op": "invoice.create"})
             for i in range(3)]
    return gzip.compress(b"\n".join([*lines, b'{"ts": 1796288400000, "who": '] ) + b"\n")
