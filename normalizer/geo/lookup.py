"""Look a document's addresses up in MaxMind databases and add `<side>.geo` / `<side>.as`.

The databases are the user's (GeoLite2 or GeoIP2 City and ASN, `.mmdb`): cloudsift ships none,
as Elastic's integration relies on the cluster's. Values the source itself wrote (WAF's country,
GuardDuty's own geolocation) win, as rules on them query them: the database fills only what is
missing, and nothing at all when it places the address in another country (or AS) than the source
does, so one object never mixes two answers. A private or unknown address, or a value that is not an
address, gets nothing.
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import orjson

from normalizer.ecs import get_path, put_path, split_path
from normalizer.geo.fields import AS_FROM_ASN, GEO_FROM_CITY, MIRRORED, SIDES

if TYPE_CHECKING:
    from normalizer.records import RawRecord
    from normalizer.registry import Document, LogType

# Environment variables naming the databases when no option or config key does.
CITY_ENV, ASN_ENV = "CLOUDSIFT_GEOIP_CITY", "CLOUDSIFT_GEOIP_ASN"
# Distinct addresses whose answers are kept: a flow log repeats a few thousand addresses.
CACHE_SIZE = 65_536
_Lookup = Callable[[str], dict[str, Any] | None]


class GeoIPError(Exception):
    """A database that cannot be used: the message names the file (or the missing package)."""


@dataclasses.dataclass(frozen=True, slots=True)
class GeoIP:
    """Cached lookups into the City and/or ASN database: address → ECS `geo` / `as` object (or None)."""

    geo: _Lookup
    asn: _Lookup

    def enrich(self, doc: dict, dataset: str) -> bool:
        """Add what the databases know of `doc`'s addresses; whether anything was added."""
        added = False
        for side in SIDES:
            node = doc.get(side)
            if node.__class__ is not dict or node.get("ip").__class__ is not str:
                continue
            ip = node["ip"]
            added |= _fill(node, "geo", self.geo(ip), "country_iso_code")
            added |= _fill(node, "as", self.asn(ip), "number")
        for side, target in MIRRORED.get(dataset, ()):
            node = doc.get(side)
            if node.__class__ is dict and node.get("geo").__class__ is dict:
                added |= _fill(doc, target, node["geo"], "country_iso_code")
        return added

    def enriching(self, kind: LogType) -> LogType:
        """`kind` with every document it builds enriched (only documents holding an address are re-encoded)."""
        build = kind.document

        def document(record: RawRecord, original: bool) -> Document:
            doc_id, body, dataset = build(record, original)
            if b'"ip":' not in body:  # no <side>.ip in it: nothing to look up, no decoding
                return doc_id, body, dataset
            doc = orjson.loads(body)
            return (doc_id, orjson.dumps(doc), dataset) if self.enrich(doc, dataset) else (doc_id, body, dataset)

        return dataclasses.replace(kind, document=document)


def _fill(node: dict, key: str, found: dict[str, Any] | None, anchor: str) -> bool:
    """Add to node[key] what `found` has and it lacks, unless the two disagree on `anchor` (the country, the AS)."""
    if not found:
        return False
    have = node.get(key)
    if have.__class__ is not dict:
        node[key] = _copy(found)
        return True
    if anchor in have and anchor in found and have[anchor] != found[anchor]:
        return False
    added = False
    for name, value in found.items():
        if name not in have:
            have[name] = _copy(value)
            added = True
    return added


def _copy(value: Any) -> Any:
    # Cached answers are shared between documents: each document gets its own objects.
    return {k: _copy(v) for k, v in value.items()} if isinstance(value, dict) else value


def open_geoip(city: str | None = None, asn: str | None = None,
               env: Mapping[str, str] = os.environ) -> GeoIP | None:
    """The databases at `city` / `asn` (else the paths in CLOUDSIFT_GEOIP_CITY / _ASN); None when neither is set."""
    city = city or env.get(CITY_ENV) or None
    asn = asn or env.get(ASN_ENV) or None
    if city is None and asn is None:
        return None
    try:
        import maxminddb
    except ImportError:
        raise GeoIPError("IP enrichment needs the maxminddb package: pip install 'cloudsift[geoip]'") from None
    return GeoIP(geo=_cached(_reader(maxminddb, city, "City"), _geo) if city else _nothing,
                 asn=_cached(_reader(maxminddb, asn, "ASN"), _as) if asn else _nothing)


def _reader(maxminddb: Any, path: str, kind: str) -> Any:
    try:
        reader = maxminddb.open_database(path)
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:  # missing, unreadable, not a MaxMind database
        raise GeoIPError(f"GeoIP {kind} database {path}: {exc}") from None
    database_type = str(reader.metadata().database_type)
    if kind not in database_type:
        raise GeoIPError(f"GeoIP {kind} database {path}: it is a {database_type} database")
    return reader


def _cached(reader: Any, convert: Callable[[dict], dict[str, Any] | None]) -> _Lookup:
    @lru_cache(maxsize=CACHE_SIZE)
    def lookup(ip: str) -> dict[str, Any] | None:
        try:
            record = reader.get(ip)
        except ValueError:  # not an address (ip fields are written as seen; the mapping drops bad ones)
            return None
        return convert(record) if isinstance(record, dict) else None

    return lookup


def _nothing(ip: str) -> None:
    return None


def _geo(record: dict) -> dict[str, Any] | None:
    """A City record → ECS geo fields, as Elasticsearch's geoip processor names them."""
    out: dict[str, Any] = {}
    for name, path in GEO_FROM_CITY:
        value = get_path(record, path)
        if value is not None:
            out[name] = value
    subdivisions = record.get("subdivisions")
    first = subdivisions[0] if isinstance(subdivisions, list) and subdivisions else None
    if isinstance(first, dict):
        region, country = first.get("iso_code"), out.get("country_iso_code")
        if isinstance(region, str) and isinstance(country, str):
            out["region_iso_code"] = f"{country}-{region}"
        name = get_path(first, ("names", "en"))
        if name is not None:
            out["region_name"] = name
    location = record.get("location")
    if isinstance(location, dict) and isinstance(location.get("latitude"), float | int) \
            and isinstance(location.get("longitude"), float | int):
        out["location"] = {"lat": location["latitude"], "lon": location["longitude"]}
    return out or None


def _as(record: dict) -> dict[str, Any] | None:
    """An ASN record → ECS as fields."""
    out: dict[str, Any] = {}
    for name, path in AS_FROM_ASN:
        value = get_path(record, path)
        if value is not None:
            put_path(out, split_path(name), value)
    return out or None
