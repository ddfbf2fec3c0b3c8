"""`cloudsift report` on the real node: samples of a few rules shipped, a dead letter, `detect --once`, the page.

Headless Chromium (tests/support/browser.py) opens the written page from disk; the tests read back what
it rendered (each chart series, bar and story carries its name and count in data-* attributes) and
compare it with what Elasticsearch holds, counted here without aggregations. One principal is named
like an attack on the page itself: it must show as text. The screenshot is kept as
tests/artifacts/report.png.
"""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import browser
import orjson
import pytest
from browser import Element, Loaded
from detect_samples import PACK, ROOT, alert_docs, run_cli, ship
from elasticsearch import Elasticsearch

from detection import coverage
from detection.pack import RuleFile, Sample, load_pack
from report import stories

ARTIFACTS = ROOT / "tests" / "artifacts"
WINDOW = (1400, 3400)
# Rules whose matching samples are shipped: every source, and several tactics for one principal.
RULES = ("cloudtrail/cloudtrail_logging_disabled", "cloudtrail/console_login_without_mfa",
         "cloudtrail/disc_iam_authorization_details", "route53/dynamic_dns_lookup",
         "vpcflow/admin_port_from_internet", "waf/command_injection", "guardduty/attack_sequence_compromised_credentials")
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>&amp;'
# A GuardDuty object with one line that is not JSON: one dead letter.
BAD_OBJECT = "AWSLogs/123456789012/GuardDuty/us-east-1/2026/11/20/broken.jsonl"


@dataclass(frozen=True)
class Written:
    """What the module's one run produced."""

    namespace: str
    page: Path
    loaded: Loaded
    files: tuple[RuleFile, ...]


def _hostile(sample: Sample, number: int) -> Sample:
    """A CloudTrail sample whose principal is HOSTILE (and whose event id is its own)."""
    records = []
    for i, raw in enumerate(sample.records):
        record = orjson.loads(raw)
        record["userIdentity"] = {**record["userIdentity"], "userName": HOSTILE,
                                  "arn": f"arn:aws:iam::123456789012:user/{HOSTILE}"}
        record["eventID"] = str(uuid.UUID(int=number * 1000 + i))
        records.append(orjson.dumps(record).decode())
    return replace(sample, name=f"{sample.name} (hostile principal)", records=tuple(records))


@pytest.fixture(scope="module")
def written(es: Elasticsearch, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """Ship, dead-letter, detect, report, open in Chromium: once for the module."""
    files = tuple(f for f in load_pack([PACK / f"{stem}.yml" for stem in RULES], [PACK])[0])
    assert len(files) == len(RULES) and not any(f.is_correlation for f in files)
    cases = [(f, n, s) for f in files for n, s in enumerate(f.samples, 1) if s.match]
    # The trail stopped and a console login without MFA (two tactics), by the hostile principal.
    picked = [(f, s) for f in files[:2] for s in f.samples if s.match][:3]
    cases += [(f, 100 + i, _hostile(s, i)) for i, (f, s) in enumerate(picked, 1)]
    namespace = f"r{uuid.uuid4().hex[:10]}"
    root = tmp_path_factory.mktemp("report")
    ship(root, cases, namespace)
    bad = root / "broken" / BAD_OBJECT
    bad.parent.mkdir(parents=True)
    bad.write_text("this is not JSON\n")
    status, _ = run_cli("ship", "--from", str(bad.parents[7]), "--namespace", namespace)
    assert status == 1  # dead-lettered
    rules = [arg for f in files for arg in ("--rules", str(f.path))]
    status, _ = run_cli("detect", "--once", *rules, "--index", f"logs-*.cloudsift-{namespace}",
                        "--namespace", namespace, "--since", "2h")
    assert status == 0
    page = root / "out" / "report.html"
    status, out = run_cli("report", "--out", str(page), "--namespace", namespace)
    assert status == 0 and out.startswith(f"wrote {page}:")
    return Written(namespace, page, browser.load(page, tmp_path_factory.mktemp("chromium")), files)


def _by_id(dom: Element, ident: str) -> Element:
    [found] = [e for e in dom.walk() if e.attrs.get("id") == ident]
    return found


def _series(dom: Element, chart: str) -> dict[str, int]:
    """A chart's series → total, checking that each series' drawn bars add up to it."""
    out = {}
    for group in _by_id(dom, chart).walk():
        if "series" in group.classes:
            drawn = sum(int(r.attrs["data-count"]) for r in group.walk() if r.tag == "rect")
            assert drawn == int(group.attrs["data-total"]), group.attrs
            out[group.attrs["data-series"]] = drawn
    return out


def _bars(dom: Element, chart: str) -> Counter[str]:
    return Counter({g.attrs["data-label"]: int(g.attrs["data-count"]) for g in _by_id(dom, chart).walk()
                    if "bar" in g.classes})


def _alerts(es: Elasticsearch, written: Written) -> list[dict]:
    docs = alert_docs(es, written.namespace)
    assert docs
    return docs


def test_events_chart_has_a_series_per_dataset_with_its_count(es: Elasticsearch, written: Written) -> None:
    """One series per dataset shipped, each as many events as its data stream holds."""
    held = {}
    for dataset in ("aws.cloudtrail", "aws.route53_resolver_logs", "aws.vpcflow", "aws.waf", "aws.guardduty"):
        stream = f"logs-{dataset}.cloudsift-{written.namespace}"
        es.indices.refresh(index=stream)
        held[dataset] = es.count(index=stream)["count"]
    assert all(held.values())
    assert _series(written.loaded.dom, "events-chart") == held


def test_alert_charts_have_a_series_per_rule_and_severity(es: Elasticsearch, written: Written) -> None:
    """Alerts per rule and per severity: the series are the alerts' rules and severities, with their counts."""
    docs = _alerts(es, written)
    dom = written.loaded.dom
    assert _series(dom, "alerts-rule-chart") == Counter(d["rule"]["name"] for d in docs)
    severities = _series(dom, "alerts-severity-chart")
    assert severities == Counter(d["cloudsift"]["alert"]["severity"] for d in docs)
    order = [s for s in ("critical", "high", "medium", "low") if s in severities]
    assert list(severities) == order  # worst first
    figures = {e.attrs["data-figure"]: int(e.attrs["data-value"]) for e in dom.walk() if "data-figure" in e.attrs}
    assert figures["alerts"] == len(docs) and figures["deadletters"] == 1


def _listed(value: object) -> list:
    return value if isinstance(value, list) else [value]


def test_stories_are_the_principals_with_enough_alerts_or_tactics(es: Elasticsearch, written: Written) -> None:
    """Each principal whose alerts make a story (stories.is_story) has one, its alerts in time order."""
    docs = _alerts(es, written)
    by_principal: dict[str, list[dict]] = {}
    for doc in docs:
        if "user" in doc:
            by_principal.setdefault(doc["user"]["name"], []).append(doc)
    expected = {name for name, mine in by_principal.items()
                if stories.is_story(len(mine), len({t for d in mine for t in _listed(d["threat"]["tactic"]["name"])}))}
    assert HOSTILE in expected  # the hostile principal stopped a trail and signed in without MFA
    articles = [e for e in written.loaded.dom.walk() if "story" in e.classes]
    told = {s.all_text(): a for a in articles for s in a.walk()
            if "entity" in s.classes and s.attrs["data-kind"] == "principal"}
    assert set(told) == expected
    for name in expected:
        article, mine = told[name], by_principal[name]
        assert int(article.attrs["data-alerts"]) == len(mine)
        rows = [r.attrs["data-alert-id"] for r in article.walk() if "alert" in r.classes]
        assert rows == [d["_id"] for d in sorted(mine, key=lambda d: (d["cloudsift"]["alert"]["original_time"],
                                                                        d["_id"]))]
        tactics = {t for d in mine for t in _listed(d["threat"]["tactic"]["name"])}
        assert set(article.attrs["data-tactics"].split("|")) == tactics
        points = [c for c in article.walk() if c.tag == "circle"]
        assert len(points) == sum(len(_listed(d["threat"]["tactic"]["name"])) for d in mine)
        assert {p.attrs["data-lane"] for p in points} == tactics


def test_top_principals_and_source_ips(es: Elasticsearch, written: Written) -> None:
    """The bars are the alerts' principals and source IPs, with their alert counts."""
    docs = _alerts(es, written)
    principals = Counter(d["user"]["name"] for d in docs if "user" in d)
    ips = Counter(d["source"]["ip"] for d in docs if "ip" in d.get("source", {}))
    assert len(principals) <= 10 and len(ips) <= 10  # all shown: no tie at a cut-off
    assert _bars(written.loaded.dom, "principals-chart") == principals
    assert _bars(written.loaded.dom, "source-ips-chart") == ips


def test_dead_letters_by_reason(written: Written) -> None:
    """The broken GuardDuty line is one dead letter of the normalize stage, quoted with its reason."""
    rows = [e for e in written.loaded.dom.walk() if "reason" in e.classes]
    assert [(r.attrs["data-label"], r.attrs["data-count"]) for r in rows] == [("normalize · guardduty", "1")]
    assert rows[0].children[2].all_text()  # the example reason
    assert _bars(written.loaded.dom, "deadletters-chart") == {"normalize · guardduty": 1}


def test_coverage_per_tactic_with_alerts(es: Elasticsearch, written: Written) -> None:
    """A row per tactic of the IaaS matrix: the pack's covered techniques and this range's alerts under it."""
    docs = _alerts(es, written)
    pack = coverage.build(load_pack([PACK])[0])
    rows = {e.attrs["data-tactic"]: e for e in written.loaded.dom.walk() if e.tag == "tr" and "tactic" in e.classes}
    assert list(rows) == [c.tactic.shortname for c in pack.matrix]
    per_tactic = Counter(t for d in docs for t in _listed(d["threat"]["tactic"]["name"]))
    for column in pack.matrix:
        row = rows[column.tactic.shortname]
        assert (int(row.attrs["data-covered"]), int(row.attrs["data-techniques"])) == (column.covered, len(column.cells))
        assert int(row.attrs["data-alerts"]) == per_tactic.get(column.tactic.name, 0)
    summary = _by_id(written.loaded.dom, "coverage-summary")
    assert int(summary.attrs["data-rules"]) == len(list(PACK.rglob("*.yml")))


def test_hostile_values_are_text(written: Written) -> None:
    """The principal named like markup shows as that text; the page has no script, image or handler."""
    raw = written.page.read_text()
    assert "<script" not in raw and "<img" not in raw
    dom = written.loaded.dom
    assert not [e for e in dom.walk() if e.tag in ("script", "img", "iframe", "object", "embed", "link")]
    assert not [e for e in dom.walk() for name in e.attrs if name.startswith("on")]
    assert [e.tag for e in dom.walk() if e.text == HOSTILE] == ["span"]  # the story's entity
    [bar] = [g for g in _by_id(dom, "principals-chart").walk() if g.attrs.get("data-label") == HOSTILE]
    assert bar.children[0].tag == "title" and bar.children[0].text.startswith(f"{HOSTILE}: ")


def test_page_requests_nothing(written: Written) -> None:
    """Opening the page makes no network request; its policy forbids scripts and loads."""
    assert written.loaded.requests == ()
    [policy] = [e for e in written.loaded.dom.walk() if e.attrs.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in policy.attrs["content"] and "script-src" not in policy.attrs["content"]


def test_request_check_sees_a_request(tmp_path: Path) -> None:
    """The request check is not vacuous: a page with an image from the network is seen asking for it."""
    page = tmp_path / "page.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png"></body></html>')
    assert browser.load(page, tmp_path).requests == ("http://127.0.0.1:9/x.png",)


def test_screenshot_is_taken_and_kept(written: Written, tmp_path: Path) -> None:
    """Chromium paints the page to a PNG of the window's size, kept as tests/artifacts/report.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    assert browser.screenshot(written.page, shot, WINDOW, tmp_path) == WINDOW
    assert shot.stat().st_size > 60_000  # painted charts, not a blank page


def test_a_chosen_range_counts_only_what_lies_in_it(es: Elasticsearch, written: Written, tmp_path: Path) -> None:
    """--since/--until: the events and alerts of that range only, by their own time."""
    since, until = "2026-11-20T10:30:00Z", "2026-11-20T12:00:00Z"
    page = tmp_path / "range.html"
    status, _ = run_cli("report", "--out", str(page), "--namespace", written.namespace, "--since", since,
                        "--until", until)
    assert status == 0
    dom = browser.parse(page.read_text())
    in_range = {"range": {"@timestamp": {"gte": since, "lte": until}}}
    events = es.count(index=f"logs-*.cloudsift-{written.namespace}", query=in_range)["count"]
    alerts = [d for d in _alerts(es, written) if since <= d["cloudsift"]["alert"]["original_time"] <= until]
    assert 0 < events < es.count(index=f"logs-*.cloudsift-{written.namespace}")["count"]
    assert sum(_series(dom, "events-chart").values()) == events
    assert _series(dom, "alerts-rule-chart") == Counter(d["rule"]["name"] for d in alerts)
    assert _by_id(dom, "scope").attrs["data-start"] == "2026-11-20 10:30"


def test_an_empty_namespace_gives_an_empty_report(tmp_path: Path) -> None:
    """A namespace with nothing in it: the page is written, every figure is 0, the charts say so."""
    page = tmp_path / "empty.html"
    status, out = run_cli("report", "--out", str(page), "--namespace", f"e{uuid.uuid4().hex[:10]}")
    assert status == 0 and "0 events, 0 alerts, 0 attack stories, 0 dead letters" in out
    dom = browser.parse(page.read_text())
    assert {e.attrs["data-value"] for e in dom.walk() if "data-figure" in e.attrs} == {"0"}
    assert "nothing in this range" in _by_id(dom, "events-chart").all_text()


@pytest.mark.parametrize(("argv", "message"), [
    (["--since", "1h", "--until", "2h"], "before it starts"),
    (["--namespace", "Not-A-Namespace"], "must be 1-80 characters"),
    (["--since", "yesterday"], "neither an ISO 8601 time nor a duration"),
])
def test_bad_options_are_one_line_errors(es: Elasticsearch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         argv: list[str], message: str) -> None:
    """A range that ends before it starts, a bad namespace or time: exit 2, one line naming the problem."""
    status, _ = run_cli("report", "--out", str(tmp_path / "x.html"), *argv)
    err = capsys.readouterr().err
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.html").exists()
