"""Application log field table: the ECS fields an app's declared map may fill, and cloudsift's own.

An app's native names are its own (declared per app in the shipper config, normalizer.applog.spec),
so rules on application logs name these ECS fields directly: each row's native name is its ECS name.
The app's whole record stays searchable in one flattened field (`applog.fields.<native path>`): one
mapped field whatever the app writes, so a hostile record cannot grow the mapping.
"""
from __future__ import annotations

from normalizer.fieldmap import FLATTENED, IP, KEYWORD, LONG, TEXT, Field

# The dataset of `normalize --type applog` without a field map (normalizer.applog.spec.ecs_json).
DATASETS: tuple[str, ...] = ("applog",)
MODULE = "applog"
FLATTENED_HOME = "applog.fields"


def _ecs(name: str, es_type: str = KEYWORD) -> Field:
    return Field(name, name, es_type)


# What a declared map may fill: `message`, `log.level`, `user.name`, `source.ip` and `event.outcome`
# by their own keys, any of these by `rename`. event.kind/category/type, @timestamp and event.dataset
# are cloudsift's to set (ECS allowed values; the data stream), never renamed into.
ECS_FIELDS: tuple[Field, ...] = (
    _ecs("message", TEXT),
    _ecs("log.level"),
    _ecs("log.logger"),
    _ecs("user.name"),
    _ecs("user.id"),
    _ecs("user.email"),
    _ecs("user.domain"),
    _ecs("user.roles"),
    _ecs("user.target.name"),
    _ecs("source.ip", IP),
    _ecs("source.port", LONG),
    _ecs("source.geo.country_iso_code"),
    _ecs("destination.ip", IP),
    _ecs("destination.port", LONG),
    _ecs("event.action"),
    _ecs("event.outcome"),
    _ecs("event.reason"),
    _ecs("event.code"),
    _ecs("event.id"),
    _ecs("event.duration", LONG),
    _ecs("http.request.method"),
    _ecs("http.request.id"),
    _ecs("http.response.status_code", LONG),
    _ecs("url.path"),
    _ecs("url.original"),
    _ecs("url.domain"),
    _ecs("user_agent.original"),
    _ecs("host.name"),
    _ecs("service.name"),
    _ecs("service.version"),
    _ecs("service.environment"),
    _ecs("trace.id"),
    _ecs("transaction.id"),
    _ecs("error.message"),
    _ecs("error.type"),
    _ecs("error.code"),
    _ecs("organization.id"),
    _ecs("process.pid", LONG),
)
RENAME_TARGETS: frozenset[str] = frozenset(f.ecs for f in ECS_FIELDS)

# Written by cloudsift: the app's record, the CloudWatch Logs envelope, where a line was read.
OWN_FIELDS: tuple[Field, ...] = (
    _ecs(FLATTENED_HOME, FLATTENED),
    _ecs("applog.invalid"),  # declared fields whose value did not fit their ECS type (left out of them)
    _ecs("aws.cloudwatch.log_group"),
    _ecs("aws.cloudwatch.log_stream"),
    _ecs("aws.cloudwatch.subscription_filters"),
    _ecs("log.offset", LONG),
    _ecs("log.file.path"),
    _ecs("cloud.account.id"),
)

FIELDS: tuple[Field, ...] = ECS_FIELDS + OWN_FIELDS
