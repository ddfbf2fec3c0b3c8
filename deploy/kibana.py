"""`cloudsift deploy kibana`: the pack's detection rules and the analysts' data views, into one space.

Rules go through the import API (`_import?overwrite=true`, one multipart NDJSON upload) rather than
create/update by rule_id: one request for the whole pack whatever its size, the very file
`rules compile --format kibana-import` writes (what an analyst would import by hand), and Kibana
validates each rule on its own and reports each refusal by rule_id, so one bad rule stops no
other. Only new and changed rules are sent, so a run with nothing to do sends nothing.

A rule is ours when it carries the `cloudsift` tag (every compiled rule does); its rule_id is its
Sigma id. It is current when Kibana holds the same version and content hash (`meta.cloudsift`,
from the version lock): comparing whole rules would differ on the defaults Kibana fills in. An
edit made in Kibana is therefore kept until the pack's version of the rule moves. With --prune,
our rules that left the pack are deleted; without it they are listed and kept.
"""
from __future__ import annotations

from dataclasses import dataclass

from deploy.changes import Change
from deploy.diff import changed
from deploy.kibana_api import KibanaApi
from shipper.templates import alerts_stream, all_datasets, data_stream

TAG = "cloudsift"
TIME_FIELD = "@timestamp"


@dataclass(frozen=True, slots=True)
class RulePlan:
    """What to send: rules to import (new or changed) and rules of ours to delete; `kept` are ours,
    gone from the pack, left because --prune was not given."""

    imports: tuple[Change, ...]
    deletes: tuple[Change, ...]
    kept: tuple[str, ...]
    bodies: tuple[dict, ...]  # the rules to import, in the order of `imports`
    delete_ids: tuple[str, ...]  # Kibana object ids of `deletes`


def _identity(rule: dict) -> tuple[object, object]:
    meta = rule.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    ours = meta.get(TAG)
    ours = ours if isinstance(ours, dict) else {}
    return rule.get("version"), ours.get("sha256")


def plan_rules(api: KibanaApi, rules: list[dict], prune: bool) -> RulePlan:
    """Compare the pack's rules with the space's rules of ours."""
    current = {r["rule_id"]: r for r in api.find_rules(TAG)}
    imports, bodies = [], []
    for rule in rules:
        have = current.get(rule["rule_id"])
        if have is not None and _identity(have) == _identity(rule):
            continue
        lines = tuple(changed(have, rule)) if have is not None else (f"+ version: {rule['version']}",)
        imports.append(Change("kibana rule", f"{rule['rule_id']} ({rule['name']})", have is None, lines))
        bodies.append(rule)
    wanted = {r["rule_id"] for r in rules}
    gone = [r for rule_id, r in sorted(current.items()) if rule_id not in wanted]
    deletes = tuple(Change("kibana rule", f"{r['rule_id']} ({r.get('name', '')})", False, (), verb="delete")
                    for r in gone) if prune else ()
    kept = () if prune else tuple(f"{r['rule_id']} ({r.get('name', '')})" for r in gone)
    return RulePlan(tuple(imports), deletes, kept, tuple(bodies), tuple(r["id"] for r in gone) if prune else ())


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """What Kibana did with the plan: the rules it refused (rule_id → its message)."""

    imported: int
    deleted: int
    refused: dict[str, str]


def apply_rules(api: KibanaApi, plan: RulePlan) -> RuleOutcome:
    """Import the new and changed rules in one request, then delete the pruned ones."""
    refused: dict[str, str] = {}
    imported = 0
    if plan.bodies:
        answer = api.import_rules(list(plan.bodies))
        for error in answer.get("errors", []):
            detail = error.get("error", {})
            refused[str(error.get("rule_id") or error.get("id") or "?")] = (
                f"HTTP {detail.get('status_code', '?')} {detail.get('message', '')}".strip())
        imported = int(answer.get("success_count", 0))
    deleted = 0
    if plan.delete_ids:
        answer = api.delete_rules(list(plan.delete_ids))
        summary = answer.get("attributes", {}).get("summary", {})
        deleted = int(summary.get("succeeded", 0))
        for error in answer.get("attributes", {}).get("errors", []):
            for rule in error.get("rules", []):
                status = error.get("status_code", "?")
                refused[str(rule.get("id"))] = f"delete: HTTP {status} {error.get('message', '')}"
    return RuleOutcome(imported, deleted, refused)


def data_views() -> dict[str, dict]:
    """Data view id → its definition: one per dataset, one for the alerts, across every namespace."""
    views = {f"cloudsift-{dataset}": {"title": data_stream(dataset, "*"), "name": f"cloudsift {dataset}"}
             for dataset in all_datasets()}
    views["cloudsift-alerts"] = {"title": alerts_stream("*"), "name": "cloudsift alerts"}
    return {view_id: {**view, "timeFieldName": TIME_FIELD} for view_id, view in views.items()}


def plan_views(api: KibanaApi) -> list[Change]:
    """A change for each data view the space lacks or holds otherwise."""
    existing = {v["id"] for v in api.data_views()}
    out = []
    for view_id, view in data_views().items():
        if view_id not in existing:
            out.append(Change("data view", f"{view_id} ({view['title']})", True,
                              run=lambda view_id=view_id, view=view: api.create_data_view({"id": view_id,
                                                                                            **view})))
            continue
        lines = changed(api.data_view(view_id), view)
        if lines:
            out.append(Change("data view", f"{view_id} ({view['title']})", False, tuple(lines),
                              run=lambda view_id=view_id, view=view: api.update_data_view(view_id, view)))
    return out
