"""Routing: the key picks the log type by AWS's delivery layouts; unknown keys are never guessed."""
from __future__ import annotations

import pytest

from normalizer.registry import LOG_TYPES
from shipper.config import load
from shipper.routing import LAYOUTS, SKIP, Override, Router, applog_route

ACCT = "AWSLogs/123456789012"
CASES = [
    (f"{ACCT}/CloudTrail/us-east-1/2026/11/20/123456789012_CloudTrail_us-east-1_20261120T0005Z_abc.json.gz", "cloudtrail"),
    ("trails/AWSLogs/o-abcdefghij/123456789012/CloudTrail/eu-west-1/2026/11/20/x.json.gz", "cloudtrail"),
    (f"{ACCT}/CloudTrail-Insight/us-east-1/2026/11/20/x.json.gz", "cloudtrail"),
    (f"{ACCT}/CloudTrail-Digest/us-east-1/2026/11/20/x.json.gz", SKIP),
    (f"{ACCT}/vpcflowlogs/us-east-1/2026/11/20/123456789012_vpcflowlogs_us-east-1_fl-1_x.log.gz", "vpcflow"),
    (f"{ACCT}/vpcdnsquerylogs/vpc-0a1b2c3d/2026/11/20/vpc-0a1b2c3d_vpcdnsquerylogs_x.log.gz", "route53"),
    (f"{ACCT}/WAFLogs/us-east-1/shop-web-acl/2026/11/20/00/05/x.log.gz", "waf"),
    (f"{ACCT}/WAFLogs/cloudfront/edge-acl/2026/11/20/00/05/x.log.gz", "waf"),
    ("aws-waf-logs-shop/2026/11/20/00/aws-waf-logs-shop-1-2026-11-20-00-05-00-abc", "waf"),
    (f"{ACCT}/GuardDuty/us-east-1/2026/11/20/5f8a.jsonl.gz", "guardduty"),
    ("2026-11-20-00-05-12-1A2B3C4D5E6F7A8B", "s3access"),
    ("logs/2026-11-20-00-05-12-1A2B3C4D5E6F7A8B", "s3access"),
    ("access-2026-11-20-00-05-12-1A2B3C4D5E6F7A8B", "s3access"),
    ("logs/123456789012/us-east-1/shop-data/2026/11/20/2026-11-20-00-05-12-1A2B3C4D5E6F7A8B", "s3access"),
]


@pytest.mark.parametrize(("key", "expected"), CASES)
def test_aws_layout_picks_log_type(key: str, expected: str) -> None:
    """Each AWS delivery layout routes to its log type (digests are skipped)."""
    assert Router().route("logs", key).log_type == expected


def test_every_layout_names_a_registered_log_type() -> None:
    """The layout table only routes to log types the normalizer knows (or SKIP)."""
    assert {layout.log_type for layout in LAYOUTS} <= {*LOG_TYPES, SKIP}


@pytest.mark.parametrize("key", ["random/file.gz", f"{ACCT}/CloudTrail/us-east-1/not-a-date/x.gz",
                                 f"{ACCT}/S3AccessLogs/2026/11/20/x", "logs/2026-11-20-00-05-12-short",
                                 "logs/2026-11-20-00-05-12-1A2B3C4D5E6F7A8B.gz"])
def test_unknown_key_is_not_guessed(key: str) -> None:
    """A key matching no layout routes nowhere and says why."""
    route = Router().route("logs", key)
    assert route.log_type is None and not route.known and "no AWS delivery layout" in route.rule


def test_override_wins_over_layout_longest_prefix_first() -> None:
    """Config overrides beat the layouts, the longest matching prefix first, bucket-specific first."""
    router = Router((Override("custom/", "waf"), Override("custom/dns/", "route53"),
                     Override("custom/dns/", "skip", bucket="other")))
    assert router.route("logs", "custom/dns/2026/x.gz").log_type == "route53"
    assert router.route("logs", "custom/waf/x.gz").log_type == "waf"
    assert router.route("other", "custom/dns/x.gz").log_type == SKIP


def test_waf_bucket_name_routes_unknown_keys() -> None:
    """WAF's direct delivery bucket (aws-waf-logs-*) holds WAF logs whatever the key."""
    assert Router().route("aws-waf-logs-shop", "some/key.gz").log_type == "waf"


def test_an_applog_source_routes_its_prefix_to_its_app() -> None:
    """Firehose has no fixed layout: a bucket listing's prefix is the app's; other keys route as before."""
    settings = load(None, {"sources": [{"url": "s3://app-logs/firehose/shop/", "applog": {"dataset": "shop"}}]})
    router = Router(settings.overrides(settings.sources[0]))
    key = "firehose/shop/2026/12/03/09/shop-logs-1-2026-12-03-09-00-00-0b8e7d6c-5a4f-3e2d-9c1b-8a7f6e5d4c3b.gz"
    assert router.route("app-logs", key).log_type == applog_route("shop")
    trail = f"{ACCT}/CloudTrail/us-east-1/2026/11/20/{ACCT}_CloudTrail_us-east-1_20261120T0000Z_a.json.gz"
    assert router.route("app-logs", trail).log_type == "cloudtrail"
    assert router.route("other-bucket", key).log_type is None


def test_an_applog_queue_routes_every_object_to_its_app() -> None:
    """A queue (or a directory) with an `applog:` section delivers only that app's objects."""
    settings = load(None, {"sources": [{"url": "sqs://https://sqs.us-east-1.amazonaws.com/123456789012/shop-logs",
                                        "applog": {"dataset": "shop"}}]})
    assert Router(settings.overrides(settings.sources[0])).route("any", "any/key.gz").log_type == applog_route("shop")
