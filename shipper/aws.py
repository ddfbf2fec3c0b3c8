"""AWS sessions for a source: boto3's own credential chain, optionally a role assumed in another account."""
from __future__ import annotations

import os

import boto3
import botocore.session
from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials
from botocore.exceptions import ProfileNotFound

from shipper.config import SourceConfig
from shipper.errors import ShipperError


def session(src: SourceConfig) -> boto3.Session:
    """boto3's own chain (profile by name), then the source's role assumed with refreshing credentials.

    No credentials at all is a clear error before any work, not an AccessDenied per object.
    """
    try:
        base = boto3.Session(profile_name=src.profile, region_name=src.region)
    except ProfileNotFound:
        raise ShipperError(f"AWS profile {src.profile!r} is not in the AWS config files", where=src.url) from None
    credentials = base.get_credentials()
    if credentials is None:
        raise ShipperError("no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                           "give `profile:` in the config, or run where an instance or task role is available",
                           where=src.url)
    if not src.role_arn:
        return base
    extra = {"RoleSessionName": "cloudsift-ship"}
    if src.external_id_env:
        extra["ExternalId"] = os.environ.get(src.external_id_env, "")
    fetcher = AssumeRoleCredentialFetcher(base._session.create_client, credentials, src.role_arn, extra_args=extra)
    core = botocore.session.Session()
    core._credentials = DeferredRefreshableCredentials(refresh_using=fetcher.fetch_credentials, method="assume-role")
    return boto3.Session(botocore_session=core, region_name=src.region or base.region_name)
