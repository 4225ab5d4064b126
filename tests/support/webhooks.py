"""Stripe webhooks by hand: signed payloads (`signature`), events and subscriptions in Stripe's shape,
and `Receiver`, an endpoint that takes the sandbox's deliveries (failing the first few on request)."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import uuid
from typing import Any

from fastapi import FastAPI, Request, Response

from stripe_sandbox.serving import ThreadedServer

SECRET = "whsec_tests_only"


def signature(payload: bytes, secret: str = SECRET, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def event(kind: str, obj: dict[str, Any], *, created: int | None = None, event_id: str | None = None,
          livemode: bool = False) -> dict[str, Any]:
    return {"id": event_id or f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "api_version": "2026-10-28.endive",
            "created": int(time.time()) if created is None else created, "livemode": livemode,
            "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None}, "type": kind,
            "data": {"object": obj, "previous_attributes": {}}}


def subscription(sub_id: str = "sub_1", customer: str = "cus_1", **fields: Any) -> dict[str, Any]:
    return {"id": sub_id, "object": "subscription", "customer": customer, "status": "active", "created": 1,
            "cancel_at_period_end": False, "cancel_at": None,
            "items": {"object": "list", "data": [{"id": "si_1", "price": {"id": "price_pro", "unit_amount": 2500,
                                                                            "currency": "usd"},
                                                  "quantity": 1, "current_period_end": 2000000000}]},
            **fields}


class Receiver:
    """A tiny webhook receiver that fails the first `failures` deliveries."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.bodies: list[tuple[bytes, str]] = []
        self.attempts = 0
        self.lock = threading.Lock()
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            body = await request.body()
            with self.lock:
                self.attempts += 1
                if self.attempts <= self.failures:
                    return Response(status_code=500)
                self.bodies.append((body, request.headers.get("stripe-signature", "")))
            return Response(status_code=200)

        self.server = ThreadedServer(app)
