"""GET /v1/events: a server-sent event stream telling one owner's desktops what to refresh."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator

from fastapi import APIRouter
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.types import Receive, Scope, Send

from server_bridge.api.deps import BusDep, CurrentTokenDep, OwnerDep, SettingsDep
from server_bridge.api.errors import SIGNED_IN, TooManyStreams, documented
from server_bridge.mirror.notices import Lease, StreamCapReached

router = APIRouter()

PING_SECONDS = 15


class _LeasedStream(EventSourceResponse):
    """Gives the stream's place back however the response ends (finished, client gone, server stopping),
    even if its body never started."""

    def __init__(self, *args: object, lease: Lease, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lease = lease

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.lease.release()


@router.get("/v1/events", response_class=EventSourceResponse, responses={
    200: {"description": "`event: refresh` with `data: {\"topics\": [...]}`; a comment every 15 s. The stream "
                         "ends when its token is revoked or expires or the owner is disabled",
          "content": {"text/event-stream": {}}},
    **documented(*SIGNED_IN, TooManyStreams)})
def events(owner: OwnerDep, token: CurrentTokenDep, bus: BusDep, settings: SettingsDep) -> EventSourceResponse:
    """Streams for as long as the desktop stays connected and its token stays live; the request's session
    closes first."""
    customer_id = owner.stripe_customer_id or f"owner:{owner.id}"
    try:
        lease = bus.lease(token.id, owner.id, per_token=settings.streams_per_token,
                          per_owner=settings.streams_per_owner)
    except StreamCapReached:
        # A place frees when a stream ends; a dead connection is noticed at the latest by the next ping.
        raise TooManyStreams(retry_after=PING_SECONDS + math.ceil(settings.stream_check_seconds)) from None

    async def stream() -> AsyncIterator[ServerSentEvent]:
        async for topics in bus.subscribe(customer_id, lease):
            yield ServerSentEvent(event="refresh", data=json.dumps({"topics": topics}))

    return _LeasedStream(stream(), ping=PING_SECONDS, headers={"Cache-Control": "no-store"}, lease=lease)
