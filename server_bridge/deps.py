"""Typed dependencies for the routes: `def route(owner: OwnerDep, session: SessionDep)`.

Those that only read app.state are async: FastAPI runs every sync dependency on its thread pool,
and each hop costs a measurable share of a warm read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from server_bridge import auth, errors
from server_bridge.events import EventBus
from server_bridge.models import Owner, Token
from server_bridge.settings import Settings

if TYPE_CHECKING:
    from server_bridge.gateway import Gateway


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session per request; the route commits what it wants kept, the rest is rolled back.

    Closed before a response body streams (scope="function"), so a long download or event
    stream never holds a database connection.
    """
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.close()  # hands the connection back: no I/O beyond a rollback, not worth a thread hop


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def get_current_token(request: Request, session: SessionDep) -> Token:
    token, owner = auth.token_owner(session, bearer_token(request))
    request.state.owner = owner
    return token


CurrentTokenDep = Annotated[Token, Depends(get_current_token)]


async def get_owner(request: Request, token: CurrentTokenDep) -> Owner:
    return request.state.owner


OwnerDep = Annotated[Owner, Depends(get_owner)]


def get_gateway(request: Request) -> "Gateway":
    """Plain function, callable from other dependencies; GatewayDep wraps it without a thread hop."""
    gateway = request.app.state.gateway
    if gateway is None:
        raise errors.stripe_unavailable("The bridge has no Stripe key configured.")
    return gateway


async def _gateway(request: Request) -> "Gateway":
    return get_gateway(request)


GatewayDep = Annotated[Any, Depends(_gateway)]


async def get_bus(request: Request) -> EventBus:
    return request.app.state.bus


BusDep = Annotated[EventBus, Depends(get_bus)]
