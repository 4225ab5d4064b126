"""POST /v1/webhooks/stripe: Stripe's (or the sandbox's) signed events.

Checks come before any database work: a missing, wrong or stale signature is 400, an event from
the other mode (live vs test) is 400 and stored nowhere. Then webhooks.process_event stores and
applies it; 200 only after that commit, 5xx when Stripe should deliver it again.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from server_bridge.errors import error_response
from server_bridge.gateway import WebhookSignatureError, verify_webhook
from server_bridge.webhooks import EventFailed, EventInFlight, is_event, process_event

router = APIRouter(tags=["webhooks"])


@router.post("/v1/webhooks/stripe")
async def stripe_webhook(request: Request) -> JSONResponse:
    signature = request.headers.get("stripe-signature")
    if not signature:
        return error_response(400, "invalid_signature", "The Stripe-Signature header is missing.")
    settings = request.app.state.settings
    payload = await request.body()
    try:
        event = verify_webhook(payload, signature, settings.webhook_secrets, settings.webhook_tolerance)
    except WebhookSignatureError as exc:
        return error_response(400, "invalid_signature", str(exc))
    if not is_event(event):
        return error_response(400, "invalid_request", "The payload is not a Stripe event.")
    if bool(event.get("livemode")) != bool(settings.livemode):
        return error_response(400, "livemode_mismatch",
                              "The event's livemode does not match this bridge's; it was not stored.")
    try:
        outcome = await run_in_threadpool(
            process_event, request.app.state.sessions, event, payload.decode("utf-8", "replace"))
    except EventInFlight:
        return error_response(503, "event_in_flight", "This event is being applied by another delivery.",
                              {"Retry-After": "1"})
    except EventFailed:
        return error_response(500, "internal_error", "The event could not be applied; it will be retried.")
    if outcome.customer_id and outcome.topics:
        request.app.state.bus.publish(outcome.customer_id, list(outcome.topics))
    return JSONResponse({"received": True, "status": outcome.status})
