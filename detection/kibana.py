"""Kibana detection rules (the detection engine's import NDJSON) from compiled Sigma rules."""
from __future__ import annotations

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

from detection import attack, fields
from detection.compiler import Compiled

# Data streams are logs-<dataset>.cloudsift-<namespace> (shipper/templates.py; the rule tooling
# may not import the shipper): Elastic's own `logs-aws.*` templates never match them.
INDEX_PATTERN = "logs-{dataset}.cloudsift-*"
INTERVAL_SECONDS = 300
# Look back further than the interval so an event indexed late still lands in some run.
OVERLAP_SECONDS = 60
SEVERITY = {"informational": ("low", 21), "low": ("low", 21), "medium": ("medium", 47),
            "high": ("high", 73), "critical": ("critical", 99)}


def threat(rule: SigmaRule | SigmaCorrelationRule) -> list[dict]:
    """Kibana's threat mapping: each ATT&CK tactic tag with the technique tags of the rule."""
    names = [t.name for t in rule.tags if t.namespace == "attack"]
    techniques: dict[str, list[str]] = {}
    for name in names:
        ident = attack.technique(name)
        if ident:
            parent = ident.split(".")[0]
            techniques.setdefault(parent, [])
            if "." in ident:
                techniques[parent].append(ident)
    out = []
    for name in names:
        tactic = attack.tactic(name)
        if tactic is None:
            continue
        out.append({
            "framework": "MITRE ATT&CK",
            "tactic": {"id": tactic[0], "name": tactic[1], "reference": _ref("tactics", tactic[0])},
            "technique": [
                {"id": tech, "name": attack.TECHNIQUES[tech], "reference": _ref("techniques", tech),
                 "subtechnique": [{"id": sub, "name": attack.TECHNIQUES[sub], "reference": _ref("techniques", sub)}
                                  for sub in subs]}
                for tech, subs in sorted(techniques.items()) if tech in attack.TECHNIQUES
            ],
        })
    return out


def _ref(kind: str, ident: str) -> str:
    return f"https://attack.mitre.org/{kind}/{ident.replace('.', '/')}/"


def _service(rule: SigmaRule | SigmaCorrelationRule) -> str:
    if isinstance(rule, SigmaCorrelationRule):
        return next(r.rule.logsource.service for r in rule.rules if isinstance(r.rule, SigmaRule))
    return rule.logsource.service


def rule(compiled: Compiled, esql: str | None = None) -> dict:
    """One detection rule object: query rules, threshold rules for counts, ES|QL for temporal."""
    sigma = compiled.file.rule
    level = sigma.level.name.lower() if sigma.level else "medium"
    severity, risk = SEVERITY[level]
    lookback = INTERVAL_SECONDS
    body: dict = {"type": "query", "language": "lucene", "query": compiled.lucene}
    corr = compiled.correlation
    if corr is not None:
        lookback = max(lookback, corr.timespan)
        body = _correlation_body(compiled, esql)
    return {
        "rule_id": str(sigma.id),
        "name": sigma.title,
        "description": sigma.description or sigma.title,
        "severity": severity,
        "risk_score": risk,
        "threat": threat(sigma),
        "references": list(sigma.references or []),
        "false_positives": [str(f) for f in sigma.falsepositives or []],
        "author": [sigma.author] if sigma.author else [],
        "tags": [f"{t.namespace}.{t.name}" for t in sigma.tags] + ["cloudsift"],
        "index": [INDEX_PATTERN.format(dataset=d) for d in fields.datasets(_service(sigma))],
        "interval": f"{INTERVAL_SECONDS // 60}m",
        "from": f"now-{lookback + OVERLAP_SECONDS}s",
        "to": "now",
        "enabled": True,
        "version": 1,
        "max_signals": 100,
        **body,
    }


def _correlation_body(compiled: Compiled, esql: str | None) -> dict:
    corr = compiled.correlation
    assert corr is not None  # callers pass correlations only
    threshold_ops = {"gte": 0, "gt": 1}  # Kibana thresholds are ">= value": gt N is >= N+1
    if corr.kind in ("event_count", "value_count") and corr.op in threshold_ops:
        count = corr.count + threshold_ops[corr.op]
        threshold: dict = {"field": list(corr.group_by), "value": count}
        if corr.kind == "value_count":
            threshold = {"field": list(corr.group_by), "value": 1,
                         "cardinality": [{"field": corr.field, "value": count}]}
        return {"type": "threshold", "language": "lucene", "query": compiled.lucene, "threshold": threshold}
    return {"type": "esql", "language": "esql", "query": esql}
