"""`cloudsift detect` on a real node: the pack's samples raise exactly their alerts, once."""
from __future__ import annotations

import os
import re
import signal
import threading
from collections import Counter
from pathlib import Path

import orjson
import pytest
from detect_samples import PACK, ROOT, Case, Shipped, alert_docs, lines, run_cli, spawn
from elasticsearch import Elasticsearch
from webhook_receiver import Receiver

from cloudsift.elastic import EsSettings
from detection.pack import load_pack

CORRELATIONS = {f"{f.path.stem}#{n}" for f in load_pack([PACK])[0] if f.is_correlation for n in range(1, len(f.samples) + 1)}


def _by_rule(records: list[dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for record in records:
        out.setdefault(record["rule_id"], set()).update(record["matched_ids"])
    return out


def test_plain_samples_raise_exactly_their_alerts(plain_samples: Shipped, detect: object) -> None:
    """Every positive sample of a plain rule raises that rule's alert; no negative sample does."""
    status, out = detect()
    assert status == 0
    matched = _by_rule(lines(out))
    wrong = []
    for case in plain_samples.cases:
        raised = bool(matched.get(str(case.file.rule.id), set()) & set(case.ids))
        if raised != case.sample.match:
            wrong.append(f"{case.label}: expected {'an alert' if case.sample.match else 'none'}")
    assert not wrong


def test_printed_lines_carry_the_contract_keys(detect: object) -> None:
    """Each new alert is one JSON line with rule_id, title, tags, severity and matched_ids."""
    _, out = detect()
    records = lines(out)
    assert records and all({"rule_id", "title", "tags", "severity", "matched_ids"} <= r.keys() for r in records)
    assert all(r["matched_ids"] and r["severity"] in {"low", "medium", "high", "critical"} for r in records)


@pytest.mark.parametrize("label", sorted(CORRELATIONS))
def test_correlation_sample_raises_its_alert_or_none(label: str, correlation_runs: dict[str, tuple[Case, list]]
                                                     ) -> None:
    """A correlation's positive scenario raises one alert naming its events; a negative one raises none."""
    case, records = correlation_runs[label]
    if case.sample.match:
        assert len(records) == 1 and set(records[0]["matched_ids"]) <= set(case.ids)
    else:
        assert records == []


def test_new_terms_sample_alone_raises_its_alert_or_none(new_terms_runs: list[tuple[Case, list[dict]]]) -> None:
    """With no history, a new-terms rule's positive sample is new (one alert naming it); a negative raises none."""
    assert new_terms_runs
    for case, records in new_terms_runs:
        expected = 1 if case.sample.match else 0
        assert len(records) == expected, case.label
        assert all(set(r["matched_ids"]) <= set(case.ids) for r in records), case.label


def test_second_run_adds_no_alert_and_prints_nothing(es: Elasticsearch, detect: object, alerts_ns: str) -> None:
    """Rerunning over the same window writes no alert and prints no line."""
    first_status, first = detect()
    count = len(alert_docs(es, alerts_ns))
    second_status, second = detect()
    assert first_status == second_status == 0
    assert lines(first) and second == ""
    assert len(alert_docs(es, alerts_ns)) == count == len(lines(first))


def test_alert_documents_are_ecs_signals(es: Elasticsearch, detect: object, alerts_ns: str) -> None:
    """An alert carries event.kind signal, rule.*, threat.* from its ATT&CK tags, risk and the event's key fields."""
    detect()
    docs = {d["rule"]["name"]: d for d in alert_docs(es, alerts_ns)}
    stopped = docs["CloudTrail Logging Stopped Or Trail Deleted"]
    assert stopped["event"]["kind"] == "signal" and stopped["event"]["risk_score"] == 73
    assert stopped["threat"]["technique"]["subtechnique"]["id"] == ["T1562.008"]
    assert stopped["threat"]["tactic"]["name"] == ["Defense Evasion"]
    # The rule's positive samples come from more than one account: any of theirs, copied from the event.
    assert re.fullmatch(r"\d{12}", stopped["cloud"]["account"]["id"]) and stopped["source"]["ip"]
    assert stopped["cloudsift"]["alert"]["matched"]["streams"][0].startswith("logs-aws.cloudtrail.cloudsift-")


def test_killed_detector_restarts_without_missing_or_duplicating(
        es: Elasticsearch, es_settings: EsSettings, plain_samples: Shipped, alerts_ns: str, receiver: Receiver,
        tmp_path: Path) -> None:
    """kill -9 while a rule is half done (alerts written, webhook pending), then a restart: each alert once,
    printed once, and every one reaches the webhook."""
    reference_ns = f"r{alerts_ns}"
    status, _ = run_cli("detect", "--once", "--index", plain_samples.index, "--namespace", reference_ns,
                        "--since", "2h")
    expected = {d["_id"] for d in alert_docs(es, reference_ns)}
    assert status == 0 and expected

    args = ("detect", "--once", "--index", plain_samples.index, "--namespace", alerts_ns, "--since", "2h",
            "--webhook", receiver.url)
    receiver.hold.set()
    with open(tmp_path / "first.out", "w") as first_out:
        child = spawn(es_settings, *args, stdout=first_out)
        assert receiver.arrived.wait(120), child.communicate()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
    written_before_restart = {d["_id"] for d in alert_docs(es, alerts_ns)}
    assert written_before_restart and written_before_restart < expected  # it really died mid-cycle
    receiver.hold.clear()
    receiver.release.set()
    child = spawn(es_settings, *args)
    second_out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err

    docs = alert_docs(es, alerts_ns)
    assert Counter(d["_id"] for d in docs) == Counter(expected)
    printed = lines((tmp_path / "first.out").read_text()) + lines(second_out)
    assert Counter(r["alert_id"] for r in printed) == Counter(expected)
    assert {r["body"]["alert_id"] for r in receiver.requests} == expected


def test_suppression_keeps_one_alert_per_key_and_period(es: Elasticsearch, detect: object, alerts_ns: str,
                                                        tmp_path: Path) -> None:
    """Two events a minute apart of one account: one alert with a 1h period, two with a 30s one."""
    rule = "9d5d5aeb-1638-48bf-95a4-c48a45a89895"  # CloudTrail logging stopped: two positive samples
    account = "123456789012"  # theirs; other rules' samples match this rule too, from other accounts

    def alerts_of_the_account() -> int:
        return len([d for d in alert_docs(es, alerts_ns)
                    if d["rule"]["id"] == rule and d["cloud"]["account"]["id"] == account])

    config = tmp_path / "detect.yml"
    config.write_text(f"rules:\n  {rule}:\n    suppress: {{by: [cloud.account.id], for: 1h}}\n")
    _, out = detect("--config", str(config))
    printed = [r for r in lines(out) if r["rule_id"] == rule]
    assert alerts_of_the_account() == 1 and len(printed) == len(
        {d["cloud"]["account"]["id"] for d in alert_docs(es, alerts_ns) if d["rule"]["id"] == rule})
    config.write_text(f"rules:\n  {rule}:\n    suppress: {{by: [cloud.account.id], for: 30s}}\n")
    detect("--config", str(config))
    assert alerts_of_the_account() == 2  # the second event's: the first exists


def test_webhook_retries_and_sends_the_secret_header(detect: object, receiver: Receiver,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """503 twice, then 200: each new alert reaches the webhook once, with the header from the environment."""
    monkeypatch.setenv("TEST_HOOK_TOKEN", "Bearer s3cret")
    receiver.statuses = [503, 503]
    status, out = detect("--webhook", receiver.url, "--webhook-header", "Authorization=TEST_HOOK_TOKEN")
    printed = {r["alert_id"] for r in lines(out)}
    assert status == 0 and printed
    delivered = [r["body"]["alert_id"] for r in receiver.requests]
    assert len(delivered) == len(printed) + 2 and set(delivered) == printed
    assert Counter(delivered)[delivered[0]] == 3  # the first alert: two refusals, then delivered
    assert all(r["headers"]["Authorization"] == "Bearer s3cret" for r in receiver.requests)
    assert all(r["body"]["alert"]["event"]["kind"] == "signal" for r in receiver.requests)


def test_undelivered_webhook_is_retried_by_the_next_run(detect: object, receiver: Receiver) -> None:
    """A webhook that refuses (400) fails the run; the next run delivers, and prints nothing twice."""
    receiver.statuses = [400]
    status, first = detect("--webhook", receiver.url)
    assert status == 1
    status, second = detect("--webhook", receiver.url)
    assert status == 0 and second == ""
    assert {r["body"]["alert_id"] for r in receiver.requests[1:]} == {r["alert_id"] for r in lines(first)}


def test_failing_rule_query_does_not_stop_the_others(plain_samples: Shipped, alerts_ns: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A rule whose query Elasticsearch refuses is reported by name; the other rules still alert."""
    bad = tmp_path / "regex_too_long.yml"
    bad.write_text((ROOT / "tests/detection/detect/regex_too_long.yml").read_text())
    good = PACK / "cloudtrail" / "root_account_usage.yml"
    status, out = run_cli("detect", "--once", "--rules", str(bad), "--rules", str(good), "--index",
                          plain_samples.index, "--namespace", alerts_ns, "--since", "2h")
    assert status == 1
    assert {r["title"] for r in lines(out)} == {"Root Account API Activity"}
    assert "Regexp Too Long" in capsys.readouterr().err


def test_continuous_mode_runs_each_rule_on_its_interval_and_stops_on_sigterm(
        es_settings: EsSettings, plain_samples: Shipped, pack_files: list, alerts_ns: str, tmp_path: Path) -> None:
    """Without --once each rule runs again every interval; later runs add nothing; SIGTERM ends it cleanly."""
    # Alerts go to a file: an unread stdout pipe fills up and blocks the child. The watchdog bounds the wait.
    with open(tmp_path / "alerts.out", "w") as alerts_out:
        child = spawn(es_settings, "detect", "--index", plain_samples.index, "--namespace", alerts_ns,
                      "--since", "2h", "--interval", "1s", stdout=alerts_out)
        watchdog = threading.Timer(300, child.kill)
        watchdog.start()
        runs: Counter[str] = Counter()
        assert child.stderr is not None
        try:
            for line in child.stderr:
                if line.startswith("{"):
                    runs[orjson.loads(line)["rule_id"]] += 1
                if len(runs) == len(pack_files) and min(runs.values()) >= 3:
                    break
            child.send_signal(signal.SIGTERM)
            child.communicate(timeout=120)
        finally:
            watchdog.cancel()
    assert child.returncode == 0, f"killed by the watchdog after {sum(runs.values())} rule runs"
    out = (tmp_path / "alerts.out").read_text()
    printed = Counter(r["alert_id"] for r in lines(out))
    assert printed and set(printed.values()) == {1}
