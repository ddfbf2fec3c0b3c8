"""A real HTTP server on loopback that records webhook POSTs and answers as a test scripts it."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler

import orjson
from localserver import LocalServer


class Receiver:
    """Records each POST (headers, JSON body); answers `statuses` in turn, then 200; can hold requests."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.hold = threading.Event()  # set: requests wait until `release` is set
        self.release = threading.Event()
        self.arrived = threading.Event()  # the first request is here
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.requests.append({"headers": dict(self.headers), "body": orjson.loads(body)})
                owner.arrived.set()
                if owner.hold.is_set():
                    owner.release.wait(60)
                    return  # the client was killed meanwhile: no answer
                status = owner.statuses.pop(0) if owner.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = LocalServer(Handler).start()

    @property
    def url(self) -> str:
        return f"{self._server.url}/hook"

    def close(self) -> None:
        self.release.set()
        self._server.stop()
