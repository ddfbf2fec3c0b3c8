"""ElastAlert 2's side of bench/detect.py: one cycle of every rule over [START, END), timed per rule.

    /path/to/elastalert-venv/bin/python bench/elastalert_cycle.py CONFIG.yaml START END ES_VERSION

Runs in ElastAlert's own interpreter (its Elasticsearch 7 client conflicts with ours). Creates the
writeback index (told the server version: the integ-test node has no `GET /`), loads the rules of CONFIG's rules_folder, calls `handle_rule_execution` once per
rule and collects the alerts in memory (alerter `elastalert_cycle.Collect`). Prints one JSON line:
per rule name (cloudsift's rule id) the seconds, the alert count, the matched _ids and the groups.
"""
from __future__ import annotations

import importlib
import json
import sys
import time

from elastalert import create_index, util
from elastalert.alerts import Alerter
from elastalert.elastalert import ElastAlerter
from elastalert.util import lookup_es_key, ts_to_dt

MATCHES: list[tuple[str, str | None, str]] = []  # (rule name, matched _id, group)


class Collect(Alerter):
    """Keeps each match (ElastAlert imports this module by name for the `alert:` entry)."""

    def alert(self, matches: list[dict]) -> None:
        key = self.rule.get("query_key")
        for match in matches:
            group = str(lookup_es_key(match, key)) if key else ""
            MATCHES.append((self.rule["name"], match.get("_id"), group))

    def get_info(self) -> dict:
        return {"type": "collect"}


def main() -> None:
    config, start, end, version = sys.argv[1:5]
    # The integ-test node has no `GET /`, where ElastAlert reads the server version: say it here.
    util.get_version_from_cluster_info = create_index.get_version_from_cluster_info = lambda client: version
    runner = ElastAlerter(["--config", config, "--start", start, "--end", end, "--pin_rules"])
    writeback = runner.writeback_es
    create_index.create_index_mappings(es_client=writeback, ea_index=runner.writeback_index)
    since = ts_to_dt(start)  # what ElastAlerter.start() does with --start before its scheduler loop
    collected = importlib.import_module("elastalert_cycle").MATCHES  # the module the alerter lives in
    out: dict[str, dict] = {}
    started = time.monotonic()
    for rule in runner.rules:
        rule["initial_starttime"] = since
        begin = time.monotonic()
        runner.handle_rule_execution(rule)
        runner.send_pending_alerts()
        mine = [m for m in collected if m[0] == rule["name"]]
        out[rule["name"]] = {"seconds": time.monotonic() - begin, "alerts": len(mine),
                             "ids": sorted({m[1] for m in mine if m[1]}), "groups": sorted({m[2] for m in mine})}
    out["_total"] = {"seconds": time.monotonic() - started}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
