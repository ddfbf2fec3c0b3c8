"""Kibana detection rules (the detection engine's import NDJSON) from compiled Sigma rules.

Plain rules are `query` rules (Lucene), or `new_terms` rules when they carry cloudsift's new-terms
extension (newterms.py). A rule's `note:` is the Kibana rule's investigation guide. An event_count or value_count with `gte`/`gt` is a `threshold`
rule, within the limits of Kibana's threshold schema (a count of at least 1, at most 5 group-by
fields, a distinct-count field that is not one of them). Every other correlation is an `esql` rule;
one ES|QL cannot express is refused with the reason. Both measure over the rule's look-back window.
"""
from __future__ import annotations

from collections.abc import Callable

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

from detection import attack, metadata, newterms, streams
from detection.attack_model import Technique
from detection.compiler import Compiled
from detection.correlation import Correlation
from detection.errors import RuleError

INTERVAL_SECONDS = 300
# Look back further than the interval so an event indexed late still lands in some run.
OVERLAP_SECONDS = 60
SEVERITY = {"informational": ("low", 21), "low": ("low", 21), "medium": ("medium", 47),
            "high": ("high", 73), "critical": ("critical", 99)}
# Kibana's threshold rules: `value` >= 1, at most 5 `field`s (its rule schema and validation).
MAX_THRESHOLD_FIELDS = 5
# Kibana thresholds are ">= value": `gt N` is `>= N+1`.
_THRESHOLD_OPS = {"gte": 0, "gt": 1}


def threat(rule: SigmaRule | SigmaCorrelationRule) -> list[dict]:
    """Kibana's threat mapping: each ATT&CK tactic tag with those of the rule's techniques that belong to it."""
    tags = attack.resolve(t.name for t in rule.tags if t.namespace == "attack")
    if tags.problems:
        raise RuleError("; ".join(tags.problems), _where(rule))
    out = []
    for tactic in dict.fromkeys(tags.tactics):  # each tactic once, in tag order
        subs: dict[str, list[Technique]] = {}
        for tech in tags.techniques_of(tactic):
            subs.setdefault(tech.parent, [])
            if tech.id != tech.parent:
                subs[tech.parent].append(tech)
        out.append({
            "framework": "MITRE ATT&CK",
            "tactic": {"id": tactic.id, "name": tactic.name, "reference": _ref("tactics", tactic.id)},
            "technique": [
                {"id": parent, "name": attack.TECHNIQUES[parent].name, "reference": _ref("techniques", parent),
                 "subtechnique": [{"id": s.id, "name": s.name, "reference": _ref("techniques", s.id)}
                                  for s in dict.fromkeys(found)]}
                for parent, found in sorted(subs.items())
            ],
        })
    return out


def _ref(kind: str, ident: str) -> str:
    return f"https://attack.mitre.org/{kind}/{ident.replace('.', '/')}/"


def _where(rule: SigmaRule | SigmaCorrelationRule) -> str | None:
    return str(rule.source.path) if rule.source and rule.source.path else None


def rule(compiled: Compiled, esql: Callable[[], str]) -> dict:
    """One detection rule object; `esql` compiles the rule to ES|QL when no other rule type fits."""
    sigma = compiled.file.rule
    level = sigma.level.name.lower() if sigma.level else "medium"
    severity, risk = SEVERITY[level]
    lookback = INTERVAL_SECONDS
    corr = compiled.correlation
    if corr is None:
        service, product = compiled.file.rule.logsource.service, compiled.file.rule.logsource.product
        body: dict = {"type": "query", "language": "lucene", "query": compiled.lucene}
        new_terms = newterms.of(sigma)
        if new_terms is not None:
            body.update(type="new_terms", new_terms_fields=list(new_terms.ecs_fields),
                        history_window_start=new_terms.history_window_start)
    else:
        service, product = corr.service, corr.product
        lookback = max(lookback, corr.timespan)
        threshold = _threshold(corr)
        if threshold is None:
            # ES|QL rules name their indices in FROM; the schema has no `index` for them.
            body = {"type": "esql", "language": "esql", "query": _esql(esql, compiled)}
        else:
            body = {"type": "threshold", "language": "lucene", "query": compiled.lucene, "threshold": threshold}
    if body["type"] != "esql":
        body["index"] = list(streams.index_patterns(service, product=product))
    return {
        "rule_id": str(sigma.id),
        "name": sigma.title,
        "description": (sigma.description or sigma.title).strip(),
        "severity": severity,
        "risk_score": risk,
        "threat": threat(sigma),
        "references": list(sigma.references or []),
        "false_positives": [str(f) for f in sigma.falsepositives or []],
        "author": [sigma.author] if sigma.author else [],
        **({"note": guide} if (guide := metadata.note(sigma)) else {}),
        "tags": [f"{t.namespace}.{t.name}" for t in sigma.tags] + ["cloudsift"],
        "interval": f"{INTERVAL_SECONDS // 60}m",
        "from": f"now-{lookback + OVERLAP_SECONDS}s",
        "to": "now",
        "enabled": True,
        "version": 1,
        "max_signals": 100,
        **body,
    }


def _esql(esql: Callable[[], str], compiled: Compiled) -> str:
    try:
        return esql()
    except RuleError as exc:
        raise RuleError(f"Kibana can run this correlation only as an ES|QL rule, and {exc.message}",
                        exc.path or str(compiled.file.path)) from None


def _threshold(corr: Correlation) -> dict | None:
    """Kibana's `threshold` object for a correlation it can express, else None."""
    if corr.kind not in ("event_count", "value_count") or corr.op not in _THRESHOLD_OPS:
        return None
    if len(corr.group_by) > MAX_THRESHOLD_FIELDS:
        return None
    count = corr.count + _THRESHOLD_OPS[corr.op]
    if corr.kind == "event_count":
        # Groups exist only with events in them: `>= 0` holds for every group, as `>= 1` does.
        return {"field": list(corr.group_by), "value": max(count, 1)}
    if corr.field in corr.group_by:  # Kibana refuses it: the distinct count of a group-by field is always 1
        return None
    return {"field": list(corr.group_by), "value": 1, "cardinality": [{"field": corr.field, "value": count}]}
