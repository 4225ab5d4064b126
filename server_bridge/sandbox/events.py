"""Events and webhooks: every state change becomes an event, signed and delivered like Stripe's.

Deliveries run on one background thread. Each endpoint gets its events in order: a failed delivery
is retried after the next of `webhook_retry_delays` and holds back the ones behind it; once the
delays are used up the event is given up on (as Stripe does after three days).
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Sequence

import httpx

from server_bridge.sandbox import errors
from server_bridge.sandbox.core import SandboxState
from server_bridge.sandbox.params import as_list, merge_metadata, require
from server_bridge.sandbox.schema import API_VERSION

log = logging.getLogger(__name__)


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header value for one payload."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


@dataclass
class Delivery:
    event_id: str
    payload: bytes
    attempts: int = 0
    due: float = 0.0


class EventsMixin(SandboxState):
    def _init_events(self, retry_delays: Sequence[float]) -> None:
        self.webhook_retry_delays = tuple(retry_delays)
        self._queues: dict[str, collections.deque[Delivery]] = {}
        self._in_flight = 0
        self._wake = threading.Condition(self.lock)
        self._worker: threading.Thread | None = None
        self._stopping = False
        self.delivery_log: list[dict[str, Any]] = []

    # events --------------------------------------------------------------------------------
    def _emit(self, event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
        with self.lock:
            request = getattr(self._context, "request", None) or {"id": None, "idempotency_key": None}
            endpoints = [we for we in self._all("webhook_endpoint")
                         if we["status"] == "enabled"
                         and any(_type_matches(p, event_type) for p in we["enabled_events"])]
            data: dict[str, Any] = {"object": self.render(obj)}
            if previous is not None and event_type.endswith(".updated"):
                data["previous_attributes"] = previous  # Stripe sends them on *.updated events only
            event = self._new("event", {
                "api_version": API_VERSION,
                "data": data,
                "pending_webhooks": len(endpoints),
                "request": dict(request),
                "type": event_type,
                "account": None,
                "context": None,
            })
            if endpoints:
                payload = json.dumps(self.render(event), separators=(",", ":")).encode()
                for we in reversed(endpoints):
                    self._queues.setdefault(we["id"], collections.deque()).append(Delivery(event["id"], payload))
                self._ensure_worker()
                self._wake.notify_all()
            return event

    def list_events(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        kinds = as_list(params, "types") or ([params["type"]] if params.get("type") else [])
        out = []
        for event in self._all("event"):
            if kinds and not any(_type_matches(k, event["type"]) for k in kinds):
                continue
            out.append(event)
        return out

    # webhook endpoints ---------------------------------------------------------------------
    def create_webhook_endpoint(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            url = require(params, "url")
            if not str(url).startswith(("http://", "https://")):
                raise errors.invalid("url", "Invalid URL: must start with http:// or https://")
            events = as_list(params, "enabled_events")
            if not events:
                raise errors.missing("enabled_events")
            secret = "whsec_" + secrets.token_hex(24)
            return self._new("webhook_endpoint", {
                "url": url, "enabled_events": events, "status": "enabled",
                "api_version": params.get("api_version") or None, "application": None,
                "description": params.get("description") or None,
                "metadata": merge_metadata({}, params.get("metadata")), "_secret": secret,
            })

    def update_webhook_endpoint(self, we_id: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            we = self._find("webhook_endpoint", we_id)
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

    def delete_webhook_endpoint(self, we_id: str) -> dict[str, Any]:
        with self.lock:
            we = self._find("webhook_endpoint", we_id)
            we["deleted"] = True
            self._queues.pop(we_id, None)
            return {"id": we_id, "object": "webhook_endpoint", "deleted": True}

    def webhook_secret(self, we_id: str) -> str:
        with self.lock:
            return self._find("webhook_endpoint", we_id)["_secret"]

    # delivery ------------------------------------------------------------------------------
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
        with httpx.Client(timeout=10.0) as client:
            while True:
                with self.lock:
                    while True:
                        if self._stopping:
                            return
                        due = self._next_due()
                        if isinstance(due, tuple):
                            break
                        self._wake.wait(timeout=due)
                    we_id, delivery = due
                    we = self._objects["webhook_endpoint"].get(we_id)
                    if we is None or we.get("deleted"):
                        self._queues.pop(we_id, None)
                        continue
                    url, secret = we["url"], we["_secret"]
                    self._in_flight += 1
                ok, status, error = self._post(client, url, secret, delivery.payload)
                with self.lock:
                    self._in_flight -= 1
                    delivery.attempts += 1
                    self.delivery_log.append({"endpoint": we_id, "event": delivery.event_id, "ok": ok,
                                              "status": status, "error": error, "attempt": delivery.attempts})
                    del self.delivery_log[:-500]
                    queue = self._queues.get(we_id)
                    if queue and queue[0] is delivery:
                        if ok or delivery.attempts > len(self.webhook_retry_delays):
                            queue.popleft()
                            self._settle(delivery.event_id)
                        else:
                            delivery.due = time.monotonic() + self.webhook_retry_delays[delivery.attempts - 1]
                    self._wake.notify_all()

    def _post(self, client: httpx.Client, url: str, secret: str, payload: bytes) -> tuple[bool, int | None, str | None]:
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                   "Stripe-Signature": sign(payload, secret, int(time.time()))}
        try:
            response = client.post(url, content=payload, headers=headers)
        except httpx.HTTPError as exc:
            return False, None, f"{type(exc).__name__}: {exc}"
        return 200 <= response.status_code < 300, response.status_code, None

    def _settle(self, event_id: str) -> None:
        event = self._objects.get("event", {}).get(event_id)
        if event is not None and event["pending_webhooks"] > 0:
            event["pending_webhooks"] -= 1

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """True once no delivery is queued or in flight (False if `timeout` passed first)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while self._in_flight or any(self._queues.values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._wake.wait(timeout=min(remaining, 0.05))
            return True

    def close(self) -> None:
        """Stop the delivery thread (queued deliveries stay queued for a later restart)."""
        with self.lock:
            self._stopping = True
            self._wake.notify_all()
            worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout=15)
        self._worker = None


def _type_matches(pattern: str, event_type: str) -> bool:
    if pattern.endswith("*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type

