"""A loopback HTTP proxy in front of the moto server that cuts chosen object downloads short.

The response keeps its real Content-Length, sends half the body and closes the connection: what
a reset connection or a dying load balancer does to a GetObject in flight.
"""
from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import urllib3
from localserver import LocalServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


class CuttingProxy:
    """Forwards every request to `upstream`; GETs whose path contains `cut` lose their second half, `times` times
    (-1: always)."""

    def __init__(self, upstream: str, cut: str, times: int) -> None:
        self.cut, self.left, self.cuts = cut, times, 0
        http = urllib3.PoolManager()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                resp = http.request(self.command, upstream + self.path, body=body, headers=headers,
                                    redirect=False, retries=False, decode_content=False)
                data = resp.data
                cutting = self.command == "GET" and proxy.cut in self.path.partition("?")[0] and proxy.left != 0 and len(data) > 1
                self.send_response(resp.status)
                for key, value in resp.headers.items():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if not cutting:
                    self.wfile.write(data)
                    return
                proxy.left -= 1
                proxy.cuts += 1
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

        self._server = LocalServer(Handler).start()
        self.url = self._server.url

    def close(self) -> None:
        """Stop serving."""
        self._server.stop()
