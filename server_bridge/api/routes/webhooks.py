"""POST /v1/webhooks/stripe: Stripe's (or the sandbox's) signed events.

Checks come before any database work: a missing, wrong or stale signature is 400, an event from
the other mode (live vs test) is 400 and stored nowhere. Then webhooks.process_event stores and
applies it; 200 only after that commit, 5xx when Stripe should deliver it again.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from server_bridge.api import schemas
from server_bridge.api.errors import ApiError, InvalidRequest, documented
from server_bridge.billing import follow_up
from server_bridge.edge.body_limits import TooDeep
from server_bridge.gateway import StripeRefused, StripeTimeout, StripeUnavailable, WebhookSignatureError, verify_webhook
from server_bridge.mirror.webhooks import EventFailed, EventInFlight, is_event, process_event, unstorable

log = logging.getLogger(__name__)
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


WEBHOOK_ERRORS = documented(InvalidSignature, InvalidRequest, LivemodeMismatch, EventNotApplied, EventBeingApplied,
                            StripeUnavailable, StripeTimeout)   # a follow-up at Stripe that failed: Stripe retries


@router.post("/v1/webhooks/stripe", responses=WEBHOOK_ERRORS)
@router.post("/v1/webhooks/stripe/connect", responses=WEBHOOK_ERRORS)
async def stripe_webhook(request: Request) -> schemas.WebhookReceived:
    signature = request.headers.get("stripe-signature")
    if not signature:
        raise InvalidSignature()
    settings = request.app.state.settings
    payload = await request.body()
    try:
        event = verify_webhook(payload, signature, settings.webhook_secrets, settings.webhook_tolerance,
                               max_depth=settings.json_max_depth)
    except WebhookSignatureError as exc:
        raise InvalidSignature(str(exc)) from None
    except TooDeep as exc:
        log.warning("a signed event nested too deeply was refused (%s)", exc)
        raise InvalidRequest(f"The event is {exc}.") from None
    if not is_event(event):
        raise InvalidRequest("The payload is not a Stripe event.")
    reason = unstorable(event)
    if reason:
        log.warning("event %.80r cannot be stored (%s); answered 400", event["id"], reason)
        raise InvalidRequest(f"The event cannot be stored: {reason}.")
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
    topics = set(outcome.topics) if outcome.status in ("applied", "reread") else set()
    gateway = request.app.state.gateway
    if gateway is not None and outcome.status != "ignored" and not event.get("account") and follow_up.needed(event):
        # Also for a redelivered (duplicate) event: the follow-up may be what failed the first time.
        try:
            topics.update(await run_in_threadpool(follow_up.follow_up, request.app.state.sessions, gateway, event))
        except StripeUnavailable:
            log.warning("event %s is stored, but its follow-up at Stripe failed; Stripe will retry", event.get("id"))
            raise
        except StripeRefused:
            log.exception("Stripe refused the follow-up of event %s", event.get("id"))
    customer = outcome.customer_id or follow_up.event_customer(event)
    if customer and topics:
        request.app.state.bus.publish(customer, sorted(topics))
    worker = getattr(request.app.state, "connect_worker", None)
    if worker is not None and outcome.account_id:
        for kind, argument in outcome.follow_ups:
            worker.submit(kind, outcome.account_id, argument)
    return schemas.WebhookReceived(received=True, status=outcome.status)
