"""GET /v1/events: a server-sent event stream telling one owner's desktops what to refresh."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter
from sse_starlette import EventSourceResponse, ServerSentEvent

from server_bridge.deps import BusDep, OwnerDep
from server_bridge.errors import SIGNED_IN, documented

router = APIRouter()

PING_SECONDS = 15


@router.get("/v1/events", response_class=EventSourceResponse, responses={
    200: {"description": "`event: refresh` with `data: {\"topics\": [...]}`; a comment every 15 s",
          "content": {"text/event-stream": {}}},
    **documented(*SIGNED_IN)})
def events(owner: OwnerDep, bus: BusDep) -> EventSourceResponse:
    """Streams for as long as the desktop stays connected; the request's session closes first."""
    customer_id = owner.stripe_customer_id or f"owner:{owner.id}"

    async def stream() -> AsyncIterator[ServerSentEvent]:
        async for topics in bus.subscribe(customer_id):
            yield ServerSentEvent(event="refresh", data=json.dumps({"topics": topics}))

    return EventSourceResponse(stream(), ping=PING_SECONDS, headers={"Cache-Control": "no-store"})
