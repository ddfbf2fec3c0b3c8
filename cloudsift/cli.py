"""The `cloudsift` command: one root, a subcommand per area; the only place that wires parts together."""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from cloudsift import __version__
from cloudsift.errors import CloudsiftError

# Each area module adds its own subcommand: name → (module with add_parser(subparsers), its one-line
# summary for `cloudsift --help`). Only the module of the command being run is imported: the others
# pull in boto3, the Elasticsearch client, pySigma and the native normalizer (~1 s), which `--version`,
# `--help` and `es` need not pay.
AREAS: dict[str, tuple[str, str]] = {
    "es": ("cloudsift.cmd_es", "run the local Elasticsearch node (tests and demo)"),
    "normalize": ("cloudsift.cmd_normalize", "normalize one raw AWS log file to ECS JSON lines"),
    "rules": ("cloudsift.cmd_rules", "check, test and compile the Sigma rule pack"),
    "ship": ("cloudsift.cmd_ship", "ship AWS logs from S3, SQS or a directory to Elasticsearch"),
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; with `argv`, only the area it names is loaded in full, else every area."""
    parser = argparse.ArgumentParser(prog="cloudsift", description="AWS security logs from S3 to Elasticsearch, in ECS.")
    parser.add_argument("--version", action="version", version=f"cloudsift {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="area", required=True, metavar="COMMAND")
    # The root takes no option with a value, so the first word that is not an option names the area.
    named = next((arg for arg in argv if not arg.startswith("-")), None) if argv is not None else None
    for name, (module, summary) in AREAS.items():
        if argv is None or name == named:
            importlib.import_module(module).add_parser(sub)
        else:
            sub.add_parser(name, help=summary)  # listed in --help; never parsed
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit status."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except CloudsiftError as exc:
        if args.debug:
            raise
        print(f"cloudsift: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cloudsift: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `cloudsift normalize … | head`: the reader left; that is not an error.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
