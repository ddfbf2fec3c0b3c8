"""`cloudsift es start|stop|status|env`: manage the local default Elasticsearch node."""
from __future__ import annotations

import argparse
import shlex

from cloudsift import localnode


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the `es` subcommand group."""
    p = sub.add_parser("es", help="run the local Elasticsearch node (tests and demo)",
                       description="A real single Elasticsearch 9 node on 127.0.0.1 with security on.")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, func, text in (
        ("start", _start, "start the node (or reuse the running one) and wait until it is healthy"),
        ("stop", _stop, "stop the node this state directory started (never another one)"),
        ("status", _status, "print URL, version and health"),
        ("env", _env, "print shell export lines: eval \"$(cloudsift es env)\""),
    ):
        actions.add_parser(name, help=text, description=text).set_defaults(run=func)


def _start(args: argparse.Namespace) -> int:
    cfg = localnode.default_config()
    info = localnode.start(cfg)
    if info.notice:
        print(f"note: {info.notice}")
    verb = "already running" if info.reused else "started"
    print(f"Elasticsearch {info.version} {verb} at {info.url} (health {info.health})")
    print(f"state:       {cfg.home}")
    print(f"credentials: {cfg.credentials} (user {info.username})")
    print('connect:     eval "$(cloudsift es env)"')
    return 0


def _stop(args: argparse.Namespace) -> int:
    cfg = localnode.default_config()
    # Only the node this state directory started: whatever else listens on its port is left alone.
    print(f"stopped the node of {cfg.home}" if localnode.stop(cfg) else f"no node of {cfg.home} is running")
    return 0


def _status(args: argparse.Namespace) -> int:
    info = localnode.status(localnode.default_config())
    print(f"url:     {info.url}\nversion: {info.version}\nhealth:  {info.health}")
    return 0 if info.health in ("green", "yellow") else 1


def _env(args: argparse.Namespace) -> int:
    cfg = localnode.default_config()
    info = localnode.status(cfg)
    for name, value in (("ELASTICSEARCH_URL", info.url), ("ELASTICSEARCH_USERNAME", info.username),
                        ("ELASTICSEARCH_PASSWORD", info.password)):
        print(f"export {name}={shlex.quote(value)}")
    return 0
