"""One detector cycle of the whole pack over a window of N documents, beside ElastAlert 2 on the same data.

    .venv/bin/python bench/detect.py [--docs 1000000] [--namespace benchdetect] [--elastalert-python PY]

Needs a running node (`cloudsift es start`, or ELASTICSEARCH_URL + credentials). The documents are
made once per namespace (and reused while the namespace holds that many): raw AWS records made from
the pack's own samples (positive samples and correlation scenarios a few times each, and as the
background the negative samples that no rule matches, re-timed and re-addressed), normalized by the real normalizer and
bulk-loaded with the shipper's action lines, event times spread over six hours.

Then, in the same run, over the same event-time window (`@timestamp`, so both engines read the same
documents):
  1. cloudsift: `Detector.run_once` into a fresh alerts namespace (every alert is new and written);
  2. ElastAlert 2 (pip install elastalert2 into a venv of its own, give its python): the same rules
     compiled by pySigma's ElastAlert backend with cloudsift's pipeline, one `handle_rule_execution`
     per rule (bench/elastalert_cycle.py), alerts collected in memory;
and prints wall time in total and per rule, the alert counts of both, and whether they agree: the
same matched documents for plain rules, the same groups for correlations.
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import io
import json
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import yaml
from elasticsearch import Elasticsearch

from cloudsift.elastic import connect, settings_from_env
from detection import pipeline
from detection.detect import rules as pack
from detection.detect.engine import Detector
from detection.detect.notify import StdoutNotifier
from detection.detect.settings import Settings
from detection.pack import RuleFile, Sample, load_collection, load_pack
from detection.ruletest import raw_object, run
from normalizer.records import Normalized
from normalizer.stream import normalize_stream
from shipper.sink import action_line
from shipper.templates import data_stream, install, stream_fields

ROOT = Path(__file__).resolve().parents[1]
SPAN = timedelta(hours=6)
OBJECT_RECORDS = 5000
BULK_DOCS = 5000
_PRIVATE = re.compile(r"(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)")
_ARN_USER = re.compile(r"(:user/)[^/]+$")


@dataclass(frozen=True, slots=True)
class Scenario:
    """Records of one source that belong together (one sample), to be replayed at other times."""

    service: str
    records: tuple[object, ...]  # dicts (JSON sources) or dicts of a flow line's fields
    header: str | None
    offsets: tuple[float, ...]  # seconds after the scenario's first record


# --- raw record surgery, per source: time, address, identity --------------------------------------------

def _flow(sample: Sample, line: str) -> dict:
    return dict(zip((sample.header or "").split(), line.split(), strict=True))


def _time(service: str, rec: dict) -> float:
    if service == "cloudtrail":
        return datetime.fromisoformat(rec["eventTime"]).timestamp()
    if service == "waf":
        return rec["timestamp"] / 1000
    if service == "route53":
        return datetime.fromisoformat(rec["query_timestamp"]).timestamp()
    if service == "vpcflow":
        return float(rec["end"])
    return datetime.fromisoformat(rec["updatedAt"]).timestamp()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _retime(service: str, rec: dict, epoch: float) -> None:
    if service == "cloudtrail":
        rec["eventTime"] = _iso(epoch)[:19] + "Z"
    elif service == "waf":
        rec["timestamp"] = int(epoch * 1000)
    elif service == "route53":
        rec["query_timestamp"] = _iso(epoch)
    elif service == "vpcflow":
        rec["start"], rec["end"] = str(int(epoch) - 30), str(int(epoch))
    else:
        for key in ("createdAt", "updatedAt"):
            rec[key] = _iso(epoch)
        rec.get("service", {}).update(eventFirstSeen=_iso(epoch), eventLastSeen=_iso(epoch))


def _address(old: str, n: int) -> str:
    """Address number `n` of the same kind as `old`: private stays private (rules test the ranges)."""
    if _PRIVATE.match(old):
        return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
    return f"{11 + (n >> 24) % 80}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"  # 11-90: no private range


class Addresses:
    """Gives one replay of a scenario addresses (and user ARNs) of its own, keeping which records shared
    one and which did not (a negative sample may be negative because its sources differ)."""

    def __init__(self, replay: int) -> None:
        self._base = replay * 16
        self._seen: dict[str, int] = {}

    def _of(self, old: str) -> int:
        return self._base + self._seen.setdefault(old, len(self._seen) % 16)

    def apply(self, service: str, rec: dict) -> None:
        if service == "cloudtrail":
            if re.fullmatch(r"[\d.]+", str(rec.get("sourceIPAddress", ""))):
                rec["sourceIPAddress"] = _address(rec["sourceIPAddress"], self._of(rec["sourceIPAddress"]))
            arn = rec.get("userIdentity", {}).get("arn")
            if isinstance(arn, str) and _ARN_USER.search(arn):
                rec["userIdentity"]["arn"] = _ARN_USER.sub(rf"\g<1>bench-{self._of(arn)}", arn)
        elif service == "waf":
            rec["httpRequest"]["clientIp"] = _address(rec["httpRequest"]["clientIp"],
                                                      self._of(rec["httpRequest"]["clientIp"]))
        elif service in ("route53", "vpcflow"):
            rec["srcaddr"] = _address(rec["srcaddr"], self._of(rec["srcaddr"]))


def _identify(service: str, rec: dict, serial: int) -> None:
    """A fresh id where the record carries its own (others get theirs from object and offset)."""
    if service == "cloudtrail":
        rec["eventID"] = str(uuid.UUID(int=serial))
    elif service == "waf":
        rec["httpRequest"]["requestId"] = f"bench-{serial}"
    elif service == "guardduty":
        rec["id"] = f"{serial:032x}"


def scenarios(files: list[RuleFile], positive: bool) -> list[Scenario]:
    """Every sample of the pack with `match == positive` as a replayable scenario."""
    out = []
    for file in files:
        for sample in file.samples:
            if sample.match != positive:
                continue
            if sample.header is not None:
                recs = [_flow(sample, line) for line in sample.records]
            else:
                recs = [orjson.loads(r) for r in sample.records]
            times = [_time(sample.service, r) for r in recs]
            order = sorted(range(len(recs)), key=times.__getitem__)
            out.append(Scenario(sample.service, tuple(recs[i] for i in order), sample.header,
                                tuple(times[i] - times[order[0]] for i in order)))
    return out


def quiet_samples(es: Elasticsearch, files: list[RuleFile]) -> list[RuleFile]:
    """The pack with, as its samples, the negative samples that no rule of the pack matches.

    A negative sample of one rule may well be another rule's hit (a console login with MFA is
    still a login); background traffic should raise no alert by itself. `rules test` finds out:
    every rule is tested against every negative sample.
    """
    negatives = tuple(s for f in files for s in f.samples if not s.match)
    results = run(es, [dataclasses.replace(f, samples=negatives) for f in files])
    hit = {i for r in results for i, s in enumerate(r.samples) if s.matched}
    quiet = tuple(s for i, s in enumerate(negatives) if i not in hit)
    return [dataclasses.replace(f, samples=tuple(s for s in f.samples if s.match)) for f in files] + [
        dataclasses.replace(files[0], samples=quiet)]


def records(files: list[RuleFile], total: int, start: float, seed: int) -> Iterator[tuple[Scenario, dict]]:
    """About `total` raw records: each attack scenario ~total/20000 times, quiet negative samples as background."""
    rng = random.Random(seed)
    attacks, background = scenarios(files, True), scenarios(files, False)
    plan = [s for s in attacks for _ in range(max(1, total // 20000))]
    made = sum(len(s.records) for s in plan)
    while made < total:
        plan.append(pick := rng.choice(background))
        made += len(pick.records)
    rng.shuffle(plan)
    serial = 0
    for n, scenario in enumerate(plan):
        base = start + rng.uniform(0, SPAN.total_seconds() - scenario.offsets[-1] - 60)  # no event in the future
        addresses = Addresses(n)
        for rec, offset in zip(scenario.records, scenario.offsets, strict=True):
            serial += 1
            rec = copy.deepcopy(rec)
            _retime(scenario.service, rec, base + offset)
            addresses.apply(scenario.service, rec)
            _identify(scenario.service, rec, serial)
            yield scenario, rec


def objects(files: list[RuleFile], total: int, start: float) -> Iterator[tuple[str, bytes]]:
    """(source, raw object) pairs, as AWS would write them, OBJECT_RECORDS records at most each."""
    pending: dict[tuple[str, str | None], list[str]] = {}
    for scenario, rec in records(files, total, start, seed=20261203):
        key = (scenario.service, scenario.header)
        text = " ".join(rec.values()) if scenario.header else orjson.dumps(rec).decode()
        pending.setdefault(key, []).append(text)
        if len(pending[key]) >= OBJECT_RECORDS:
            yield key[0], _object(key, pending.pop(key))
    for key, texts in pending.items():
        yield key[0], _object(key, texts)


def _object(key: tuple[str, str | None], texts: list[str]) -> bytes:
    return raw_object(Sample("bench", True, key[0], tuple(texts), key[1]))


# --- loading ---------------------------------------------------------------------------------------------

def load(es: Elasticsearch, files: list[RuleFile], namespace: str, total: int, start: float) -> int:
    """Normalize and bulk-load the documents (create with deterministic ids); how many were indexed."""
    install(es, namespace)
    files = quiet_samples(es, files)
    now = orjson.dumps(datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"))
    heads = {}
    body: list[bytes] = []
    indexed = count = 0
    for n, (service, raw) in enumerate(objects(files, total, start)):
        for result in normalize_stream(io.BytesIO(raw), service, f"s3://bench/{service}/{n}"):
            if not isinstance(result, Normalized):
                raise SystemExit(f"a synthetic record did not normalize: {result}")
            stream = data_stream(result.dataset, namespace)
            if stream not in heads:
                heads[stream] = orjson.dumps({"data_stream": stream_fields(result.dataset, namespace)})[:-1] + \
                    b',"event.ingested":' + now + b","
            body.append(action_line(stream, result.doc_id) + b"\n" + heads[stream] + result.body[1:] + b"\n")
            count += 1
            if len(body) >= BULK_DOCS:
                indexed += _bulk(es, body)
                body = []
    if body:
        indexed += _bulk(es, body)
    es.indices.refresh(index=data_stream("*", namespace))
    print(f"loaded {indexed} of {count} documents", file=sys.stderr)
    return indexed


def _bulk(es: Elasticsearch, lines: list[bytes]) -> int:
    response = es.bulk(operations=b"".join(lines), filter_path="items.*.status,errors")
    statuses = [next(iter(i.values()))["status"] for i in response["items"]]
    bad = [s for s in statuses if s not in (201, 409)]
    if bad:
        raise SystemExit(f"bulk refused {len(bad)} documents (status {bad[0]})")
    return statuses.count(201)


def loaded(es: Elasticsearch, namespace: str) -> int:
    found = es.options(ignore_status=404).count(index=data_stream("*", namespace), ignore_unavailable=True,
                                                allow_no_indices=True)
    return int(found.body.get("count", 0))


def window_of(es: Elasticsearch, namespace: str) -> tuple[datetime, datetime]:
    """The event-time range the namespace's documents cover, a minute wider on each side."""
    aggs = es.search(index=data_stream("*", namespace), size=0, aggs={
        "first": {"min": {"field": "@timestamp"}}, "last": {"max": {"field": "@timestamp"}}})["aggregations"]
    first = datetime.fromtimestamp(aggs["first"]["value"] / 1000, UTC)
    last = datetime.fromtimestamp(aggs["last"]["value"] / 1000, UTC)
    return first - timedelta(minutes=1), last + timedelta(minutes=1)


# --- the two engines -------------------------------------------------------------------------------------

def cloudsift_cycle(es: Elasticsearch, namespace: str, since: datetime, until: datetime) -> dict[str, dict]:
    """One cycle of every rule; per rule id: seconds, alert count, matched ids and groups."""
    alerts_ns = f"{namespace}run{uuid.uuid4().hex[:6]}"
    settings = Settings(namespace=alerts_ns, data_namespace=namespace, time_field="@timestamp",
                        state_index=f"{namespace}-detect-state")
    rules, errors = pack.load([ROOT / "rules"], [], namespace, None)
    if errors:
        raise SystemExit(f"the pack does not compile: {errors[0]}")
    install(es, alerts_ns)  # the alerts stream's template, as `cloudsift detect` puts it
    out = io.StringIO()
    detector = Detector(es, settings, rules, [StdoutNotifier(out)], clock=lambda: until)
    detector.prepare()
    started = time.monotonic()
    outcomes = detector.run_once(since)
    total = time.monotonic() - started
    per_rule: dict[str, dict] = {o.rule_id: {"title": o.title, "seconds": o.seconds, "alerts": o.new,
                                              "error": o.error, "ids": set(), "groups": set()} for o in outcomes}
    for line in out.getvalue().splitlines():
        record = orjson.loads(line)
        per_rule[record["rule_id"]]["ids"].update(record["matched_ids"])
    # Correlation groups, from the alert documents (the printed line names events, not groups).
    es.indices.refresh(index=detector.alerts_stream)
    found = es.search(index=detector.alerts_stream, size=10_000, query={"term": {"cloudsift.alert.kind": "correlation"}},
                      source=["rule.id", "cloudsift.alert.group"])
    for hit in found["hits"]["hits"]:
        src = hit["_source"]
        per_rule[src["rule"]["id"]]["groups"].add(_group_text(src["cloudsift"]["alert"].get("group", {})))
    started = time.monotonic()
    again = detector.run_once(since)  # the same window again: every alert a duplicate, nothing printed
    per_rule["_total"] = {"seconds": total, "rerun_seconds": time.monotonic() - started,
                          "rerun_new": sum(o.new for o in again)}
    return per_rule


def _group_text(group: dict, prefix: str = "") -> str:
    flat: list[str] = []
    for key, value in sorted(group.items()):
        if isinstance(value, dict):
            flat.append(_group_text(value, f"{prefix}{key}."))
        else:
            flat.append(str(value))
    return ",".join(flat)


def elastalert_rules(files: list[RuleFile], namespace: str, folder: Path) -> dict[str, str]:
    """ElastAlert rule files of the rules pySigma's ElastAlert backend can express; rule id → file name."""
    from sigma.backends.elasticsearch import ElastalertBackend

    written = {}
    for file in files:
        backend = ElastalertBackend(pipeline.build())
        try:
            text = backend.convert(load_collection(file.path))[-1]
        except Exception as exc:  # noqa: BLE001 - pySigma refuses in many ways; each is one line of the report
            print(f"elastalert: {file.path.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        rule = yaml.safe_load(text)
        service = file.rule.logsource.service if not file.is_correlation else None
        datasets = ",".join(data_stream(d, namespace) for d in _datasets(file, service))
        rule.update(index=datasets, timestamp_field="@timestamp", realert={"minutes": 0},
                    alert=["elastalert_cycle.Collect"], name=str(file.rule.id))
        name = f"{file.path.stem}.yaml"
        (folder / name).write_text(yaml.safe_dump(rule))
        written[str(file.rule.id)] = name
    return written


def _datasets(file: RuleFile, service: str | None) -> tuple[str, ...]:
    from detection import fields

    if service is None:
        services = {r.logsource.service for r in load_collection(file.path).rules if hasattr(r, "logsource")}
        service = services.pop()
    return fields.datasets(service)


def elastalert_cycle(python: str, es_url: str, user: str, password: str, folder: Path, since: datetime,
                     until: datetime, namespace: str, version: str) -> dict[str, dict]:
    """ElastAlert 2's cycle in its own interpreter (bench/elastalert_cycle.py); per rule id as cloudsift's."""
    host, port = es_url.split("//", 1)[1].rsplit(":", 1)
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump({
        "rules_folder": str(folder / "rules"), "run_every": {"minutes": 1}, "buffer_time": {"hours": 7},
        "es_host": host, "es_port": int(port), "es_username": user, "es_password": password,
        "writeback_index": f"{namespace}-elastalert", "alert_time_limit": {"days": 2},
        "old_query_limit": {"days": 7}, "max_query_size": 10000}))
    proc = subprocess.run([python, str(ROOT / "bench" / "elastalert_cycle.py"), str(config), since.isoformat(),
                           until.isoformat(), version], capture_output=True, text=True, cwd=ROOT / "bench", check=False)
    if proc.returncode != 0:
        raise SystemExit(f"elastalert failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.splitlines()[-1])
    for entry in result.values():
        if isinstance(entry, dict) and "ids" in entry:
            entry["ids"], entry["groups"] = set(entry["ids"]), set(entry["groups"])
    return result


# --- report ----------------------------------------------------------------------------------------------

def report(files: list[RuleFile], ours: dict[str, dict], theirs: dict[str, dict] | None) -> None:
    print(f"{'rule':<48} {'cloudsift s':>11} {'alerts':>7} {'elastalert s':>12} {'alerts':>7}  same")
    for file in files:
        rid = str(file.rule.id)
        mine = ours[rid]
        line = f"{file.rule.title[:48]:<48} {mine['seconds']:>11.2f} {mine['alerts']:>7}"
        other = (theirs or {}).get(rid)
        if other is None:
            line += f" {'-':>12} {'-':>7}  (not expressible in ElastAlert)" if theirs is not None else ""
        else:
            same = mine["groups"] == other["groups"] if file.is_correlation else mine["ids"] == other["ids"]
            line += f" {other['seconds']:>12.2f} {other['alerts']:>7}  {'yes' if same else 'NO'}"
        if mine.get("error"):
            line += f"  error: {mine['error']}"
        print(line)
    print(f"{'whole pack, one cycle':<48} {ours['_total']['seconds']:>11.2f} "
          f"{sum(v['alerts'] for k, v in ours.items() if k != '_total'):>7}" + (
              f" {theirs['_total']['seconds']:>12.2f} "
              f"{sum(v['alerts'] for k, v in theirs.items() if k != '_total'):>7}" if theirs else ""))
    print(f"cloudsift rerun over the same window: {ours['_total']['rerun_seconds']:.2f} s, "
          f"{ours['_total']['rerun_new']} new alerts (the first rule's time above includes creating the alerts stream)")
    if theirs:
        shared = [k for k in theirs if k != "_total"]
        print(f"rules both express: {len(shared)}; cloudsift on them: "
              f"{sum(ours[k]['seconds'] for k in shared):.2f} s, ElastAlert 2: "
              f"{sum(theirs[k]['seconds'] for k in shared):.2f} s")


def _version(es: Elasticsearch) -> str:
    return next(iter(es.nodes.info(node_id="_local", metric="_none")["nodes"].values()))["version"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--namespace", default=None, help="default: benchdetect<docs>")
    parser.add_argument("--elastalert-python", default="/var/tmp/ea2-venv/bin/python",
                        help="python of a venv with elastalert2 installed ('' to skip ElastAlert)")
    args = parser.parse_args()
    namespace = args.namespace or f"benchdetect{args.docs}"
    settings = settings_from_env()
    es = connect(settings, request_timeout=600)
    files, _ = load_pack([ROOT / "rules"])
    have = loaded(es, namespace)
    if have < args.docs * 0.99:
        started = time.monotonic()
        load(es, files, namespace, args.docs, time.time() - SPAN.total_seconds() - 600)
        print(f"load: {time.monotonic() - started:.1f} s", file=sys.stderr)
    since, until = window_of(es, namespace)
    print(f"{loaded(es, namespace)} documents in logs-*.cloudsift-{namespace}, events {since:%H:%M}-{until:%H:%M}")
    ours = cloudsift_cycle(es, namespace, since, until)
    theirs = None
    if args.elastalert_python:
        with tempfile.TemporaryDirectory(prefix="cloudsift-bench-ea-") as tmp:
            folder = Path(tmp)
            (folder / "rules").mkdir()
            elastalert_rules(files, namespace, folder / "rules")
            theirs = elastalert_cycle(args.elastalert_python, settings.url, settings.username or "",
                                      settings.password or "", folder, since, until, namespace,
                                      _version(es))
    report(files, ours, theirs)


if __name__ == "__main__":
    main()
