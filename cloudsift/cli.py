"""The `cloudsift` command: one root, a subcommand per area; the only place that wires parts together."""
from __future__ import annotations

import argparse
import difflib
import importlib
import os
import signal
import sys
from collections.abc import Sequence

from cloudsift import __version__
from cloudsift.errors import CloudsiftError

# Each area module adds its own subcommand: name → (module with add_parser(subparsers), its one-line
# summary for `cloudsift --help`). Only the module of the command being run is imported: the others
# pull in boto3, the Elasticsearch client, pySigma and the native normalizer (~1 s), which `--version`,
# `--help` and `es` need not pay.
AREAS: dict[str, tuple[str, str]] = {
    "deploy": ("cloudsift.cmd_deploy", "install cloudsift into an AWS account, Elasticsearch and Kibana"),
    "detect": ("cloudsift.cmd_detect", "run the rule pack against Elasticsearch and write alerts"),
    "es": ("cloudsift.cmd_es", "run the local Elasticsearch node (tests and demo)"),
    "normalize": ("cloudsift.cmd_normalize", "normalize one raw AWS log file to ECS JSON lines"),
    "report": ("cloudsift.cmd_report", "write a self-contained HTML report of the data and alerts"),
    "rules": ("cloudsift.cmd_rules", "check, test and compile the Sigma rule pack"),
    "ship": ("cloudsift.cmd_ship", "ship AWS logs from S3, SQS or a directory to Elasticsearch"),
}
# A rule (or its samples) is wrong: the rule tooling's errors, as `rules check` reports its problems.
EXIT_RULE_PROBLEM = 1
# Usage and environment errors (bad option, unreachable Elasticsearch): argparse's own status.
EXIT_USAGE = 2
# The libraries' root errors (module, class) → exit status. They are looked up when an error escapes,
# never imported for it: a command that did not load a library cannot have raised its errors.
LIBRARY_ERRORS: dict[tuple[str, str], int] = {
    ("deploy.errors", "DeployError"): EXIT_USAGE,
    ("detection.errors", "DetectionError"): EXIT_RULE_PROBLEM,
    ("shipper.errors", "ShipperError"): EXIT_USAGE,
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


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; with `argv`, only the area it names is loaded in full, else every area."""
    parser = Parser(prog="cloudsift", description="AWS security logs from S3 to Elasticsearch, in ECS.")
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


def library_status(exc: BaseException) -> int | None:
    """The exit status of an error of a library the command loaded, or None for any other error."""
    for (module, name), status in LIBRARY_ERRORS.items():
        root = getattr(sys.modules.get(module), name, None)
        if isinstance(root, type) and isinstance(exc, root):
            return status
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit status."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    try:
        status = int(args.run(args) or 0)
        sys.stdout.flush()  # here, where a reader that left is handled, not in the interpreter's exit
        return status
    except CloudsiftError as exc:
        if args.debug:
            raise
        print(f"cloudsift: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("cloudsift: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `cloudsift normalize … | head`: the reader left. Quiet, like a tool SIGPIPE ends; not 0,
        # which would claim every record was written. Output still buffered goes nowhere, so the
        # interpreter's last flush cannot complain about the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        code = library_status(exc)
        if code is None or args.debug:
            raise
        print(f"cloudsift: error: {exc}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
