"""AWS WAF (v2) web ACL log field map: native JSON names (as AWS spells them) → ECS."""
from __future__ import annotations

from normalizer.fieldmap import Field

DATASETS: tuple[str, ...] = ("aws.waf",)

NATIVE_FIELDS: tuple[Field, ...] = (
    Field("timestamp", "@timestamp", "date"),
    Field("formatVersion", "aws.waf.format_version"),
    Field("webaclId", "aws.waf.arn"),
    Field("terminatingRuleId", "rule.id"),
    Field("terminatingRuleType", "rule.ruleset"),
    Field("action", "event.action"),
    Field("terminatingRuleMatchDetails", "aws.waf.terminating_rule_match_details", "flattened"),
    Field("httpSourceName", "aws.waf.source.name"),
    Field("httpSourceId", "aws.waf.source.id"),
    Field("ruleGroupList", "aws.waf.rule_group_list", "flattened"),
    Field("rateBasedRuleList", "aws.waf.rate_based_rule_list", "flattened"),
    Field("nonTerminatingMatchingRules", "aws.waf.non_terminating_matching_rules", "flattened"),
    Field("requestHeadersInserted", "aws.waf.request_headers_inserted", "flattened"),
    Field("responseCodeSent", "aws.waf.response_code_sent", "long"),
    Field("labels.name", "aws.waf.labels.name"),
    Field("oversizeFields", "aws.waf.oversize_fields"),
    Field("requestBodySize", "aws.waf.request_body_size", "long"),
    Field("requestBodySizeInspectedByWAF", "aws.waf.request_body_size_inspected_by_waf", "long"),
    Field("clientAsn", "source.as.number", "long"),
    Field("forwardedAsn", "aws.waf.forwarded_asn", "long"),
    Field("cfDistributionTenantId", "aws.waf.cf_distribution_tenant_id"),
    Field("ja3Fingerprint", "tls.client.ja3"),
    Field("ja4Fingerprint", "tls.client.ja4"),
    Field("captchaResponse.responseCode", "aws.waf.captcha_response.response_code", "long"),
    Field("captchaResponse.solveTimestamp", "aws.waf.captcha_response.solve_timestamp", "date"),
    Field("captchaResponse.failureReason", "aws.waf.captcha_response.failure_reason"),
    Field("challengeResponse.responseCode", "aws.waf.challenge_response.response_code", "long"),
    Field("challengeResponse.solveTimestamp", "aws.waf.challenge_response.solve_timestamp", "date"),
    Field("challengeResponse.failureReason", "aws.waf.challenge_response.failure_reason"),
    Field("httpRequest.clientIp", "source.ip", "ip"),
    Field("httpRequest.country", "source.geo.country_iso_code"),
    Field("httpRequest.headers", "aws.waf.request.headers", "flattened"),
    Field("httpRequest.uri", "url.path"),
    Field("httpRequest.args", "url.query"),
    Field("httpRequest.httpVersion", "http.version"),
    Field("httpRequest.httpMethod", "http.request.method"),
    Field("httpRequest.requestId", "http.request.id"),
    Field("httpRequest.fragment", "url.fragment"),
    Field("httpRequest.scheme", "url.scheme"),
    Field("httpRequest.host", "url.domain"),
)

# Written by the normalizer with no single native source (or as a second copy of one).
DERIVED_FIELDS: tuple[Field, ...] = (
    Field(None, "aws.waf.id"),
    Field(None, "cloud.provider"),
    Field(None, "cloud.account.id"),
    Field(None, "cloud.region"),
    Field(None, "cloud.service.name"),
    Field(None, "rule.name"),
    Field(None, "url.original"),
    Field(None, "url.port", "long"),
    Field(None, "user_agent.original"),
    Field(None, "http.request.referrer"),
    Field(None, "http.request.body.bytes", "long"),
    Field(None, "network.protocol"),
    Field(None, "network.transport"),
    Field(None, "event.kind"),
    Field(None, "event.category"),
    Field(None, "event.type"),
    Field(None, "event.outcome"),
    Field(None, "event.dataset"),
    Field(None, "event.original"),
    Field(None, "related.ip", "ip"),
)

FIELDS: tuple[Field, ...] = NATIVE_FIELDS + DERIVED_FIELDS
