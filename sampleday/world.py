"""The organization the day happens in: accounts, networks, hosts and people, as plain values.

Identifiers (instance ids, ENIs, access keys) are derived from names by hashing, not drawn from the
random generator, so they stay the same whatever `--scale` changes in the volume.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

# The day: 2026-11-20, 00:00 to 24:00 UTC (detect windows on event.ingested, so a past day is found).
DAY = datetime(2026, 11, 20, tzinfo=UTC)
DAY_START = DAY.timestamp()
HOUR = 3600.0
REGION = "us-east-1"
ORG_ID = "o-k3x9b2m7qa"


def hexid(name: str, length: int) -> str:
    """A stable hexadecimal id of `length` characters for `name`."""
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def upper_id(name: str, length: int) -> str:
    """A stable id in AWS's upper-case alphabet (access key ids, principal ids)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    digest = hashlib.sha256(name.encode()).digest()
    return "".join(alphabet[b % 32] for b in digest[:length])


@dataclass(frozen=True, slots=True)
class Account:
    """One AWS account of the organization."""

    id: str
    name: str
    vpc_id: str | None  # the workload VPC (None: the logging account runs no instances)
    nat_ip: str | None  # the NAT gateway's public address: what AWS sees of private hosts


@dataclass(frozen=True, slots=True)
class Host:
    """An EC2 instance (or another ENI owner) in a workload VPC."""

    name: str
    account: Account
    private_ip: str
    role: str | None  # the instance profile's role
    public_ip: str | None = None

    @property
    def instance_id(self) -> str:
        return "i-0" + hexid(self.name, 16)

    @property
    def eni(self) -> str:
        return "eni-0" + hexid("eni" + self.name, 16)


@dataclass(frozen=True, slots=True)
class Person:
    """A human with an IAM user and an MFA device, working from the office."""

    user: str
    account: Account
    office_ip: str
    browser: str


PROD = Account("123456789012", "shop-prod", "vpc-0a1b2c3d4e5f67890", "54.210.17.41")
STAGING = Account("345678901234", "shop-staging", "vpc-07e6d5c4b3a291807", "34.229.88.5")
LOGGING = Account("210987654321", "log-archive", None, None)
ACCOUNTS = (PROD, STAGING, LOGGING)

CHROME = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")
FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"

PEOPLE = (
    Person("alice.nguyen", PROD, "198.51.100.10", CHROME),
    Person("bob.okafor", PROD, "198.51.100.11", FIREFOX),
    Person("carla.mendes", STAGING, "198.51.100.12", CHROME),
    Person("dev.security", LOGGING, "198.51.100.13", FIREFOX),
)

WEB_HOSTS = tuple(Host(f"shop-web-{n}", PROD, f"10.0.1.{20 + n}", "shop-web-role") for n in range(4))
WORKERS = tuple(Host(f"shop-worker-{n}", PROD, f"10.0.2.{30 + n}", "shop-worker-role") for n in range(2))
DB = Host("shop-db", PROD, "10.0.3.15", None)
ALB_NODES = tuple(Host(f"shop-alb-{n}", PROD, f"10.0.0.{40 + n}", None, public_ip=f"3.221.47.{110 + n}")
                  for n in range(2))
STAGING_HOSTS = tuple(Host(f"staging-app-{n}", STAGING, f"10.20.1.{50 + n}", "staging-app-role")
                      for n in range(2))
# A forgotten CI runner in staging with a public address and SSH open to the world: story 2's victim.
EXPOSED = Host("staging-legacy-runner", STAGING, "10.20.0.77", "staging-runner-role", public_ip="3.91.204.18")

# The trail the org's own logging delivers (organization trail) and each account's old local trail.
ORG_TRAIL = "org-trail"
LOCAL_TRAIL = "account-audit-trail"

# The web application behind the WAF.
SHOP_HOST = "shop.example.com"
WEB_ACL = "shop-web-acl"
ALB_ID = "app/shop-alb/50dc6c495c0c9188"

# Public resolvers' views of common names (stable: answers look the same all day).
PUBLIC_NAMES = {
    "api.stripe.com.": "54.187.174.169",
    "hooks.slack.com.": "34.226.36.50",
    "sentry.io.": "35.186.247.156",
    "registry.npmjs.org.": "104.16.27.34",
    "pypi.org.": "151.101.0.223",
    "files.pythonhosted.org.": "151.101.1.63",
    "github.com.": "140.82.112.3",
    "api.github.com.": "140.82.112.6",
    "ntp.ubuntu.com.": "185.125.190.58",
    "time.aws.com.": "52.94.224.65",
}
AWS_ENDPOINTS = {
    "s3.us-east-1.amazonaws.com.": "52.217.100.6",
    "ssm.us-east-1.amazonaws.com.": "52.46.141.38",
    "ec2messages.us-east-1.amazonaws.com.": "52.46.145.101",
    "ssmmessages.us-east-1.amazonaws.com.": "52.46.147.12",
    "kms.us-east-1.amazonaws.com.": "52.46.136.85",
    "secretsmanager.us-east-1.amazonaws.com.": "52.46.138.200",
    "sts.us-east-1.amazonaws.com.": "52.46.132.11",
    "dynamodb.us-east-1.amazonaws.com.": "3.218.182.53",
    "sqs.us-east-1.amazonaws.com.": "52.46.152.9",
    "logs.us-east-1.amazonaws.com.": "52.46.154.71",
    "monitoring.us-east-1.amazonaws.com.": "52.46.156.30",
    "api.ecr.us-east-1.amazonaws.com.": "52.46.158.14",
}
