"""`cloudsift es start|stop|status|env`: manage the local default Elasticsearch node (or local cluster)."""
from __future__ import annotations

import argparse
import shlex

from cloudsift import localcluster, localnode
from cloudsift.errors import CloudsiftError


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the `es` subcommand group."""
    p = sub.add_parser("es", help="run the local Elasticsearch node (tests and demo)",
                       description="A real Elasticsearch 9 node (or cluster of nodes) on 127.0.0.1 with security on.")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, func, text in (
        ("start", _start, "start the node (or reuse the running one) and wait until it is healthy"),
        ("stop", _stop, "stop the node this state directory started (never another one)"),
        ("status", _status, "print URL, version and health"),
        ("env", _env, "print shell export lines: eval \"$(cloudsift es env)\""),
    ):
        action = actions.add_parser(name, help=text, description=text)
        action.set_defaults(run=func)
        if name == "start":
            action.add_argument("--nodes", type=int, metavar="N",
                                help="a cluster of N nodes on loopback, transport TLS between them "
                                "(default: 1, or the size of the cluster this state directory holds)")


def _start(args: argparse.Namespace) -> int:
    cfg = localnode.default_config()
    size = args.nodes
    if size is not None and size < 1:
        raise CloudsiftError(f"--nodes must be at least 1, got {size}")
    if localcluster.is_cluster(cfg) or (size or 1) > 1:
        if size == 1:
            raise CloudsiftError(f"{cfg.home} holds a cluster: start it without --nodes, or use another "
                                 "state directory (CLOUDSIFT_ES_HOME) for one node")
        cluster = localcluster.start(cfg, size or len(localcluster.members(cfg)))
        verb = "already running" if not cluster.started else f"started {cluster.started} node(s)"
        print(f"Elasticsearch {cluster.version} cluster of {cluster.nodes} nodes, {verb} (health {cluster.health})")
        print(f"urls:        {cluster.url}")
        info_user = cluster.username
    else:
        info = localnode.start(cfg)
        if info.notice:
            print(f"note: {info.notice}")
        verb = "already running" if info.reused else "started"
        print(f"Elasticsearch {info.version} {verb} at {info.url} (health {info.health})")
        info_user = info.username
    print(f"state:       {cfg.home}")
    print(f"credentials: {cfg.credentials} (user {info_user})")
    print('connect:     eval "$(cloudsift es env)"')
    return 0


def _stop(args: argparse.Namespace) -> int:
    cfg = localnode.default_config()
    # Only the nodes this state directory started: whatever else listens on their ports is left alone.
    if localcluster.is_cluster(cfg):
        stopped = localcluster.stop(cfg)
        print(f"stopped {stopped} node(s) of the cluster of {cfg.home}" if stopped
              else f"no node of the cluster of {cfg.home} is running")
        return 0
    print(f"stopped the node of {cfg.home}" if localnode.stop(cfg) else f"no node of {cfg.home} is running")
    return 0


def _status(args: argparse.Namespace) -> int:
    cfg = localnode.default_config()
    if localcluster.is_cluster(cfg):
        cluster = localcluster.status(cfg)
        print(f"urls:    {cluster.url}\nversion: {cluster.version}\nhealth:  {cluster.health}\n"
              f"nodes:   {cluster.nodes} of {cluster.size}")
        return 0 if cluster.health in ("green", "yellow") and cluster.nodes == cluster.size else 1
    info = localnode.status(cfg)
    print(f"url:     {info.url}\nversion: {info.version}\nhealth:  {info.health}")
    return 0 if info.health in ("green", "yellow") else 1


def _env(args: argparse.Namespace) -> int:
    cfg = localnode.default_config()
    info = localcluster.status(cfg) if localcluster.is_cluster(cfg) else localnode.status(cfg)
    for name, value in (("ELASTICSEARCH_URL", info.url), ("ELASTICSEARCH_USERNAME", info.username),
                        ("ELASTICSEARCH_PASSWORD", info.password)):
        print(f"export {name}={shlex.quote(value)}")
    return 0
