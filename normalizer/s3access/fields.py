"""S3 server access log field table: the documented columns, in order, and where each one lands.

Native names are Elastic's snake_case names for the columns AWS documents (LogFormat), so a rule
names `requester` or `operation` and queries what the normalizer writes. A column's first row is
the field a rule on it queries (fieldmap.Field); its verbatim copy under aws.s3access.* follows, as
Elastic's integration keeps every column there.
"""
from __future__ import annotations

from normalizer.fieldmap import DATE, IP, KEYWORD, LONG, Field

DATASETS: tuple[str, ...] = ("aws.s3access",)

# The columns in the order S3 writes them. AWS appends new columns at the end (access point ARN
# and ACL required came last); older logs stop earlier.
COLUMNS: tuple[str, ...] = (
    "bucket_owner", "bucket", "time", "remote_ip", "requester", "request_id", "operation", "key",
    "request_uri", "http_status", "error_code", "bytes_sent", "object_size", "total_time",
    "turn_around_time", "referrer", "user_agent", "version_id", "host_id", "signature_version",
    "cipher_suite", "authentication_type", "host_header", "tls_version", "point_arn", "aclrequired",
)
# The oldest logs end after the user agent: fewer columns than this is not an access log line.
MIN_COLUMNS = COLUMNS.index("user_agent") + 1
# Columns past the known ones (what a newer log adds) are kept as a list, up to this many: a line
# with more is not an access log line.
MAX_EXTRA_COLUMNS = 8


def _aws(native: str, es_type: str = KEYWORD) -> Field:
    return Field(native, "aws.s3access." + native, es_type)


NATIVE_FIELDS: tuple[Field, ...] = (
    Field("time", "@timestamp", DATE),
    _aws("bucket_owner"),
    _aws("bucket"),
    Field("remote_ip", "client.ip", IP),
    Field("remote_ip", "client.address"),
    _aws("remote_ip", IP),
    Field("requester", "client.user.id"),
    Field("requester", "user.id"),
    _aws("requester"),
    Field("request_id", "event.id"),
    _aws("request_id"),
    Field("operation", "event.action"),
    _aws("operation"),
    _aws("key"),
    _aws("request_uri"),
    Field("http_status", "http.response.status_code", LONG),
    _aws("http_status", LONG),
    _aws("error_code"),
    Field("bytes_sent", "http.response.body.bytes", LONG),
    _aws("bytes_sent", LONG),
    _aws("object_size", LONG),
    _aws("total_time", LONG),
    _aws("turn_around_time", LONG),
    Field("referrer", "http.request.referrer"),
    _aws("referrer"),
    Field("user_agent", "user_agent.original"),
    _aws("user_agent"),
    _aws("version_id"),
    _aws("host_id"),
    _aws("signature_version"),
    Field("cipher_suite", "tls.cipher"),
    _aws("cipher_suite"),
    _aws("authentication_type"),
    _aws("host_header"),
    _aws("tls_version"),
    _aws("point_arn"),
    _aws("aclrequired"),
)

# Written by the normalizer from no single column (or parsed out of one).
DERIVED_FIELDS: tuple[Field, ...] = (
    Field(None, "aws.s3access.extra_fields"),
    Field(None, "cloud.provider"),
    Field(None, "cloud.region"),
    Field(None, "event.kind"),
    Field(None, "event.category"),
    Field(None, "event.type"),
    Field(None, "event.outcome"),
    Field(None, "event.dataset"),
    Field(None, "event.duration", LONG),
    Field(None, "event.original"),
    Field(None, "http.request.method"),
    Field(None, "http.version"),
    Field(None, "url.original"),
    Field(None, "url.path"),
    Field(None, "url.query"),
    Field(None, "url.extension"),
    Field(None, "user_agent.name"),
    Field(None, "user_agent.version"),
    Field(None, "user_agent.os.name"),
    Field(None, "user_agent.os.version"),
    Field(None, "user_agent.os.full"),
    Field(None, "user_agent.device.name"),
    Field(None, "tls.version"),
    Field(None, "tls.version_protocol"),
    Field(None, "related.ip", IP),
    Field(None, "related.user"),
)

FIELDS: tuple[Field, ...] = NATIVE_FIELDS + DERIVED_FIELDS
