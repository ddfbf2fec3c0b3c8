"""Route 53 field map: Resolver query log (JSON) and public hosted-zone query log (text) → ECS.

Resolver native names are the JSON keys AWS writes. The public query log is positional
text with no key names, so its columns get the names below (shared with the Resolver log
where the meaning is the same, so one Sigma rule on `query_name` covers both).
"""
from __future__ import annotations

from normalizer.fieldmap import Field

# Resolver query logs, then public hosted-zone query logs.
DATASETS: tuple[str, ...] = ("aws.route53_resolver_logs", "aws.route53_public_logs")

RESOLVER_FIELDS: tuple[Field, ...] = (
    Field("version", "aws.route53.version"),
    Field("account_id", "cloud.account.id"),
    Field("region", "cloud.region"),
    Field("vpc_id", "aws.vpc_id"),
    Field("query_timestamp", "@timestamp", "date"),
    Field("query_name", "dns.question.name"),
    Field("query_type", "dns.question.type"),
    Field("query_class", "dns.question.class"),
    Field("rcode", "dns.response_code"),
    Field("answers.Rdata", "dns.answers.data"),
    Field("answers.Type", "dns.answers.type"),
    Field("answers.Class", "dns.answers.class"),
    Field("srcaddr", "source.ip", "ip"),
    Field("srcport", "source.port", "long"),
    Field("transport", "network.transport"),
    Field("firewall_rule_action", "aws.route53.firewall.action"),
    Field("firewall_rule_group_id", "aws.route53.firewall.rule_group.id"),
    Field("firewall_domain_list_id", "aws.route53.firewall.domain_list.id"),
    Field("srcids.instance", "cloud.instance.id"),
    Field("srcids.resolver_endpoint", "aws.route53.srcids.resolver_endpoint"),
    Field("srcids.resolver_network_interface", "aws.route53.srcids.resolver_network_interface"),
)

# Column order of the public hosted-zone query log, as AWS documents it.
PUBLIC_COLUMNS: tuple[str, ...] = (
    "version", "query_timestamp", "hosted_zone_id", "query_name", "query_type", "rcode",
    "transport", "edge_location", "resolver_ip", "edns_client_subnet",
)

PUBLIC_FIELDS: tuple[Field, ...] = (
    Field("version", "aws.route53.version"),
    Field("query_timestamp", "@timestamp", "date"),
    Field("hosted_zone_id", "aws.route53.hosted_zone_id"),
    Field("query_name", "dns.question.name"),
    Field("query_type", "dns.question.type"),
    Field("rcode", "dns.response_code"),
    Field("transport", "network.transport"),
    Field("edge_location", "aws.route53.edge_location"),
    Field("resolver_ip", "source.ip", "ip"),
    Field("edns_client_subnet", "aws.route53.edns_client_subnet"),
)

# Written by the normalizer with no single native source (or as a second copy of one).
DERIVED_FIELDS: tuple[Field, ...] = (
    Field(None, "source.address"),
    Field(None, "aws.instance_id"),
    Field(None, "dns.question.registered_domain"),
    Field(None, "dns.question.subdomain"),
    Field(None, "dns.question.top_level_domain"),
    Field(None, "dns.resolved_ip", "ip"),
    Field(None, "network.protocol"),
    Field(None, "network.iana_number"),
    Field(None, "network.type"),
    Field(None, "cloud.provider"),
    Field(None, "event.kind"),
    Field(None, "event.category"),
    Field(None, "event.type"),
    Field(None, "event.action"),
    Field(None, "event.outcome"),
    Field(None, "event.dataset"),
    Field(None, "event.original"),
    Field(None, "related.ip", "ip"),
    Field(None, "related.hosts"),
)


def _union(*tables: tuple[Field, ...]) -> tuple[Field, ...]:
    seen: dict[tuple[str | None, str], Field] = {}
    for table in tables:
        for row in table:
            seen.setdefault((row.native, row.ecs), row)
    return tuple(seen.values())


FIELDS: tuple[Field, ...] = _union(RESOLVER_FIELDS, PUBLIC_FIELDS, DERIVED_FIELDS)
