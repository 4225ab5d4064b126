"""GET /v1/events: a server-sent event stream telling one owner's desktops what to refresh."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from server_bridge import auth
from server_bridge.deps import bearer_token

router = APIRouter()

PING_SECONDS = 15


@router.get("/v1/events")
def events(request: Request) -> EventSourceResponse:
    # Authenticated with a short session of its own: the stream must not hold a connection.
    with request.app.state.sessions() as session:
        _, owner = auth.token_owner(session, bearer_token(request))
        customer_id = owner.stripe_customer_id or f"owner:{owner.id}"
    bus = request.app.state.bus

    async def stream() -> AsyncIterator[ServerSentEvent]:
        async for topics in bus.subscribe(customer_id):
            yield ServerSentEvent(event="refresh", data=json.dumps({"topics": topics}))

    return EventSourceResponse(stream(), ping=PING_SECONDS, headers={"Cache-Control": "no-store"})
