"""The bridge's app factory: everything a bridge needs hangs off app.state, nothing is global."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pydantic import SecretStr

from server_bridge import db
from server_bridge.api import errors
from server_bridge.api.routes import ROUTERS
from server_bridge.auth import owners
from server_bridge.auth.password_checks import PasswordChecks
from server_bridge.connect.worker import ConnectWorker
from server_bridge.edge import body_limits
from server_bridge.edge.deadline import Deadline
from server_bridge.gateway import Gateway, StripeCalls
from server_bridge.mirror.notices import EventBus, PostgresRelay, StreamWarden
from server_bridge.settings import Settings

log = logging.getLogger(__name__)


def _default_gateway(settings: Settings) -> Gateway | None:
    return Gateway(settings) if settings.stripe_secret_key is not None else None


def _with_device_proof_secret(settings: Settings) -> Settings:
    if settings.device_proof_secret is not None:
        return settings
    log.warning("BRIDGE_DEVICE_PROOF_SECRET is not set: device proofs last until this bridge restarts "
                "and are not honoured by other bridge instances")
    return settings.model_copy(update={"device_proof_secret": SecretStr(secrets.token_urlsafe(32))})


def _ended_tokens(sessions: Any, token_ids: set[int]) -> set[int]:
    with sessions() as session:
        return owners.ended_tokens(session, token_ids)


def _oidc_provider(settings: Settings) -> Any:
    if not settings.oidc_enabled:
        return None
    from server_bridge.auth.identity.oidc import Provider

    return Provider(settings)


def create_app(settings: Settings, *, gateway: StripeCalls | None = None) -> FastAPI:
    """A bridge for `settings`. Runs no migrations: `billing-bridge serve`/`db upgrade` do."""
    settings = _with_device_proof_secret(settings)
    engine = db.make_engine(settings.database_url)
    bus = EventBus()
    own_gateway = gateway is None
    gateway = gateway if gateway is not None else _default_gateway(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if engine.dialect.name == "postgresql":
            bus.relay = PostgresRelay.for_url(bus, engine.url)
            await asyncio.to_thread(bus.relay.start)
        warden.start()
        yield
        await warden.stop()
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
    app.state.password_checks = PasswordChecks(settings.password_checks_at_once, settings.password_check_wait_seconds)
    warden = StreamWarden(bus, lambda ids: _ended_tokens(app.state.sessions, ids), settings.stream_check_seconds)
    app.state.oidc = _oidc_provider(settings)
    app.state.connect_worker = (ConnectWorker(app.state.sessions, gateway, bus=bus,
                                              rate=settings.connect_requests_per_second)
                                if gateway is not None else None)
    errors.install_handlers(app)
    app.add_middleware(Deadline, seconds=settings.request_deadline)
    app.add_middleware(body_limits.BodyLimits, limits=body_limits.route_limits(settings), default=settings.body_limit)
    for router in ROUTERS:
        app.include_router(router)
    return app
