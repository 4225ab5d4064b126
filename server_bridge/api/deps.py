"""Typed dependencies for the routes: `def route(owner: OwnerDep, session: SessionDep)`.

Anything that touches the database is a plain `def`, so FastAPI runs it on its thread pool and the
event loop (which also serves event streams and webhooks) never waits on a query. Those that only
read app.state are async: there is nothing to wait for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from server_bridge.auth import owners
from server_bridge.billing.service import BillingService
from server_bridge.db.models import Owner, Token
from server_bridge.gateway import StripeCalls, StripeUnavailable
from server_bridge.mirror.notices import EventBus
from server_bridge.settings import Settings


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; the route commits what it wants kept, the rest is rolled back.

    Closed before a response body streams (scope="function"), so a long download or event
    stream never holds a database connection.
    """
    with request.app.state.sessions() as session:
        yield session


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
    token, owner = owners.token_owner(session, bearer_token(request))
    request.state.owner = owner
    return token


CurrentTokenDep = Annotated[Token, Depends(get_current_token)]


async def get_owner(request: Request, token: CurrentTokenDep) -> Owner:
    return request.state.owner


OwnerDep = Annotated[Owner, Depends(get_owner)]


async def get_gateway(request: Request) -> StripeCalls:
    gateway = request.app.state.gateway
    if gateway is None:
        raise StripeUnavailable("The bridge has no Stripe key configured.")
    return gateway


GatewayDep = Annotated[StripeCalls, Depends(get_gateway)]


async def get_bus(request: Request) -> EventBus:
    return request.app.state.bus


BusDep = Annotated[EventBus, Depends(get_bus)]


async def get_billing(session: SessionDep, owner: OwnerDep, gateway: GatewayDep, settings: SettingsDep,
                      bus: BusDep) -> BillingService:
    """The signed-in owner's billing: every lookup goes through this owner."""
    return BillingService(session=session, gateway=gateway, settings=settings, owner=owner, bus=bus)


BillingDep = Annotated[BillingService, Depends(get_billing)]
