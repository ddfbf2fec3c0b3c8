"""`cloudsift deploy es|kibana|aws`: put what cloudsift needs into a cluster, Kibana or the logging account, idempotently."""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cloudsift.errors import CloudsiftError

if TYPE_CHECKING:  # the libraries are imported when a command runs: `cloudsift --help` must start fast
    from deploy.changes import Change

EXIT_STATUS = """exit status:
  0  done, or nothing to do ("no changes"); with --dry-run: the diff was printed
  1  deploy kibana: some rules were refused (each is named)
  2  usage or environment: a bad option, an unreachable or refusing cluster or Kibana"""
ROLES_PATHS = """roles go one of two ways:
  security API   PUT /_security/role/<name> (and POST /_security/api_key): a full cluster,
                 whenever --es or ELASTICSEARCH_URL names it
  file realm     roles.yml, users, users_roles in the node's config directory: the local node
                 (`cloudsift es start`, which has no role API) when no URL is given, or the
                 directory named by --file-realm; the node reloads them within seconds"""
LIFECYCLE = """lifecycle and storage (docs/deploy.md, "Lifecycle and storage"):
  with ILM       policy cloudsift-<namespace> (rollover at 50gb per primary shard or the
                 rollover age, delete --retention-days after rollover) and the component
                 templates cloudsift-<namespace>@lifecycle and @storage
  without ILM    (the local node) @storage only: index sort, and logsdb from 8.17"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the `deploy` subcommand group."""
    p = sub.add_parser("deploy", help="install cloudsift into an AWS account, Elasticsearch and Kibana",
                       description="Put what cloudsift needs into a cluster or Kibana. Every action is "
                       "idempotent: a second run changes nothing and says \"no changes\".",
                       epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    e = actions.add_parser("es", help="templates, state indices, least-privilege roles, API keys",
                           description="Install or update the templates of every data stream (data, "
                           "dead letters, alerts; with --config, the applications' too), the shipper's and the "
                           "detector's state indices, and the roles of the shipper, the detector and the "
                           "analyst; on a cluster with ILM, the retention of every stream.",
                           epilog=f"{ROLES_PATHS}\n\n{LIFECYCLE}\n\n{EXIT_STATUS}",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("--es", metavar="URL",
                   help="Elasticsearch URL (default: ELASTICSEARCH_URL, else the local node)")
    e.add_argument("--config", type=Path, metavar="FILE",
                   help="the `cloudsift ship` config file: the applications its sources declare (sources[].applog) "
                        "get their streams' templates too, as `ship` would install them; its namespace and "
                        "state_index are the defaults of --namespace and --state-index")
    e.add_argument("--namespace", help="data stream namespace (default: the config's, else default)")
    e.add_argument("--state-index", help="the shipper's checkpoint index (default: the config's, else cloudsift-state)")
    e.add_argument("--detector-state-index", help="the detector's state index (default: cloudsift-detector-state)")
    # Defaults and limits live in deploy/lifecycle.py (imported when the command runs, not for --help).
    e.add_argument("--retention-days", type=int, metavar="N",
                   help="ILM: delete a backing index N days after its rollover (default 90, as CIS asks)")
    e.add_argument("--rollover-days", type=int, metavar="D",
                   help="ILM: roll a stream over at this age at the latest: 1 or 7 (default 7; 1 keeps the "
                        "overshoot of the retention small)")
    e.add_argument("--dry-run", action="store_true", help="print the diff, change nothing")
    e.add_argument("--api-keys", action="store_true",
                   help="also create credentials for each user that has none: an API key (security API) or a "
                        "file-realm user with a password; each is printed once, here, and never again")
    e.add_argument("--file-realm", type=Path, metavar="DIR",
                   help="write roles (and users) into the file realm of the node whose config directory is DIR")
    e.set_defaults(run=_es)

    k = actions.add_parser("kibana", help="detection rules and data views into a Kibana space",
                           description="Import the pack's new and changed detection rules (rule_id = Sigma id, "
                           "version from the version lock) and create the data views analysts need: one per "
                           "dataset, one for the alerts. Kibana: --kibana or KIBANA_URL, with KIBANA_API_KEY.",
                           epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    k.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders (default: rules/)")
    k.add_argument("--kibana", metavar="URL", help="Kibana URL (default: KIBANA_URL)")
    k.add_argument("--space", default="default", help="Kibana space id (default: default)")
    k.add_argument("--package", type=Path, metavar="FILE",
                   help="deploy this `rules package` artifact (or its unpacked folder) instead of the checkout")
    k.add_argument("--lock", type=Path, help="version lock of the checkout's rules (default: rules/version.lock.json)")
    k.add_argument("--prune", action="store_true", help="delete rules of ours (tag cloudsift) that left the pack")
    k.add_argument("--dry-run", action="store_true", help="print the diff, change nothing")
    k.set_defaults(run=_kibana)

    a = actions.add_parser("aws", help="SQS + DLQ + EventBridge notifications + shipper role in the logging account",
                           description="What deploy/aws/cloudsift.yaml creates, made with boto3 (AWS credentials from "
                           "boto3's chain). Prints each change, or 'no changes'.")
    a.add_argument("--bucket", required=True, help="the existing log bucket")
    a.add_argument("--prefix", default="AWSLogs/", help="ship objects under this key prefix (default AWSLogs/)")
    a.add_argument("--shipper-account", metavar="ID", help="account allowed to assume the shipper role (default: this)")
    a.add_argument("--external-id-env", metavar="VAR", help="environment variable holding the sts:ExternalId")
    a.add_argument("--kms-key-arn", help="KMS key of an SSE-KMS bucket")
    a.add_argument("--name", default="cloudsift", help="name of the queue; the DLQ, rule and role derive from it")
    a.add_argument("--visibility-timeout", type=int, default=300)
    a.add_argument("--max-receive-count", type=int, default=5)
    a.add_argument("--region", help="region of the bucket and queue (default: boto3's)")
    a.add_argument("--profile", help="AWS profile")
    a.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    a.set_defaults(run=_aws)


def _es(args: argparse.Namespace) -> int:
    from cloudsift import localnode
    from cloudsift.elastic import connect, settings_from_env
    from deploy import es, lifecycle
    from deploy.filerealm import FileRealm
    from deploy.roles import Names
    from deploy.security import SecurityApi
    from shipper.config import load
    from shipper.errors import ShipperError
    from shipper.templates import DETECTOR_STATE_INDEX, SHIPPER_STATE_INDEX, check_namespace

    try:
        ship = None  # the settings of the `cloudsift ship` config, if given: the applications' datasets
        if args.config is not None:
            ship = load(args.config, {"namespace": args.namespace} if args.namespace else {}, sources=False)
        names = Names(check_namespace(ship.namespace if ship else args.namespace or "default"),
                      args.state_index or (ship.state_index if ship else SHIPPER_STATE_INDEX),
                      args.detector_state_index or DETECTOR_STATE_INDEX)
        given = {"retention_days": args.retention_days, "rollover_days": args.rollover_days}
        retention = lifecycle.Lifecycle(**{key: value for key, value in given.items() if value is not None})
    except (ShipperError, ValueError) as exc:
        raise CloudsiftError(str(exc)) from None
    client = connect(settings_from_env(args.es))
    store: es.RoleStore
    if args.file_realm is not None:
        store = FileRealm(_config_dir(args.file_realm))
    elif args.es is None and not os.environ.get("ELASTICSEARCH_URL"):
        store = FileRealm(_config_dir(localnode.default_config().home / "config"))
    else:
        store = SecurityApi(client)
    print(f"deploy es: namespace {names.namespace}, roles through {store.where()}", file=sys.stderr)
    apps = ship.applog_datasets() if ship else ()
    if ship:
        print(f"applications of {args.config}: {', '.join(apps) or 'none'}", file=sys.stderr)
    cluster = es.cluster_info(client)
    for line in lifecycle.summary(cluster, names.namespace, retention):
        print(line, file=sys.stderr)
    changes = es.plan(client, names, store, cluster, retention, credentials=args.api_keys, apps=apps)
    return _report(changes, args.dry_run)


def _config_dir(path: Path) -> Path:
    if not (path / "elasticsearch.yml").is_file():
        raise CloudsiftError(f"{path} is not a node's config directory (no elasticsearch.yml in it)")
    return path


def _report(changes: list[Change], dry_run: bool) -> int:
    """Print the diff; apply it unless `dry_run`; print what the changes said (credentials) once."""
    from deploy.changes import apply

    if not changes:
        print("no changes")
        return 0
    for change in changes:
        print("\n".join(change.describe()))
    if dry_run:
        print(f"dry run: {len(changes)} change(s) not applied")
        return 0
    for line in apply(changes):
        print(line)  # a credential: shown once, here; never logged or stored in clear
    print(f"applied {len(changes)} change(s)")
    return 0


def _pack_rules(args: argparse.Namespace) -> tuple[list[dict], list[str]]:
    """The Kibana rules to deploy, and a note for each rule Kibana cannot run (the detector runs those)."""
    if args.package is not None:
        from detection.package import load_package

        packaged = load_package(args.package)
        return ([r.kibana for r in packaged if r.kibana is not None],
                [f"{r.file}: {r.kibana_error}" for r in packaged if r.kibana is None])
    from cloudsift.cmd_rules import DEFAULT_LOCK, load_rules
    from detection.lock import build, deployable, read_lock

    built = build(load_rules(args.paths)[0])
    notes = [f"{b.file.path}: {b.kibana_error}" for b in built if b.kibana is None]
    return deployable(built, read_lock(args.lock or DEFAULT_LOCK)), notes


def _kibana(args: argparse.Namespace) -> int:
    from deploy import kibana
    from deploy.changes import apply
    from deploy.kibana_api import KibanaApi

    url = args.kibana or os.environ.get("KIBANA_URL")
    if not url:
        raise CloudsiftError("no Kibana configured: pass --kibana URL or set KIBANA_URL (and KIBANA_API_KEY)")
    rules, notes = _pack_rules(args)
    api = KibanaApi(url, os.environ.get("KIBANA_API_KEY", ""), args.space)
    print(f"deploy kibana: {len(rules)} rule(s) into {api.where()}", file=sys.stderr)
    for note in notes:
        print(f"note: not a Kibana rule, `cloudsift detect` runs it: {note}", file=sys.stderr)
    rule_plan = kibana.plan_rules(api, rules, args.prune)
    views = kibana.plan_views(api)
    for kept in rule_plan.kept:
        print(f"note: kept, not in the pack (--prune deletes it): {kept}", file=sys.stderr)
    changes = [*rule_plan.imports, *rule_plan.deletes, *views]
    if not changes or args.dry_run:
        return _report(changes, args.dry_run)
    for change in changes:
        print("\n".join(change.describe()))
    outcome = kibana.apply_rules(api, rule_plan)
    apply(views)
    for rule_id, message in sorted(outcome.refused.items()):
        print(f"cloudsift: error: Kibana refused rule {rule_id}: {message}", file=sys.stderr)
    print(f"imported {outcome.imported} rule(s), deleted {outcome.deleted}, {len(views)} data view change(s)"
          + (f"; {len(outcome.refused)} rule(s) refused" if outcome.refused else ""))
    return 1 if outcome.refused else 0


def _aws(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from cloudsift.errors import CloudsiftError
    from deploy.aws.apply import Deployer, Target

    if args.shipper_account and not re.fullmatch(r"\d{12}", args.shipper_account):
        raise CloudsiftError(f"--shipper-account must be a 12-digit account id, not {args.shipper_account!r}")
    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    region = session.region_name or "us-east-1"
    try:
        account = session.client("sts").get_caller_identity()["Account"]
    except (BotoCoreError, ClientError) as exc:
        raise CloudsiftError(f"cannot tell which AWS account this is: {exc}") from None
    external = os.environ.get(args.external_id_env) if args.external_id_env else None
    target = Target(args.bucket, account, region, args.prefix, args.shipper_account, external, args.kms_key_arn,
                    args.name, args.visibility_timeout, args.max_receive_count)
    try:
        changes = Deployer(session, target, dry_run=args.dry_run).run()
    except (BotoCoreError, ClientError) as exc:
        raise CloudsiftError(f"AWS refused a step of deploy aws: {exc}") from None
    for change in changes:
        print(("would " if args.dry_run else "") + change)
    if not changes:
        print("no changes")
    return 0
