"""A new-terms rule in `cloudsift detect`: only first-seen combinations alert, history taken in event time."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

from detect_samples import LAYOUT, ROOT, lines, run_cli
from elasticsearch import Elasticsearch

RULE = ROOT / "rules" / "cloudtrail" / "console_login_new_source_ip.yml"
RULE_ID = "f18504ee-b3d2-48dc-8933-5eb81c311f6a"


def _sign_in(user: str, ip: str, when: str, outcome: str = "Success") -> dict:
    return {
        "eventVersion": "1.09", "eventTime": when, "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin", "awsRegion": "us-east-1", "sourceIPAddress": ip,
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "userIdentity": {"type": "IAMUser", "principalId": f"AIDA{user.upper()}", "accountId": "123456789012",
                         "arn": f"arn:aws:iam::123456789012:user/{user}", "userName": user},
        "responseElements": {"ConsoleLogin": outcome},
        "additionalEventData": {"MFAUsed": "Yes", "LoginTo": "https://console.aws.amazon.com/"},
        "eventID": str(uuid.uuid4()), "eventType": "AwsConsoleSignIn", "recipientAccountId": "123456789012",
    }


def _ship(folder: Path, name: str, records: list[dict], namespace: str) -> None:
    path = folder / LAYOUT["cloudtrail"].format(name=name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"Records": records}))
    status, out = run_cli("ship", "--from", str(path), "--namespace", namespace, "--progress", "json")
    assert status == 0, out


def _alerted(namespace: str, alerts_ns: str) -> list[tuple[str, str]]:
    status, out = run_cli("detect", "--once", "--rules", str(RULE), "--index", f"logs-*.cloudsift-{namespace}",
                          "--namespace", alerts_ns, "--since", "1h")
    assert status == 0, out
    return sorted((r["title"], ",".join(sorted(r["matched_ids"]))) for r in lines(out) if r["rule_id"] == RULE_ID)


def test_only_first_seen_pairs_alert_and_backfilled_history_counts(es: Elasticsearch, tmp_path: Path,
                                                                   alerts_ns: str) -> None:
    namespace = f"n{uuid.uuid4().hex[:10]}"
    records = [
        _sign_in("alice", "198.51.100.10", "2026-11-20T09:00:00Z"),   # new: alerts
        _sign_in("alice", "198.51.100.10", "2026-11-20T13:00:00Z"),   # the same pair again: not new
        _sign_in("alice", "203.0.113.77", "2026-11-20T14:00:00Z"),    # a new address for alice: alerts
        _sign_in("bob", "198.51.100.20", "2026-11-20T10:00:00Z"),     # seen 3 days before (history): not new
        _sign_in("bob", "198.51.100.20", "2026-11-17T10:00:00Z"),     # (arrives in the same object, later)
        _sign_in("carol", "198.51.100.30", "2026-11-20T11:00:00Z"),   # seen 20 days before: outside 14d, new
        _sign_in("carol", "198.51.100.30", "2026-10-31T11:00:00Z"),   # (and itself new then)
        _sign_in("dave", "192.0.2.5", "2026-11-20T12:00:00Z", "Failure"),  # not selected: no alert
    ]
    _ship(tmp_path, "first", records, namespace)
    first = _alerted(namespace, alerts_ns)
    assert len(first) == 4  # alice ×2 addresses, carol ×2 (20 days apart), nothing for bob or dave

    # A later run: a repeat of a known pair adds nothing; of a pair whose history arrives with it, only its
    # earliest sign-in is new.
    _ship(tmp_path, "second", [_sign_in("alice", "203.0.113.77", "2026-11-21T08:00:00Z"),
                               _sign_in("erin", "198.51.100.40", "2026-11-21T09:00:00Z"),
                               _sign_in("erin", "198.51.100.40", "2026-11-15T09:00:00Z")], namespace)
    assert len(_alerted(namespace, alerts_ns)) == 1
