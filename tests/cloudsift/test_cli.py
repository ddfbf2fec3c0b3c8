"""The command's start-up: only the area being run is imported."""
from __future__ import annotations

import subprocess
import sys

import pytest

from cloudsift.cli import build_parser

# What `--version` and `--help` must not pay for (about a second of imports together).
HEAVY = ("boto3", "botocore", "elasticsearch", "sigma", "normalizer", "detection", "shipper")
REPORT_MODULES = """
import sys
from cloudsift.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)))
"""


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["es", "--help"]])
def test_light_commands_import_no_heavy_package(argv: list[str]) -> None:
    """`cloudsift --version`, `--help` and `es` start without importing boto3, Elasticsearch, pySigma or the normalizer."""
    out = subprocess.run([sys.executable, "-c", REPORT_MODULES, *argv], capture_output=True, text=True,
                         check=True).stdout
    loaded = {name.split(".")[0] for name in out.splitlines()[-1].split()}
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_lazy_help_lists_areas_as_the_full_parser_does() -> None:
    """The top-level help built without loading any area is the help of the parser with every area loaded."""
    assert build_parser(["--help"]).format_help() == build_parser().format_help()
