"""Where IP enrichment writes, as data: the address fields it reads and the fields it fills.

Elastic's AWS integration runs Elasticsearch's geoip processor on each document's addresses; the
integ-test node has no ingest processors, and a shipper that enriches scales with the shippers, so
cloudsift looks the addresses up itself (normalizer.geo.lookup) when the user supplies a MaxMind
City and/or ASN database. These rows are part of every index mapping whether or not a database is
configured, so turning enrichment on later needs no template change. Nothing here imports
compiled code.
"""
from __future__ import annotations

from normalizer.fieldmap import GEO_POINT, KEYWORD, LONG, Field

# The ECS field sets that hold an address (`<side>.ip`) and get `<side>.geo` / `<side>.as` beside it.
SIDES: tuple[str, ...] = ("source", "destination", "client", "server")

# Datasets whose Elastic layout also has the client's location at the top-level `geo`: Elastic's
# s3access pipeline writes both, and dashboards ported from it read `geo.*`.
MIRRORED: dict[str, tuple[tuple[str, str], ...]] = {
    "aws.s3access": (("client", "geo"),),
}

# The geo fields Elasticsearch's geoip processor writes by default, from a City database record:
# ECS name → the path into the MaxMind record ("names.en" for the English name).
GEO_FROM_CITY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("city_name", ("city", "names", "en")),
    ("continent_name", ("continent", "names", "en")),
    ("country_iso_code", ("country", "iso_code")),
    ("country_name", ("country", "names", "en")),
)
AS_FROM_ASN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("number", ("autonomous_system_number",)),
    ("organization.name", ("autonomous_system_organization",)),
)
# Also written: location (lat/lon), region_iso_code (country-subdivision, "SE-E") and region_name,
# built by normalizer.geo.lookup from the record's location and first subdivision.

_GEO_LEAVES = (*(name for name, _ in GEO_FROM_CITY), "region_iso_code", "region_name")


def _geo_rows(prefix: str) -> tuple[Field, ...]:
    return (*(Field(None, f"{prefix}.{leaf}", KEYWORD) for leaf in _GEO_LEAVES),
            Field(None, f"{prefix}.location", GEO_POINT))  # {"lat": …, "lon": …}: Kibana's maps read it


FIELDS: tuple[Field, ...] = (
    *(row for side in SIDES for row in _geo_rows(f"{side}.geo")),
    *(row for side in SIDES for row in (Field(None, f"{side}.as.number", LONG),
                                        Field(None, f"{side}.as.organization.name", KEYWORD))),
    *(row for mirrors in MIRRORED.values() for _, target in mirrors for row in _geo_rows(target)),
)
