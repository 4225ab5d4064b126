"""Webhook endpoints and the delivery of events to them, signed and retried as Stripe does.

Deliveries run on one background thread. Each endpoint gets its events in order: a failed delivery
is retried after the next of `retry_delays` and holds back the ones behind it; once the delays are
used up the event is given up on (as Stripe does after three days).
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Sequence

import httpx

from stripe_sandbox import errors
from stripe_sandbox.events import type_matches
from stripe_sandbox.params import as_list, merge_metadata, require
from stripe_sandbox.schema import API_VERSION
from stripe_sandbox.store import Store
from stripe_sandbox.versions import event_at


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header value for one payload."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


# endpoints ---------------------------------------------------------------------------------
def create_webhook_endpoint(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        url = require(params, "url")
        if not str(url).startswith(("http://", "https://")):
            raise errors.invalid("url", "Invalid URL: must start with http:// or https://")
        events = as_list(params, "enabled_events")
        if not events:
            raise errors.missing("enabled_events")
        secret = "whsec_" + secrets.token_hex(24)
        return store.new("webhook_endpoint", {
            "url": url, "enabled_events": events, "status": "enabled",
            "api_version": params.get("api_version") or None, "application": None,
            "description": params.get("description") or None,
            "metadata": merge_metadata({}, params.get("metadata")), "_secret": secret,
            "_connect": params.get("connect") in ("true", True),
        })


def update_webhook_endpoint(store: Store, we_id: str, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        we = store.find("webhook_endpoint", we_id)
        if params.get("url"):
            we["url"] = params["url"]
        if "enabled_events" in params:
            we["enabled_events"] = as_list(params, "enabled_events")
        if "disabled" in params:
            we["status"] = "disabled" if params["disabled"] == "true" else "enabled"
        if "description" in params:
            we["description"] = params["description"] or None
        if "metadata" in params:
            we["metadata"] = merge_metadata(we["metadata"], params["metadata"])
        return we


def delete_webhook_endpoint(store: Store, we_id: str) -> dict[str, Any]:
    with store.lock:
        we = store.find("webhook_endpoint", we_id)
        we["deleted"] = True
        return {"id": we_id, "object": "webhook_endpoint", "deleted": True}


def webhook_secret(store: Store, we_id: str) -> str:
    with store.lock:
        return store.find("webhook_endpoint", we_id)["_secret"]


# delivery ----------------------------------------------------------------------------------
@dataclass
class Delivery:
    event_id: str
    account: str | None
    payload: bytes
    attempts: int = 0
    due: float = 0.0


class Deliveries:
    """Queues each emitted event for the platform's enabled endpoints that listen for its type."""

    def __init__(self, store: Store, retry_delays: Sequence[float]) -> None:
        self.store = store
        self.retry_delays = tuple(retry_delays)
        self.log: list[dict[str, Any]] = []
        self._queues: dict[str, collections.deque[Delivery]] = {}
        self._in_flight = 0
        self._wake = threading.Condition(store.lock)
        self._worker: threading.Thread | None = None
        self._stopping = False
        store.listeners.append(self.enqueue)

    def enqueue(self, event: dict[str, Any]) -> None:
        store = self.store
        with store.lock, store.scoped(None):
            # a connected account's events go to Connect endpoints (connect=true), the platform's to the others
            connected = event.get("account") is not None
            endpoints = [we for we in store.all("webhook_endpoint")
                         if we["status"] == "enabled" and bool(we.get("_connect")) == connected
                         and any(type_matches(p, event["type"]) for p in we["enabled_events"])]
            if not endpoints:
                return
            event["pending_webhooks"] = len(endpoints)
            payloads: dict[str, bytes] = {}
            for we in reversed(endpoints):
                version = we.get("api_version") or API_VERSION
                if version not in payloads:
                    payloads[version] = json.dumps(event_at(store.render(event), version),
                                                   separators=(",", ":")).encode()
                self._queues.setdefault(we["id"], collections.deque()).append(
                    Delivery(event["id"], event.get("account"), payloads[version]))
            self._ensure_worker()
            self._wake.notify_all()

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._stopping = False
            self._worker = threading.Thread(target=self._deliver_forever, name="sandbox-webhooks", daemon=True)
            self._worker.start()

    def _next_due(self) -> tuple[str, Delivery] | float | None:
        """The delivery to make now, or how long to wait for the next one (None: nothing queued)."""
        soonest: float | None = None
        now = time.monotonic()
        for we_id, queue in self._queues.items():
            if not queue:
                continue
            head = queue[0]
            if head.due <= now:
                return we_id, head
            soonest = head.due if soonest is None else min(soonest, head.due)
        return None if soonest is None else soonest - now

    def _deliver_forever(self) -> None:
        store = self.store
        with httpx.Client(timeout=10.0) as client:
            while True:
                with store.lock:
                    while True:
                        if self._stopping:
                            return
                        due = self._next_due()
                        if isinstance(due, tuple):
                            break
                        self._wake.wait(timeout=due)
                    we_id, delivery = due
                    with store.scoped(None):
                        we = store.table("webhook_endpoint").get(we_id)
                    if we is None or we.get("deleted"):
                        self._queues.pop(we_id, None)
                        continue
                    url, secret = we["url"], we["_secret"]
                    self._in_flight += 1
                ok, status, error = _post(client, url, secret, delivery.payload)
                with store.lock:
                    self._in_flight -= 1
                    delivery.attempts += 1
                    self.log.append({"endpoint": we_id, "event": delivery.event_id, "ok": ok,
                                     "status": status, "error": error, "attempt": delivery.attempts})
                    del self.log[:-500]
                    queue = self._queues.get(we_id)
                    if queue and queue[0] is delivery:
                        if ok or delivery.attempts > len(self.retry_delays):
                            queue.popleft()
                            self._settle(delivery)
                        else:
                            delivery.due = time.monotonic() + self.retry_delays[delivery.attempts - 1]
                    self._wake.notify_all()

    def _settle(self, delivery: Delivery) -> None:
        with self.store.scoped(delivery.account):
            event = self.store.table("event").get(delivery.event_id)
        if event is not None and event["pending_webhooks"] > 0:
            event["pending_webhooks"] -= 1

    def wait(self, timeout: float = 10.0) -> bool:
        """True once no delivery is queued or in flight (False if `timeout` passed first)."""
        deadline = time.monotonic() + timeout
        with self.store.lock:
            while self._in_flight or any(self._queues.values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._wake.wait(timeout=min(remaining, 0.05))
            return True

    def close(self) -> None:
        """Stop the delivery thread (queued deliveries stay queued for a later restart)."""
        with self.store.lock:
            self._stopping = True
            self._wake.notify_all()
            worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout=15)
        self._worker = None


def _post(client: httpx.Client, url: str, secret: str, payload: bytes) -> tuple[bool, int | None, str | None]:
    headers = {"Content-Type": "application/json; charset=utf-8",
               "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
               "Stripe-Signature": sign(payload, secret, int(time.time()))}
    try:
        response = client.post(url, content=payload, headers=headers)
    except httpx.HTTPError as exc:
        return False, None, f"{type(exc).__name__}: {exc}"
    return 200 <= response.status_code < 300, response.status_code, None
