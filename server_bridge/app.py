"""The bridge's app factory: everything a bridge needs hangs off app.state, nothing is global."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import import_module
from typing import Any

from fastapi import FastAPI

from server_bridge import db, errors
from server_bridge.connect.worker import ConnectWorker
from server_bridge.events import EventBus, PostgresRelay
from server_bridge.settings import Settings

ROUTERS = ("auth", "oauth", "billing", "connect", "webhooks", "events", "pages", "identity")


def _default_gateway(settings: Settings) -> Any:
    if settings.stripe_secret_key is None:
        return None
    from server_bridge.gateway import Gateway

    return Gateway(settings)


def _oidc_provider(settings: Settings) -> Any:
    if not settings.oidc_enabled:
        return None
    from server_bridge.identity.oidc import Provider

    return Provider(settings)


def create_app(settings: Settings, *, gateway: Any | None = None) -> FastAPI:
    """A bridge for `settings`. Runs no migrations: `billing-bridge serve`/`db upgrade` do."""
    engine = db.make_engine(settings.database_url)
    bus = EventBus()
    own_gateway = gateway is None
    gateway = gateway if gateway is not None else _default_gateway(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if engine.dialect.name == "postgresql":
            bus.relay = PostgresRelay.for_url(bus, engine.url)
            await asyncio.to_thread(bus.relay.start)
        yield
        if app.state.connect_worker is not None:
            await asyncio.to_thread(app.state.connect_worker.close)
        await asyncio.to_thread(bus.close)
        if own_gateway and gateway is not None:
            gateway.close()
        engine.dispose()

    app = FastAPI(title="Billing Manager bridge", version="1", lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = db.make_sessions(engine)
    app.state.gateway = gateway
    app.state.bus = bus
    app.state.oidc = _oidc_provider(settings)
    app.state.connect_worker = (ConnectWorker(app.state.sessions, gateway, bus=bus,
                                              rate=settings.connect_requests_per_second)
                                if gateway is not None else None)
    errors.install_handlers(app)
    for name in ROUTERS:
        app.include_router(import_module(f"server_bridge.routes.{name}").router)
    return app
