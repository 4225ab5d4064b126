"""What one request may make the bridge hold: its body's size, per route, and its JSON's depth.

Sizes come from the settings (`sign_in_body_limit`, `webhook_body_limit`, `body_limit` for every other
route); a body over its route's limit answers 413 `payload_too_large` before it is read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server_bridge.api.errors import PayloadTooLarge, error_response
from server_bridge.settings import Settings

SIGN_IN_PATHS = ("/v1/auth/login", "/v1/auth/token", "/v1/auth/authorize")
WEBHOOK_PATHS = ("/v1/webhooks/stripe", "/v1/webhooks/stripe/connect")


def route_limits(settings: Settings) -> dict[str, int]:
    """The routes whose bodies may be larger or must be smaller than `settings.body_limit`."""
    return {**{path: settings.sign_in_body_limit for path in SIGN_IN_PATHS},
            **{path: settings.webhook_body_limit for path in WEBHOOK_PATHS}}


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than this address takes (at most {limit} bytes).")


class BodyTooLarge(HTTPException):
    """Raised from `receive` once the bytes read pass the limit. An HTTPException, because FastAPI lets
    those through its body parsing (anything else there becomes a 400); errors.http_error answers it."""

    def __init__(self, limit: int) -> None:
        refusal = too_large(limit)
        super().__init__(refusal.status, refusal.message, headers=refusal.headers)


class BodyLimits:
    """Bound every request body by its route's limit (pure ASGI, outside everything else).

    A Content-Length over the limit is answered at once, without calling the app. A body without one
    (chunked), or with one that undercounts, is counted as the app reads it: the read that passes the
    limit raises BodyTooLarge instead of returning the bytes. Starlette's RequestBodyLimitMiddleware
    does the counting too, but answers in plain text and only once the route has run; here the answer
    is the bridge's envelope, and it says `Connection: close` so the rest of the body is never read.
    """

    def __init__(self, app: ASGIApp, limits: Mapping[str, int], default: int) -> None:
        self.app = app
        self.limits = dict(limits)
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await error_response(too_large(limit))(scope, receive, send)
            return
        read = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await error_response(too_large(limit))(scope, receive, send)


class TooDeep(Exception):
    """JSON nested deeper than the bridge takes."""


def loads(text: str | bytes, max_depth: int) -> Any:
    """json.loads, refusing (TooDeep) a document nested more than `max_depth` levels: decoding one that
    is deeper than Python's recursion limit, or storing one near it later, would fail as a bug."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep(f"nested more than {max_depth} levels") from None
    if depth(value) > max_depth:
        raise TooDeep(f"nested more than {max_depth} levels")
    return value


def depth(value: Any) -> int:
    """How many objects and arrays deep `value` is (0 for a number or a string), without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, level = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        pending.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest
