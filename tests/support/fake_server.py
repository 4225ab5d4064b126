"""A tiny local HTTP server whose answers a test scripts per path: for faults a real bridge never makes."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Route = Callable[[BaseHTTPRequestHandler], None]


class FakeServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True  # server_close joins every handler thread: nothing outlives the test

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.closing = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeServer
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        path = self.path.split("?", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append((self.command, self.path, dict(self.headers), body))
        route = self.server.routes.get(path)
        if route is None:
            send(self, 404, {"error": {"code": "not_found", "message": "Not found."}})
        else:
            route(self)

    do_GET = do_POST = _handle

    def log_message(self, *args: Any) -> None:
        pass


def send(h: BaseHTTPRequestHandler, status: int, body: Any = None, *, content_type: str = "application/json",
         headers: dict[str, str] | None = None) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(raw)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(raw)


def answer(status: int, body: Any = None, **kwargs: Any) -> Route:
    return lambda h: send(h, status, body, **kwargs)


@contextmanager
def fake_server() -> Iterator[FakeServer]:
    server = FakeServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-bridge")
    thread.start()
    try:
        yield server
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()
        thread.join()
