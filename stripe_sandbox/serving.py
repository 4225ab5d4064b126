"""Run an ASGI app with uvicorn in a background thread on a port of its own.

Used by `billing-bridge serve --sandbox` (the sandbox beside the bridge), by the tests (a real
server on localhost) and by the benchmarks.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn


@dataclass
class ThreadedServer:
    app: object
    host: str = "127.0.0.1"
    port: int = 0
    log_level: str = "warning"
    _server: uvicorn.Server | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _sock: socket.socket | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def bind(self) -> str:
        """Bind the socket now, so the URL is known before the app starts serving."""
        if self._sock is None:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            # asyncio sets TCP_NODELAY only on sockets it creates; accepted sockets inherit it from the
            # listener on Linux. Without it Nagle + delayed ACK hold every answer back ~40 ms.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.listen(128)
            self._sock = sock
            self.port = sock.getsockname()[1]
        return self.url

    def start(self, timeout: float = 15.0) -> str:
        self.bind()
        # proxy_headers off: the bridge reads a proxy's header itself, and only from trusted proxies
        # (client_address.py); uvicorn's own rewriting would believe any local peer.
        config = uvicorn.Config(self.app, log_level=self.log_level, lifespan="on", access_log=False,
                                proxy_headers=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name=f"uvicorn:{self.port}", daemon=True
        )
        self._thread.start()
        # uvicorn offers no start signal; poll its flag (the thread is already serving).
        deadline = time.monotonic() + timeout
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not self._server.started:
            raise RuntimeError(f"server on {self.url} did not start")
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> "ThreadedServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
