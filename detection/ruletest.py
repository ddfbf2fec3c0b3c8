"""Rule tests, Panther-style: normalize each rule's raw samples, index them once, run every query.

All samples of a run go into one throwaway index (created with the production mappings) in one
bulk request; every rule's query (narrowed to its own samples by _id) goes out in msearch batches.
"""
from __future__ import annotations

import io
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from elasticsearch import Elasticsearch

from detection import fields
from detection.compiler import Compiled, LuceneCompiler
from detection.errors import RuleError
from detection.pack import RuleFile, Sample
from normalizer.applog.spec import DEFAULT_DATASET, ecs_json
from normalizer.mapping import index_settings, mappings
from normalizer.records import Normalized
from normalizer.registry import LogType, applog_type
from normalizer.stream import normalize_stream

INDEX_PREFIX = "cloudsift-ruletest-"
MSEARCH_BATCH = 200
# The full field map outgrows Elasticsearch's default 1000-field limit.
INDEX_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0, **index_settings()}


@dataclass(frozen=True, slots=True)
class SampleResult:
    """What one sample was expected to do and what it did."""

    name: str
    expected: bool
    matched: bool
    records: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether the sample behaved as its `match:` says."""
        return self.expected == self.matched


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One rule file's test outcome; `error` is set when it could not be run at all."""

    path: str
    query: str = ""
    samples: tuple[SampleResult, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the rule ran and every sample behaved."""
        return self.error is None and all(s.ok for s in self.samples)

    def to_json(self) -> dict:
        """The result for `--json`."""
        return {
            "rule": self.path, "ok": self.ok, "query": self.query, "error": self.error,
            "samples": [{"name": s.name, "expected": s.expected, "matched": s.matched, "ok": s.ok}
                        for s in self.samples],
        }


@dataclass
class _Case:
    """A rule under test with the documents its samples became."""

    compiled: Compiled
    docs: list[list[str]] = field(default_factory=list)  # per sample: its document _ids
    error: str | None = None


def raw_object(sample: Sample) -> bytes:
    """The sample as the object AWS would have written to S3."""
    if sample.service == "cloudtrail":
        return ('{"Records":[' + ",".join(sample.records) + "]}").encode()
    lines = ([sample.header] if sample.header else []) + list(sample.records)
    return ("\n".join(lines) + "\n").encode()


def _kind(sample: Sample) -> str | LogType:
    """The sample's log type. Application-log samples are ECS JSON records (the names rules use), read
    into the rule's app dataset: an app's own field map is the shipper config's, tested there."""
    if sample.service == fields.APPLOG:
        return applog_type(ecs_json(sample.product or DEFAULT_DATASET))
    return sample.service


def _normalize(sample: Sample, source: str) -> Iterator[dict]:
    for result in normalize_stream(io.BytesIO(raw_object(sample)), _kind(sample), source):
        if not isinstance(result, Normalized):
            raise RuleError(f"sample {sample.name!r} does not normalize: {result}")
        yield result.doc


def run(es: Elasticsearch, files: Iterable[RuleFile]) -> list[RuleResult]:
    """Test every rule file on `es`; the throwaway index is deleted afterwards."""
    compiler = LuceneCompiler()
    cases: list[_Case | RuleResult] = []
    actions: list[dict] = []
    for r, file in enumerate(files):
        try:
            case = _Case(compiler.file(file))
            for s, sample in enumerate(file.samples):
                ids = []
                for d, doc in enumerate(_normalize(sample, f"{file.path}#{s + 1}")):
                    ids.append(f"{r}-{s}-{d}")
                    actions.extend(({"create": {"_id": ids[-1]}}, doc))
                if not ids:
                    raise RuleError(f"sample {sample.name!r} normalizes to no document at all")
                case.docs.append(ids)
        except RuleError as exc:
            cases.append(RuleResult(str(file.path), error=exc.message))
            continue
        cases.append(case)
    index = INDEX_PREFIX + uuid.uuid4().hex[:12]
    es.indices.create(index=index, mappings=mappings(), settings=INDEX_SETTINGS)
    try:
        rejected = _bulk(es, index, actions)
        live = [c for c in cases if isinstance(c, _Case) and not _rejected(c, rejected)]
        responses = _search(es, index, live)
    finally:
        es.options(ignore_status=404).indices.delete(index=index)
    return [_result(c, rejected, responses) for c in cases]


def _result(case: _Case | RuleResult, rejected: dict[str, str], responses: dict[int, list[dict]]) -> RuleResult:
    if isinstance(case, RuleResult):
        return case
    reason = _rejected(case, rejected)
    if reason:
        return RuleResult(str(case.compiled.file.path), case.compiled.lucene, error=reason)
    return _judge(case, responses.get(id(case), []))


def _rejected(case: _Case, rejected: dict[str, str]) -> str | None:
    """Why Elasticsearch refused one of the case's documents, naming the sample; None if it took them all."""
    for sample, ids in zip(case.compiled.file.samples, case.docs, strict=True):
        for doc_id in ids:
            if doc_id in rejected:
                return f"sample {sample.name!r} was rejected by Elasticsearch: {rejected[doc_id]}"
    return None


def _bulk(es: Elasticsearch, index: str, actions: list[dict]) -> dict[str, str]:
    """Index every sample document in one request; the refused ones by _id, with the reason."""
    if not actions:
        return {}
    response = es.bulk(index=index, operations=actions, refresh=True)
    if not response["errors"]:
        return {}
    return {
        item["create"]["_id"]: str(item["create"]["error"].get("reason"))
        for item in response["items"] if item["create"].get("error")
    }


def _requests(case: _Case) -> Iterator[dict]:
    """One search per plain rule (its samples' ids), one per correlation sample (its own events)."""
    corr = case.compiled.correlation
    if corr is None:
        ids = [i for doc_ids in case.docs for i in doc_ids]
        body = case.compiled.dsl()
        body["query"]["bool"]["filter"].append({"ids": {"values": ids}})
        yield {**body, "size": len(ids), "_source": False}
    else:
        for doc_ids in case.docs:
            yield corr.search_body({"ids": {"values": doc_ids}})


def _search(es: Elasticsearch, index: str, cases: list[_Case]) -> dict[int, list[dict]]:
    """Every case's search responses (keyed by the case's id()), sent in msearch batches."""
    plan = [(case, body) for case in cases for body in _requests(case)]
    responses: list[dict] = []
    for start in range(0, len(plan), MSEARCH_BATCH):
        searches: list[dict] = []
        for _, body in plan[start : start + MSEARCH_BATCH]:
            searches.extend(({"index": index}, body))
        responses.extend(es.msearch(searches=searches)["responses"])
    by_case: dict[int, list[dict]] = {}
    for (case, _), response in zip(plan, responses, strict=True):
        by_case.setdefault(id(case), []).append(response)
    return by_case


def _judge(case: _Case, responses: list[dict]) -> RuleResult:
    file, compiled = case.compiled.file, case.compiled
    query = compiled.lucene
    errors = [r["error"] for r in responses if "error" in r]
    if errors:
        reason = errors[0].get("root_cause", [{}])[0].get("reason") or errors[0].get("reason")
        return RuleResult(str(file.path), query, error=f"Elasticsearch rejected the query: {reason}")
    if compiled.correlation is None:
        hits = {h["_id"] for h in responses[0]["hits"]["hits"]} if responses else set()
        matched = [any(i in hits for i in ids) for ids in case.docs]
    else:
        matched = [bool(compiled.correlation.evaluate(r)) for r in responses]
    samples = tuple(
        SampleResult(s.name, s.match, m, s.records) for s, m in zip(file.samples, matched, strict=True)
    )
    return RuleResult(str(file.path), query, samples)


def report(results: list[RuleResult]) -> str:
    """Human-readable failures (rule file, compiled query, misbehaving sample) and a summary line."""
    lines: list[str] = []
    for result in results:
        if result.ok:
            continue
        lines.append(f"FAIL {result.path}")
        if result.query:
            lines.append(f"  query: {result.query}")
        if result.error:
            lines.append(f"  error: {result.error}")
        for s in result.samples:
            if not s.ok:
                want = "match" if s.expected else "no match"
                lines.append(f"  sample {s.name!r}: expected {want}, got {'match' if s.matched else 'no match'}")
                lines.extend(f"    {record}" for record in s.records)
    passed = sum(r.ok for r in results)
    samples = sum(len(r.samples) for r in results)
    lines.append(f"{passed}/{len(results)} rules passed ({samples} samples)")
    return "\n".join(lines)
