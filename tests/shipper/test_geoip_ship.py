"""`cloudsift ship` with GeoIP databases configured: enriched documents on the real node, their locations
searchable as geo points, and a bad database refused before anything is read."""
from __future__ import annotations

from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from shipper.templates import data_stream

from .conftest import count, ship, write_dir

LINE = ("79a5 awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] {ip} 79a5 {id} REST.GET.OBJECT a.txt "
        '"GET /awsexamplebucket1/a.txt HTTP/1.1" 200 - 113 113 7 - "-" "curl/8" - hostid SigV4 '
        "ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.2")


def test_shipped_access_logs_carry_the_clients_location_as_a_geo_point(
        es: Elasticsearch, es_env, ns: str, tmp_path: Path, geoip_dbs: tuple[Path, Path],
        capsys: pytest.CaptureFixture) -> None:
    lines = [LINE.format(ip=ip, id=f"REQ{n}") for n, ip in enumerate(("89.160.20.156", "81.2.69.142", "10.1.2.3"))]
    src = write_dir(tmp_path / "bucket", {"logs/2019-02-06-00-00-38-1A2B3C4D5E6F7A8B": "\n".join(lines).encode()})
    config = tmp_path / "cloudsift.yaml"
    config.write_text(f"geoip:\n  city: {geoip_dbs[0]}\n  asn: {geoip_dbs[1]}\n")
    status, summary = ship(ns, "--from", str(src), "--config", str(config), capsys=capsys)
    assert status == 0 and summary["indexed"] == 3, summary
    stream = data_stream("aws.s3access", ns)
    assert count(es, stream) == 3
    # Within 50 km of Linköping: the Swedish client only (London's is 1,400 km away, 10.1.2.3 has no location).
    near = es.search(index=stream, query={"geo_distance": {"distance": "50km", "client.geo.location":
                                                            {"lat": 58.41, "lon": 15.62}}})
    assert [h["_source"]["client"]["ip"] for h in near["hits"]["hits"]] == ["89.160.20.156"]
    by_country = es.search(index=stream, size=0, aggs={"c": {"terms": {"field": "geo.country_iso_code"}}})
    assert {b["key"] for b in by_country["aggregations"]["c"]["buckets"]} == {"SE", "GB"}
    asn = es.search(index=stream, query={"term": {"client.as.number": 29518}})
    assert asn["hits"]["total"]["value"] == 1


def test_a_database_that_cannot_be_opened_stops_the_run_before_any_object(
        es: Elasticsearch, es_env, ns: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src = write_dir(tmp_path / "bucket", {"logs/2019-02-06-00-00-38-1A2B3C4D5E6F7A8B":
                                          LINE.format(ip="89.160.20.156", id="REQ").encode()})
    config = tmp_path / "cloudsift.yaml"
    config.write_text(f"geoip:\n  city: {tmp_path / 'GeoLite2-City.mmdb'}\n")
    status, _ = ship(ns, "--from", str(src), "--config", str(config))
    out, err = capsys.readouterr()
    assert status == 2 and "indexed" not in out, out
    assert "geoip: GeoIP City database" in err and "GeoLite2-City.mmdb" in err and "Traceback" not in err
