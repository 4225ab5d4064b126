"""POST /v1/webhooks/stripe: Stripe's (or the sandbox's) signed events.

Checks come before any database work: a missing, wrong or stale signature is 400, an event from
the other mode (live vs test) is 400 and stored nowhere. Then webhooks.process_event stores and
applies it; 200 only after that commit, 5xx when Stripe should deliver it again.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from server_bridge import schemas
from server_bridge.errors import ApiError, InvalidRequest, documented
from server_bridge.gateway import WebhookSignatureError, verify_webhook
from server_bridge.webhooks import EventFailed, EventInFlight, is_event, process_event

router = APIRouter(tags=["webhooks"])


class InvalidSignature(ApiError):
    status, code = 400, "invalid_signature"
    default_message = "The Stripe-Signature header is missing."


class LivemodeMismatch(ApiError):
    status, code = 400, "livemode_mismatch"
    default_message = "The event's livemode does not match this bridge's; it was not stored."


class EventBeingApplied(ApiError):
    status, code = 503, "event_in_flight"
    default_message = "This event is being applied by another delivery."
    default_headers = {"Retry-After": "1"}


class EventNotApplied(ApiError):
    status, code = 500, "internal_error"
    default_message = "The event could not be applied; it will be retried."


WEBHOOK_ERRORS = documented(InvalidSignature, InvalidRequest, LivemodeMismatch, EventNotApplied, EventBeingApplied)


@router.post("/v1/webhooks/stripe", responses=WEBHOOK_ERRORS)
@router.post("/v1/webhooks/stripe/connect", responses=WEBHOOK_ERRORS)
async def stripe_webhook(request: Request) -> schemas.WebhookReceived:
    signature = request.headers.get("stripe-signature")
    if not signature:
        raise InvalidSignature()
    settings = request.app.state.settings
    payload = await request.body()
    try:
        event = verify_webhook(payload, signature, settings.webhook_secrets, settings.webhook_tolerance)
    except WebhookSignatureError as exc:
        raise InvalidSignature(str(exc)) from None
    if not is_event(event):
        raise InvalidRequest("The payload is not a Stripe event.")
    if bool(event.get("livemode")) != bool(settings.livemode):
        raise LivemodeMismatch()
    try:
        outcome = await run_in_threadpool(
            process_event, request.app.state.sessions, event, payload.decode("utf-8", "replace"),
            gateway=request.app.state.gateway)
    except EventInFlight:
        raise EventBeingApplied() from None
    except EventFailed:
        raise EventNotApplied() from None
    if outcome.customer_id and outcome.topics:
        request.app.state.bus.publish(outcome.customer_id, list(outcome.topics))
    worker = getattr(request.app.state, "connect_worker", None)
    if worker is not None and outcome.account_id:
        for kind, argument in outcome.follow_ups:
            worker.submit(kind, outcome.account_id, argument)
    return schemas.WebhookReceived(received=True, status=outcome.status)
