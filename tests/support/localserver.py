"""The one lifecycle of the suite's HTTP stubs, proxies and receivers: a server on a free loopback
port, served by a daemon thread, stopped by `stop`."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalServer:
    """`handler` served on 127.0.0.1 (a port of its own); `url` is its base URL."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        # ThreadingHTTPServer's handler threads are daemons: stopping waits neither for a request a test
        # holds back on purpose nor for a client's idle keep-alive connection.
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        assert self._server.daemon_threads
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LocalServer:
        """Start serving (returns itself)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
