"""A bridge without Stripe, served in this process on a free port (`serve_bridge`), and its handle `Bridge`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from server_bridge.app import create_app
from server_bridge.settings import Settings
from stripe_sandbox.serving import ThreadedServer


@dataclass
class Bridge:
    url: str
    app: FastAPI
    settings: Settings

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.app.state.sessions

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10, **kwargs)


@contextmanager
def serve_bridge(database_url: str, data_dir: Path, **overrides: Any) -> Iterator[Bridge]:
    """A bridge without Stripe, served on a free port until the block ends."""
    settings = Settings(**{"database_url": database_url, "data_dir": data_dir, "stripe_secret_key": None,
                           "webhook_secrets": [], "plans": {}, **overrides})
    app = create_app(settings)
    server = ThreadedServer(app)
    url = server.start()
    try:
        yield Bridge(url, app, settings)
    finally:
        app.state.bus.close()
        server.stop()
