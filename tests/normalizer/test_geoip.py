"""IP enrichment (normalizer/geo): what a MaxMind City / ASN database adds, and what it never touches.

The databases are MaxMind's test fixtures (tests/support/geoip_db.py); their answers for the
addresses below are MaxMind's test records, the ones Elastic's pipeline tests expect.
"""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normalizer.geo.lookup import GeoIP, GeoIPError, open_geoip
from normalizer.records import Normalized
from normalizer.registry import LOG_TYPES
from normalizer.stream import normalize_stream

LINKOPING = {"city_name": "Linköping", "continent_name": "Europe", "country_iso_code": "SE", "country_name": "Sweden",
             "location": {"lat": 58.4167, "lon": 15.6167}, "region_iso_code": "SE-E",
             "region_name": "Östergötland County"}


def s3access_line(ip: str) -> str:
    return (f"79a5 awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] {ip} 79a5 3E57427F3EXAMPLE REST.GET.VERSIONING - "
            '"GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - hostid SigV4 '
            "ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.2")


@pytest.fixture(scope="module")
def geoip(geoip_dbs: tuple[Path, Path]) -> GeoIP:
    city, asn = geoip_dbs
    found = open_geoip(str(city), str(asn), env={})
    assert found is not None
    return found


def enriched(geoip: GeoIP, type_name: str, text: str) -> list[dict]:
    kind = geoip.enriching(LOG_TYPES[type_name])
    results = list(normalize_stream(io.BytesIO(text.encode()), kind, "test.log"))
    assert all(isinstance(r, Normalized) for r in results), results
    return [orjson.loads(r.body) for r in results]


def test_an_access_log_client_gets_its_city_and_the_top_level_geo_elastic_writes(geoip: GeoIP) -> None:
    [doc] = enriched(geoip, "s3access", s3access_line("89.160.20.156"))
    assert doc["client"]["geo"] == LINKOPING
    assert doc["geo"] == LINKOPING  # Elastic's s3access layout has both
    assert doc["client"]["as"] == {"number": 29518, "organization": {"name": "Bredband2 AB"}}


def test_both_sides_of_a_flow_are_looked_up(geoip: GeoIP) -> None:
    line = "2 123456789010 eni-1235b8ca123456789 81.2.69.142 1.128.0.1 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
    [doc] = enriched(geoip, "vpcflow", line)
    assert (doc["source"]["geo"]["city_name"], doc["source"]["geo"]["country_iso_code"]) == ("London", "GB")
    assert doc["destination"]["as"] == {"number": 1221, "organization": {"name": "Telstra Pty Ltd"}}
    assert "geo" not in doc  # the top-level mirror is s3access's only


def test_private_unknown_and_non_addresses_get_nothing(geoip: GeoIP) -> None:
    for ip in ("10.0.0.1", "192.0.2.1", "-", "::1"):
        [doc] = enriched(geoip, "s3access", s3access_line(ip))
        assert "geo" not in doc and "geo" not in doc.get("client", {}) and "as" not in doc.get("client", {}), ip
    # Sources that keep a bad address as written (an app's source.ip): the lookup says nothing.
    assert geoip.geo("not-an-address") is None and geoip.asn("1.2.3.4.5") is None


def _waf(country: str) -> str:
    record = {"timestamp": 1576280412771, "formatVersion": 1, "webaclId": "arn:aws:wafv2:ap-southeast-2:1:regional/webacl/x/1",
              "action": "ALLOW", "terminatingRuleId": "Default_Action", "terminatingRuleType": "REGULAR",
              "httpSourceName": "ALB", "httpSourceId": "1-app/x/1",
              "httpRequest": {"clientIp": "89.160.20.156", "country": country, "headers": [], "uri": "/",
                              "args": "", "httpVersion": "HTTP/1.1", "httpMethod": "GET", "requestId": "r1"}}
    return orjson.dumps(record).decode()


def test_what_the_source_wrote_wins_and_the_database_fills_the_rest(geoip: GeoIP) -> None:
    """WAF states the client's country (rules on httpRequest.country query it); the database adds the rest."""
    [doc] = enriched(geoip, "waf", _waf("SE"))
    assert doc["source"]["geo"] == LINKOPING


def test_a_database_that_places_the_address_elsewhere_adds_nothing(geoip: GeoIP) -> None:
    """AWS says Norway, the database Sweden: the source's answer stays alone, never a Swedish city in Norway."""
    [doc] = enriched(geoip, "waf", _waf("NO"))
    assert doc["source"]["geo"] == {"country_iso_code": "NO"}
    assert doc["source"]["as"] == {"number": 29518, "organization": {"name": "Bredband2 AB"}}  # WAF wrote no AS


def test_a_document_without_an_address_is_passed_through_byte_for_byte(geoip: GeoIP) -> None:
    line = s3access_line("-")
    plain = [r.body for r in normalize_stream(io.BytesIO(line.encode()), "s3access", "test.log")]
    kind = geoip.enriching(LOG_TYPES["s3access"])
    assert [r.body for r in normalize_stream(io.BytesIO(line.encode()), kind, "test.log")] == plain


def test_only_a_city_database_adds_geo_and_no_as(geoip_dbs: tuple[Path, Path]) -> None:
    city_only = open_geoip(str(geoip_dbs[0]), None, env={})
    assert city_only is not None
    [doc] = enriched(city_only, "s3access", s3access_line("89.160.20.156"))
    assert doc["client"]["geo"] == LINKOPING and "as" not in doc["client"]


def test_the_environment_names_the_databases_when_nothing_else_does(geoip_dbs: tuple[Path, Path]) -> None:
    assert open_geoip(None, None, env={}) is None
    from_env = open_geoip(None, None, env={"CLOUDSIFT_GEOIP_ASN": str(geoip_dbs[1])})
    assert from_env is not None and from_env.asn("1.128.0.1") == {"number": 1221, "organization": {"name": "Telstra Pty Ltd"}}


def test_a_database_that_cannot_be_used_is_named(tmp_path: Path, geoip_dbs: tuple[Path, Path]) -> None:
    with pytest.raises(GeoIPError, match=r"GeoIP City database .*missing\.mmdb"):
        open_geoip(str(tmp_path / "missing.mmdb"), None, env={})
    garbage = tmp_path / "garbage.mmdb"
    garbage.write_bytes(b"\x00" * 4096)
    with pytest.raises(GeoIPError, match="garbage.mmdb"):
        open_geoip(None, str(garbage), env={})
    with pytest.raises(GeoIPError, match="it is a GeoLite2-ASN database"):
        open_geoip(str(geoip_dbs[1]), None, env={})  # the ASN file given as the City one


def test_cloudsift_normalize_enriches_with_the_databases_it_is_given(tmp_path: Path, geoip_dbs: tuple[Path, Path]) -> None:
    log = tmp_path / "access.log"
    log.write_text(s3access_line("89.160.20.156") + "\n")
    cli = [sys.executable, "-m", "cloudsift.cli", "normalize", "--type", "s3access", str(log)]
    done = subprocess.run([*cli, "--geoip-city", str(geoip_dbs[0]), "--geoip-asn", str(geoip_dbs[1])],
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["client"]["geo"] == LINKOPING
    bad = subprocess.run([*cli, "--geoip-city", str(tmp_path / "nope.mmdb")], check=False, capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode != 0 and not bad.stdout
    assert "GeoIP City database" in bad.stderr and "nope.mmdb" in bad.stderr and "Traceback" not in bad.stderr


_json = st.recursive(st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=40),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                     max_leaves=12)
_address_like = st.sampled_from(["89.160.20.156", "81.2.69.142", "2a02:cf40::1", "10.0.0.1", "", "1.2.3", "::"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(side=st.sampled_from(["source", "destination", "client", "server"]),
       ip=_address_like | _json, geo=st.none() | _json, extra=st.dictionaries(st.text(max_size=8), _json, max_size=3))
def test_hostile_side_objects_never_break_enrichment_nor_lose_what_they_hold(
        geoip: GeoIP, side: str, ip: object, geo: object, extra: dict) -> None:
    """Whatever an app's record puts at <side>.ip / <side>.geo, the document comes out, with all it had."""
    node = {**extra, "ip": ip} if geo is None else {**extra, "ip": ip, "geo": geo}
    doc = {"@timestamp": "2026-11-20T08:00:00Z", "message": "m", side: node}
    kind = geoip.enriching(LOG_TYPES["applog"])
    [result] = list(normalize_stream(io.BytesIO(orjson.dumps(doc) + b"\n"), kind, "app.log"))
    [plain] = list(normalize_stream(io.BytesIO(orjson.dumps(doc) + b"\n"), "applog", "app.log"))
    assert type(result) is type(plain)
    if isinstance(result, Normalized) and isinstance(plain, Normalized):
        before, after = orjson.loads(plain.body), orjson.loads(result.body)
        assert _contains(after, before)


def _contains(big: object, small: object) -> bool:
    """Every value of `small` is in `big` at the same place (enrichment only adds)."""
    if isinstance(small, dict):
        return isinstance(big, dict) and all(k in big and _contains(big[k], v) for k, v in small.items())
    return big == small
