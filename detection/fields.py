"""Sigma logsources and native field names → the ECS fields the normalizer writes.

Derived from the one field map (normalizer.field_tables.FIELD_TABLES[*].fields, DESIGN decision 1):
a rule written against AWS's own names queries exactly the field the normalizer fills.

What AWS does not name, the normalizer derives (`event.outcome` of a console sign-in, `source.ip`,
the typed `…console_login.additional_eventdata.mfa_used`): a rule names such a field by its ECS
name. Only derived fields are reachable that way, so a value AWS names has one name in rules.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from normalizer.field_tables import FIELD_TABLES
from normalizer.mapping import NOT_INDEXED

PRODUCT = "aws"
# Application logs: logsource `service: applog`, `product: <the app's dataset>` (or none: every app).
APPLOG = "applog"
# Sigma logsource `service` → cloudsift log type. `cloudtrail` is SigmaHQ's own name; the other
# four take the names of `cloudsift normalize --type`, so one word names a source everywhere.
SERVICES: dict[str, str] = {name: name for name in FIELD_TABLES}


@dataclass(frozen=True, slots=True)
class Target:
    """Where a native field lives in the index: its ECS name and Elasticsearch type."""

    ecs: str
    type: str


class UnknownField(LookupError):
    """A field name the field map does not know for that source; `hint` may say what was meant."""

    def __init__(self, name: str, hint: str = "") -> None:
        super().__init__(name)
        self.name = name
        self.hint = hint

    def describe(self, service: str) -> str:
        """The one-line message rules check prints."""
        where = f"application logs (service {APPLOG}: ECS names, or applog.fields.<the app's name>)" \
            if service == APPLOG else f"{PRODUCT}/{service}"
        message = f"field {self.name!r} is not in cloudsift's field map for {where}"
        return f"{message} ({self.hint})" if self.hint else message


@cache
def _table(service: str) -> dict[str, Target]:
    rows: dict[str, Target] = {}
    for f in FIELD_TABLES[SERVICES[service]].fields:
        # A native name may feed several fields; its first row is the one rules query (fieldmap.Field).
        if f.native is not None and f.type != "object":
            rows.setdefault(f.native, Target(f.ecs, f.type))
    return rows


@cache
def _native_of(service: str) -> dict[str, str]:
    """ECS name → the native name rules use for it (to tell a rule that named the ECS field)."""
    return {t.ecs: native for native, t in reversed(_table(service).items())}


@cache
def _derived(service: str) -> dict[str, Target]:
    """Searchable ECS fields the normalizer fills from no native field of their own, by ECS name."""
    named = _native_of(service)
    rows: dict[str, Target] = {}
    for f in FIELD_TABLES[SERVICES[service]].fields:
        searchable = f.type not in ("object", "flattened") and f.ecs not in NOT_INDEXED
        if f.native is None and searchable and f.ecs not in named:
            rows.setdefault(f.ecs, Target(f.ecs, f.type))
    return rows


def datasets(service: str) -> tuple[str, ...]:
    """The event.dataset values a source's documents carry."""
    return FIELD_TABLES[SERVICES[service]].datasets


def resolve(service: str, native: str) -> Target:
    """The ECS target of `native` for `service`; a key below a flattened object stays keyed under it.

    A name that is no native one may be the ECS name of a derived field (`event.outcome`).
    """
    table = _table(service)
    if native in table:
        return table[native]
    # `requestParameters.bucketName` → the flattened field of `requestParameters`, keyed `bucketName`.
    head, _, rest = native.partition(".")
    while rest:
        parent = table.get(head)
        if parent is not None and parent.type == "flattened":
            return Target(f"{parent.ecs}.{rest}", "flattened")
        step, _, rest = rest.partition(".")
        head = f"{head}.{step}"
    if native in (derived := _derived(service)):
        return derived[native]
    if native in (ecs := _native_of(service)):
        raise UnknownField(native, f"it is the ECS field of {ecs[native]!r}: name that")
    raise UnknownField(native)


def _twin(service: str, name: str, es_type: str) -> Target | None:
    rows = FIELD_TABLES[SERVICES[service]].fields
    return Target(name, es_type) if any(f.ecs == name and f.type == es_type for f in rows) else None


def ip_twin(service: str, target: Target) -> Target | None:
    """The `ip` sibling of an ECS `.address` keyword (source.address → source.ip), for |cidr."""
    if not target.ecs.endswith(".address"):
        return None
    return _twin(service, target.ecs.removesuffix(".address") + ".ip", "ip")


def string_twin(service: str, target: Target) -> Target | None:
    """The keyword string form of a whole flattened object (…flattened.request_parameters → …request_parameters).

    A rule matching a string against the object itself (`requestParameters|contains: …`) means its text,
    as SigmaHQ's rules do; the string form also has the caseless sub-field.
    """
    if target.type != "flattened" or ".flattened." not in target.ecs:
        return None
    return _twin(service, target.ecs.replace(".flattened.", ".", 1), "keyword")
