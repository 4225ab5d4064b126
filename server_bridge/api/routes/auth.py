"""Sign in, sign out, and who am I."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from server_bridge.api import schemas
from server_bridge.api.deps import BusDep, CurrentTokenDep, OwnerDep, SessionDep
from server_bridge.api.errors import SIGNED_IN, Busy, InvalidCredentials, InvalidRequest, TooManyAttempts, documented
from server_bridge.auth import owners
from server_bridge.billing.owner import is_live
from server_bridge.billing.stripe_objects import Subscription
from server_bridge.db.models import Owner
from server_bridge.edge import validation
from server_bridge.edge.client_address import client_address
from server_bridge.mirror import store
from server_bridge.mirror.notices import EventBus

log = logging.getLogger(__name__)
router = APIRouter()


class LoginRequest(BaseModel):
    email: validation.Email
    password: validation.Password
    device: validation.DeviceName
    device_proof: validation.DeviceProof | None = Field(
        default=None, description="The device_proof of this device's last sign-in, if it has one.")


@router.post("/v1/auth/login", responses=documented(InvalidRequest, InvalidCredentials, TooManyAttempts, Busy))
async def login(body: LoginRequest, request: Request) -> schemas.SignedIn:
    """Async so that a sign-in waiting for its turn at a password check holds no worker thread."""
    state = request.app.state
    signed_in = await owners.sign_in(state.sessions, state.settings, state.password_checks, email=body.email,
                                     password=body.password, device=body.device, device_proof=body.device_proof,
                                     address=client_address(request, state.settings))
    return schemas.SignedIn(token=signed_in.token, expires_at=signed_in.expires_at,
                            owner=schemas.OwnerEmail(email=signed_in.owner.email),
                            device_proof=signed_in.device_proof)


@router.post("/v1/auth/logout", status_code=204, responses=documented(*SIGNED_IN))
def logout(token: CurrentTokenDep, session: SessionDep) -> Response:
    owners.sign_out(session, token)
    return Response(status_code=204)


@router.get("/v1/me", responses=documented(*SIGNED_IN))
def me(owner: OwnerDep, token: CurrentTokenDep, session: SessionDep, request: Request, bus: BusDep) -> schemas.Me:
    _first_sight(request, session, owner, bus)
    return schemas.Me(email=owner.email, device=token.device, token_expires_at=token.expires_at,
                      has_subscription=has_subscription(session, owner.stripe_customer_id))


def _first_sight(request: Request, session: Session, owner: Owner, bus: EventBus) -> None:
    """Backfill an owner the store has never seen, so has_subscription is right from the first call.

    If Stripe cannot answer now, the store's answer stands; the billing reads will backfill later.
    """
    gateway = request.app.state.gateway
    if gateway is None or not owner.stripe_customer_id:
        return
    from server_bridge.gateway import StripeRefused, StripeUnavailable
    from server_bridge.mirror.sync import ensure_fresh

    try:
        ensure_fresh(session, gateway, owner, plan_prices=request.app.state.settings.plans.values(), bus=bus)
    except (StripeUnavailable, StripeRefused):
        log.warning("could not backfill %s on first sight; answering from the store", owner.email)
        session.rollback()


def has_subscription(session: Session, customer_id: str | None) -> bool:
    """A subscription that still bills or can recover."""
    if not customer_id:
        return False
    subscriptions = store.list_objects(session, "subscription", customer_id=customer_id)
    return any(is_live(Subscription.model_validate(s)) for s in subscriptions)
