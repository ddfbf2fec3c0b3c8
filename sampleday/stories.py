"""The attack stories embedded in the day, and what finding each of them means.

A story is data: its records (per delivery stream, with their times), the indicators that tie an
alert to it (the attacker's addresses, the principal or host it used), and its stages, each the
rules of the pack whose alerts show that stage. A story is found when every stage has an alert
tied to the story; an alert tied to no story is a background alert, which the day must not raise.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from sampleday import records as r
from sampleday.background import Pairs
from sampleday.layout import Stream
from sampleday.records import Call, Flow, Request
from sampleday.world import (
    DAY_START,
    EXPOSED,
    HOUR,
    LOCAL_TRAIL,
    PROD,
    STAGING,
    WEB_ACL,
    hexid,
    upper_id,
)


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of a story and the rules (ids) any of whose alerts shows it."""

    name: str
    rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Story:
    """An attack embedded in the day."""

    name: str
    summary: str
    indicators: tuple[str, ...]  # addresses and principals: an alert naming one belongs to the story
    stages: tuple[Stage, ...]
    look_next: str  # where an analyst goes from the alerts


# --- 1. a leaked access key -----------------------------------------------------------------------

LEAK_IP = "203.0.113.77"
LEAK_USER = "ci-legacy-deployer"
LEAK_KEY = "AKIA" + upper_id("leaked", 16)
KALI_CLI = ("aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off "
            "command/{command}")
DISCOVERY = (("sts.amazonaws.com", "GetCallerIdentity", False), ("iam.amazonaws.com", "ListUsers", False),
             ("iam.amazonaws.com", "ListRoles", False), ("iam.amazonaws.com", "ListAttachedUserPolicies", False),
             ("iam.amazonaws.com", "ListUserPolicies", False), ("iam.amazonaws.com", "ListGroupsForUser", False),
             ("iam.amazonaws.com", "GetUser", False), ("iam.amazonaws.com", "ListAccessKeys", False),
             ("iam.amazonaws.com", "ListPolicies", False), ("s3.amazonaws.com", "ListBuckets", False),
             ("ec2.amazonaws.com", "DescribeInstances", True), ("ec2.amazonaws.com", "DescribeRegions", False),
             ("ec2.amazonaws.com", "DescribeSecurityGroups", True), ("ec2.amazonaws.com", "DescribeVpcs", True),
             ("ec2.amazonaws.com", "DescribeSnapshots", True), ("ec2.amazonaws.com", "DescribeImages", True),
             ("ec2.amazonaws.com", "DescribeKeyPairs", True), ("lambda.amazonaws.com", "ListFunctions", True),
             ("rds.amazonaws.com", "DescribeDBInstances", True), ("rds.amazonaws.com", "DescribeDBSnapshots", True),
             ("secretsmanager.amazonaws.com", "ListSecrets", True), ("ssm.amazonaws.com", "DescribeParameters", True),
             ("kms.amazonaws.com", "ListKeys", True), ("kms.amazonaws.com", "ListAliases", True),
             ("dynamodb.amazonaws.com", "ListTables", True), ("sqs.amazonaws.com", "ListQueues", True),
             ("sns.amazonaws.com", "ListTopics", True), ("cloudtrail.amazonaws.com", "DescribeTrails", False),
             ("cloudtrail.amazonaws.com", "GetTrailStatus", False), ("guardduty.amazonaws.com", "ListDetectors", True),
             ("organizations.amazonaws.com", "DescribeOrganization", True), ("eks.amazonaws.com", "ListClusters", True),
             ("ecr.amazonaws.com", "DescribeRepositories", True), ("logs.amazonaws.com", "DescribeLogGroups", True),
             ("iam.amazonaws.com", "GetAccountSummary", False), ("iam.amazonaws.com", "ListInstanceProfiles", False))


def leaked_key(rng: random.Random) -> dict[Stream, Pairs]:
    """An old CI user's access key, leaked in a public repository, used from a VPS at night."""
    ident = r.iam_user(PROD, LEAK_USER, LEAK_KEY)
    out: Pairs = []
    t = DAY_START + 2 * HOUR + 7 * 60 + 12

    def call(at: float, c: Call, command: str) -> None:
        out.append((at, r.cloudtrail(rng, at, PROD, ident, c, LEAK_IP, KALI_CLI.format(command=command))))

    # Discovery: enumerate service after service, half of it denied (the user's policy is IAM-heavy).
    for i, (source, name, denied) in enumerate(DISCOVERY):
        message = (f"User: {ident['arn']} is not authorized to perform: {source.split('.')[0]}:{name} because "
                   "no identity-based policy allows the action")
        error = ("AccessDenied", message) if denied else None
        if denied and source == "ec2.amazonaws.com":
            error = ("Client.UnauthorizedOperation", "You are not authorized to perform this operation.")
        call(t + i * 7.5, Call(source, name, {}, error=error), f"{source.split('.')[0]}.{name.lower()}")
    t += len(DISCOVERY) * 7.5 + 40
    call(t, Call("iam.amazonaws.com", "GetAccountAuthorizationDetails", {"filter": ["User", "Role", "Group",
                                                                                       "LocalManagedPolicy"]}),
         "iam.get-account-authorization-details")
    # Privilege escalation: full admin for itself, and a key for the break-glass user as a spare way in.
    t += 9 * 60
    call(t, Call("iam.amazonaws.com", "AttachUserPolicy", {"userName": LEAK_USER,
                                                           "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
                 read_only=False), "iam.attach-user-policy")
    call(t + 64, Call("iam.amazonaws.com", "CreateAccessKey", {"userName": "breakglass-admin"},
                      {"accessKey": {"userName": "breakglass-admin", "accessKeyId": "AKIA" + upper_id("spare", 16),
                                     "status": "Active", "createDate": r.iso(t + 64)}}, read_only=False),
         "iam.create-access-key")
    # Defense evasion: the account's own trail is stopped (the organization trail keeps recording).
    t += 6 * 60
    trail_arn = f"arn:aws:cloudtrail:us-east-1:{PROD.id}:trail/{LOCAL_TRAIL}"
    call(t, Call("cloudtrail.amazonaws.com", "StopLogging", {"name": trail_arn}, read_only=False,
                 resources=({"accountId": PROD.id, "type": "AWS::CloudTrail::Trail", "ARN": trail_arn},)),
         "cloudtrail.stop-logging")
    # Exfiltration: the customer exports, object after object.
    t += 5 * 60
    bucket = "shop-prod-customer-exports"
    call(t, Call("s3.amazonaws.com", "ListObjects", {"bucketName": bucket, "prefix": "exports/", "Host":
                                                     f"{bucket}.s3.us-east-1.amazonaws.com"}, data_event=True),
         "s3.ls")
    access: Pairs = []
    for i in range(140):
        at = t + 20 + i * 3.1
        key = f"exports/2026-11-20/part-{i:05d}.csv.gz"
        get = Call("s3.amazonaws.com", "GetObject", {"bucketName": bucket, "Host": f"{bucket}.s3.us-east-1.amazonaws.com",
                                                     "key": key}, data_event=True,
                   resources=({"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
                              {"accountId": PROD.id, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}),
                   extra={"additionalEventData": {"SignatureVersion": "SigV4", "bytesTransferredOut": 1_480_000 + i}})
        call(at, get, "s3.cp")
        access.append((at, r.s3_access_line(rng, at, bucket, LEAK_IP, ident["arn"], "REST.GET.OBJECT", key, 200,
                                            1_480_000 + i, KALI_CLI.format(command="s3.cp"))))
    return {Stream("cloudtrail", PROD.id): out, Stream("s3access", PROD.id, bucket): access}


# --- 2. an exposed instance -----------------------------------------------------------------------

BRUTE_IP = "192.0.2.61"
POOL_NAME = "xmr-us-east1.nanopool.org."
POOL_IP = "142.44.242.100"


def exposed_instance(rng: random.Random) -> dict[Stream, Pairs]:
    """The staging CI runner, SSH open to the world: scanned, brute-forced, turned into a miner."""
    flows: Pairs = []
    host, public = EXPOSED, str(EXPOSED.public_ip)
    t = int(DAY_START + 5 * HOUR + 2 * 60)
    # A port scan (most ports closed by the security group: rejected), then SSH found open.
    for i, port in enumerate((21, 23, 25, 53, 80, 110, 135, 139, 143, 443, 445, 993, 995, 1433, 1521, 2049, 3306,
                              3389, 5432, 5900, 6379, 8000, 8080, 8443, 9200, 11211, 27017)):
        flows.append((t + i * 1.7, Flow(host, BRUTE_IP, host.private_ip, 40000 + i, port, 6, 1, 44, t + int(i * 1.7),
                                        t + 60, action="REJECT", tcp_flags=2)))
    # SSH brute force: hundreds of short accepted connections, each a failed password.
    t += 120
    for i in range(240):
        at = t + i * 8.7
        sport = 50000 + i
        flows.append((at, Flow(host, BRUTE_IP, host.private_ip, sport, 22, 6, 14, 2600, int(at), int(at) + 60)))
        flows.append((at + 0.1, Flow(host, host.private_ip, BRUTE_IP, 22, sport, 6, 12, 3100, int(at), int(at) + 60)))
    t += 240 * 9
    # One password worked: a long session, a download, then the miner's stratum connection to its pool.
    flows.append((t, Flow(host, BRUTE_IP, host.private_ip, 50555, 22, 6, 420, 61_000, t, t + 600)))
    flows.append((t + 0.1, Flow(host, host.private_ip, BRUTE_IP, 22, 50555, 6, 510, 188_000, t, t + 600)))
    mine = t + 5 * 60
    dns: Pairs = [(mine - 40, r.dns_query(rng, mine - 40, host, "github.com.", "140.82.112.3")),
                  (mine - 2, r.dns_query(rng, mine - 2, host, POOL_NAME, POOL_IP)),
                  (mine + 1800, r.dns_query(rng, mine + 1800, host, POOL_NAME, POOL_IP))]
    for k in range(6):
        start = mine + k * 600
        flows.append((start, Flow(host, host.private_ip, POOL_IP, 41874, 14444, 6, 900, 96_000, start, start + 600)))
        flows.append((start + 0.1, Flow(host, POOL_IP, host.private_ip, 14444, 41874, 6, 880, 310_000, start,
                                        start + 600)))
    lines = [(at, r.flow_line(f, 2)) for at, f in flows]
    # GuardDuty: the brute force (low, instance as target), then the miner (high).
    brute_action = {"actionType": "NETWORK_CONNECTION", "networkConnectionAction": {
        "connectionDirection": "INBOUND", "protocol": "TCP", "blocked": False,
        "remoteIpDetails": {"ipAddressV4": BRUTE_IP, "organization": {"asnOrg": "Example Transit"},
                            "country": {"countryName": "Unknown"}},
        "localIpDetails": {"ipAddressV4": public}, "localPortDetails": {"port": 22, "portName": "SSH"},
        "remotePortDetails": {"port": 50000, "portName": "Unknown"}}}
    mining_action = {"actionType": "DNS_REQUEST", "dnsRequestAction": {
        "domain": POOL_NAME.rstrip("."), "protocol": "UDP", "blocked": False, "domainWithSuffix": "nanopool.org"}}
    gd: Pairs = [(t + 900, r.finding(rng, t - 2100, t, host, "UnauthorizedAccess:EC2/SSHBruteForce", 2,
                              f"{BRUTE_IP} is performing SSH brute force attacks against {host.instance_id}.",
                              brute_action, count=240)),
          (mine + 1500, r.finding(rng, mine, mine + 1200, host, "CryptoCurrency:EC2/BitcoinTool.B!DNS", 8,
                                  f"EC2 instance {host.instance_id} is querying a domain name that is associated "
                                  "with Bitcoin-related activity.", mining_action, count=2, role="ACTOR",
                                  evidence={"threatIntelligenceDetails": [{"threatListName": "Amazon",
                                                                           "threatNames": ["CryptoCurrency"]}]}))]
    return {Stream("vpcflow", STAGING.id, "fl-0" + hexid("staging-flow", 16), 2): lines,
            Stream("route53", STAGING.id, str(STAGING.vpc_id)): dns,
            Stream("guardduty", STAGING.id): gd}


# --- 3. an attack on the web shop -----------------------------------------------------------------

WEB_IP = "203.0.113.200"
NIKTO = "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000562)"
SQLMAP = "sqlmap/1.8.11#stable (https://sqlmap.org)"
SCAN_PATHS = ("/.git/config", "/.env", "/admin/", "/backup.zip", "/server-status", "/phpinfo.php", "/config.php.bak",
              "/cgi-bin/test.cgi", "/.aws/credentials", "/actuator/env", "/api/swagger.json", "/debug/pprof/")


def web_attack(rng: random.Random) -> dict[Stream, Pairs]:
    """A scanner maps the shop, sqlmap probes the search, then a password list is tried on sign-in."""
    waf: Pairs = []
    app: Pairs = []
    t = DAY_START + 14 * HOUR + 2 * 60 + 5
    for i, path in enumerate(SCAN_PATHS * 3):
        at = t + i * 2.3
        request = Request(WEB_IP, "US", "GET", path, "", NIKTO, action="BLOCK", rule="UserAgent_BadBots_HEADER",
                          rule_group="AWS-AWSManagedRulesCommonRuleSet",
                          labels=("awswaf:managed:aws:core-rule-set:BadBots_Header",))
        waf.append((at, r.waf_record(rng, at, PROD, WEB_ACL, request)))
    t += 10 * 60
    payloads = ("q=boots'+AND+1=1--", "q=boots'+UNION+ALL+SELECT+NULL,NULL,NULL--",
                "q=boots')+UNION+ALL+SELECT+username,password_hash,NULL+FROM+users--",
                "q=boots'+AND+SLEEP(5)--", "q=boots\"+UNION+SELECT+@@version,NULL,NULL--",
                "q=boots'+OR+'1'='1")
    for i in range(48):
        at = t + i * 1.9
        request = Request(WEB_IP, "US", "GET", "/search", payloads[i % len(payloads)], SQLMAP, action="BLOCK",
                          rule="SQLi_QUERYARGUMENTS", rule_group="AWS-AWSManagedRulesSQLiRuleSet",
                          labels=("awswaf:managed:aws:sql-database:SQLi_QueryArguments",))
        waf.append((at, r.waf_record(rng, at, PROD, WEB_ACL, request)))
    # Credential stuffing with an ordinary browser agent: WAF allows it, the application refuses it.
    t += 8 * 60
    for i in range(90):
        at = t + i * 4.2
        user = f"customer{rng.randint(1, 400):04d}@example.net"
        waf.append((at, r.waf_record(rng, at, PROD, WEB_ACL, Request(WEB_IP, "US", "POST", "/api/login", "",
                                                                       "python-requests/2.32.3", body_size=96))))
        app.append((at + 0.05, r.app_log(at + 0.05, "WARN", "sign-in failed: wrong password", user, WEB_IP, "login",
                                         "failure")))
    return {Stream("waf", PROD.id, WEB_ACL): waf, Stream("applog", PROD.id, "shop"): app}


STORIES = (
    Story("leaked access key",
          f"IAM user {LEAK_USER}'s key used from {LEAK_IP}: discovery, admin rights, trail stopped, exports copied",
          (LEAK_IP, LEAK_USER),
          (Stage("discovery", ("106d5b61-8766-4d4c-bed7-f57f922bbab9", "bd6b2a3c-b893-4efb-affd-e02062543d13",
                               "fd62482c-4f31-44ef-89a2-cc3350662f1d", "ef3983a9-2399-4b3b-ba36-c11825c62a04",
                               "61c32700-9d8b-4d96-a2c2-945f895013bd")),
           Stage("privilege escalation", ("bb0d5f8c-6788-45da-aef8-d20f1a0a2d92",
                                          "00d4668d-3b6b-4295-b9de-4766aa77abfe")),
           Stage("trail stopped", ("9d5d5aeb-1638-48bf-95a4-c48a45a89895",)),
           Stage("data exfiltration", ("f2c66718-5a0b-4f71-9bf7-c79caf7eb63c",))),
          f"CloudTrail of account {PROD.id} for user.name {LEAK_USER}; S3 access logs of shop-prod-customer-exports"),
    Story("exposed instance",
          f"{EXPOSED.name} ({EXPOSED.public_ip}) scanned and brute-forced over SSH from {BRUTE_IP}, then mining",
          (BRUTE_IP, POOL_IP, EXPOSED.private_ip, str(EXPOSED.public_ip), EXPOSED.instance_id),
          (Stage("port scan", ("54fdaf0b-6e0f-45f4-b861-876aa6cf53e1",)),
           Stage("SSH brute force", ("ae2a0eef-ebf3-46a6-83db-ba7eeb4c20bf",)),
           Stage("mining-pool DNS", ("bbd2db89-8990-464d-9ab6-90f602510aa5",)),
           Stage("mining-pool traffic", ("28bf50ce-c92e-4dfe-ad0a-5987f5f75c3d",)),
           Stage("GuardDuty finding", ("d776e81d-fbc0-4eee-84b3-7f11d11c0429", "5a50d3df-113c-455a-bc0c-70916226a1bb"))),
          f"flow logs of {EXPOSED.private_ip}, DNS queries of {EXPOSED.instance_id}, its GuardDuty findings"),
    Story("web application attack",
          f"{WEB_IP} scans shop.example.com, probes SQL injection (blocked by WAF), then stuffs credentials",
          (WEB_IP,),
          (Stage("scanner", ("180b7cd1-1bab-420a-bd13-2c268491090f",)),
           Stage("SQL injection blocked", ("9cb26308-d303-4138-866d-171150de0a1c",
                                           "0b7f3b36-2a0c-4c3e-9d45-6f1e2a3b4c5d")),
           # the application's log: one address failing sign-ins for many customers (password spray),
           # or many failures for one (burst)
           Stage("application sign-in failures", ("c129ae05-bc5a-4ac2-9a13-5bc3fcd9cac3",
                                                  "97e3e5cd-7f64-4357-8eed-6e3b7349ee93"))),
          f"WAF logs of {WEB_ACL} for {WEB_IP}; the shop's log (app/shop/) for failed sign-ins from it"),
)

# Every story's records, by the function that writes them.
STORY_RECORDS = (leaked_key, exposed_instance, web_attack)
