"""`cloudsift deploy`: put what cloudsift needs into an account or a cluster."""
from __future__ import annotations

import argparse
import os
import re


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `deploy` and its targets."""
    p = sub.add_parser("deploy", help="install cloudsift's resources in the logging account",
                       description="Idempotent: a second run changes nothing and says so.")
    targets = p.add_subparsers(dest="target", required=True, metavar="TARGET")
    a = targets.add_parser("aws", help="SQS + DLQ + EventBridge notifications + shipper role in the logging account",
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
