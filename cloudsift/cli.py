"""The `cloudsift` command: one root, a subcommand per area; the only place that wires parts together."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cloudsift import __version__, cmd_es, cmd_normalize, cmd_rules, cmd_ship
from cloudsift.errors import CloudsiftError

# Each area module adds its own subcommand: name → module with add_parser(subparsers).
AREAS = {
    "es": cmd_es,
    "normalize": cmd_normalize,
    "rules": cmd_rules,
    "ship": cmd_ship,
}


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by tests to check `--help`)."""
    parser = argparse.ArgumentParser(prog="cloudsift", description="AWS security logs from S3 to Elasticsearch, in ECS.")
    parser.add_argument("--version", action="version", version=f"cloudsift {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="area", required=True, metavar="COMMAND")
    for module in AREAS.values():
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
