"""MaxMind's own test databases (GeoLite2-City-Test, GeoLite2-ASN-Test) for the enrichment tests.

They come with the maxminddb package's source distribution (MaxMind's MaxMind-DB test data,
Apache-2.0 / MIT): pip fetches the sdist of the installed version once, and the two files are
copied out of it into a cache. Their records are MaxMind's test fixtures (89.160.20.156 is in
Linköping, Sweden), the same ones Elastic's pipeline tests were run with, so they are test data,
not geolocation anyone should rely on.

`python -m tests.support.geoip_db` prints the directory holding them (to try enrichment by hand).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

CITY, ASN = "GeoLite2-City-Test.mmdb", "GeoLite2-ASN-Test.mmdb"


def databases() -> Path:
    """The directory holding CITY and ASN, fetched on first use."""
    release = version("maxminddb")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cloudsift" / "geoip-test" / release
    if all((cache / name).is_file() for name in (CITY, ASN)):
        return cache
    with tempfile.TemporaryDirectory(prefix="cloudsift-geoip-") as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        f"maxminddb=={release}", "--dest", tmp], check=True, timeout=600,
                       stdout=subprocess.DEVNULL)
        sdist = next(Path(tmp).glob("maxminddb-*.tar.gz"))
        cache.mkdir(parents=True, exist_ok=True)
        with tarfile.open(sdist) as archive:
            for name in (CITY, ASN):
                # By exact member name, written under our own name: nothing in the archive picks a path.
                member = archive.getmember(f"maxminddb-{release}/tests/data/test-data/{name}")
                data = archive.extractfile(member)
                assert data is not None, f"{name} is not a file in {sdist.name}"
                partial = cache / (name + ".part")
                partial.write_bytes(data.read())
                partial.replace(cache / name)
    return cache


if __name__ == "__main__":
    print(databases())
