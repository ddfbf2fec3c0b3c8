"""The `cloudsift` command: one root, a subcommand per area; the only place that wires parts together."""
from __future__ import annotations

import argparse
import difflib
import os
import signal
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
# What a shell reports for a process that SIGPIPE ended, as `cat` or `grep` would be in the same pipe.
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE


class Parser(argparse.ArgumentParser):
    """argparse that names the closest choice of a mistyped one (argparse has it only from Python 3.14)."""

    def _check_value(self, action: argparse.Action, value: object) -> None:
        try:
            super()._check_value(action, value)
        except argparse.ArgumentError as exc:
            close = difflib.get_close_matches(str(value), [str(c) for c in action.choices or ()], n=1)
            if not close:
                raise
            raise argparse.ArgumentError(action, f"{exc.message}; did you mean {close[0]!r}?") from None


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by tests to check `--help`)."""
    parser = Parser(prog="cloudsift", description="AWS security logs from S3 to Elasticsearch, in ECS.")
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
        status = int(args.run(args) or 0)
        sys.stdout.flush()  # here, where a reader that left is handled, not in the interpreter's exit
        return status
    except CloudsiftError as exc:
        if args.debug:
            raise
        print(f"cloudsift: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cloudsift: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `cloudsift normalize … | head`: the reader left. Quiet, like a tool SIGPIPE ends; not 0,
        # which would claim every record was written. Output still buffered goes nowhere, so the
        # interpreter's last flush cannot complain about the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
