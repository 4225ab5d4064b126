"""The Sandbox: one platform's Stripe state (a Store) with what serving it needs around it: webhook
delivery, injected faults, request counts and idempotency records."""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Sequence

from stripe_sandbox import clock, errors
from stripe_sandbox.billing import pdf, seed
from stripe_sandbox.billing.dunning import Dunning
from stripe_sandbox.connect import Connect
from stripe_sandbox.connect import seed as connect_seed
from stripe_sandbox.store import Store
from stripe_sandbox.webhooks import Deliveries

FaultKind = Literal["500", "429", "timeout"]


@dataclass
class Fault:
    kind: FaultKind
    delay: float = 0.0

    def error(self) -> errors.StripeError:
        if self.kind == "429":
            return errors.StripeError("Too many requests hit the API too quickly.", code="rate_limit",
                                      status=429)
        return errors.ApiFault("An unknown error occurred (injected by the sandbox).", status=500)


class Idempotency:
    """Stored answers by Idempotency-Key: a replay answers the first response without a second write."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[str, tuple[int, bytes] | None]] = {}

    def begin(self, key: str, method: str, path: str, raw: str) -> tuple[int, bytes] | None:
        """The stored answer for a replayed key, None to go ahead; 409 while the first is in flight."""
        request = f"{method} {path} {raw}"
        entry = self._entries.get(key)
        if entry is None:
            self._entries[key] = (request, None)
            return None
        seen, answer = entry
        if seen != request:
            raise errors.IdempotencyError(
                "Keys for idempotent requests can only be used with the same parameters they were first "
                f"used with. Try using a key other than '{key}' if you meant to execute a different request.")
        if answer is None:
            raise errors.StripeError("There is currently another in-progress request using this "
                                     "Idempotent Key (that probably means you submitted twice, and the other "
                                     "request is still going through): " + key,
                                     code="idempotency_key_in_use", status=409)
        return answer

    def end(self, key: str, answer: tuple[int, bytes] | None) -> None:
        """Store the answer for replay; None forgets the key (a 5xx may be retried afresh)."""
        if answer is None:
            self._entries.pop(key, None)
        else:
            self._entries[key] = (self._entries[key][0], answer)


class Sandbox:
    """All state in memory, guarded by `store.lock` (a re-entrant lock). Thread-safe.

    The resource modules (customers, cards, catalog, subscriptions, schedules, invoices, previews,
    checkout, portal, webhooks, events, clock) are functions over `sandbox.store`."""

    def __init__(self, *, api_key: str = "sk_test_sandbox", start_time: int | None = None,
                 webhook_retry_delays: Sequence[float] = (0.5, 2, 8, 30, 120), dunning: Dunning | None = None) -> None:
        self.api_key = api_key
        self.store = Store(start_time=start_time)
        self.store.dunning = dunning or Dunning()
        self.deliveries = Deliveries(self.store, webhook_retry_delays)
        self.idempotency = Idempotency()
        self._faults: collections.deque[Fault] = collections.deque()
        self._requests: collections.Counter[str] = collections.Counter()
        self._recent: collections.deque[dict[str, Any]] = collections.deque(maxlen=100)

    @property
    def base_url(self) -> str:
        return self.store.base_url

    @base_url.setter
    def base_url(self, url: str) -> None:
        self.store.base_url = url

    @property
    def lock(self) -> Any:
        return self.store.lock

    # time ----------------------------------------------------------------------------------
    def now(self) -> int:
        return self.store.now()

    def advance_clock(self, seconds: int) -> None:
        """Move the sandbox clock forward; renew, invoice, charge, retry, fail and fire events on the way."""
        clock.advance(self.store, seconds)

    @property
    def connect(self) -> Connect:
        """Connect: accounts, links, payments, disputes, payouts and sales history on this sandbox."""
        return Connect(self.store)

    # reads for tests and pages -------------------------------------------------------------
    def get(self, kind: str, obj_id: str) -> dict[str, Any] | None:
        """The rendered platform object, or None when there is no such object."""
        with self.store.lock:
            found = self.store.table(kind).get(obj_id)
            return None if found is None else self.store.render(found)

    def list(self, kind: str, **equals: object) -> list[dict[str, Any]]:
        """Rendered objects whose top-level fields equal the filters, newest first."""
        with self.store.lock:
            return [self.store.render(o) for o in self.store.all(kind)
                    if all(o.get(k) == v for k, v in equals.items())]

    # faults and request counting -----------------------------------------------------------
    def inject_fault(self, kind: FaultKind, count: int = 1, delay: float = 0.0) -> None:
        """The next `count` API requests answer 500 or 429, or (timeout) wait `delay` seconds first."""
        if kind not in ("500", "429", "timeout"):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self.store.lock:
            self._faults.extend(Fault(kind, delay) for _ in range(count))

    def clear_faults(self) -> None:
        with self.store.lock:
            self._faults.clear()

    def record_request(self, method: str, path: str) -> Fault | None:
        """Count an API request; the fault queued for it, if any."""
        with self.store.lock:
            self._requests[path] += 1
            self._recent.append({"method": method, "path": path, "at": time.time()})
            return self._faults.popleft() if self._faults else None

    def request_count(self, path_prefix: str = "/v1/") -> int:
        """API requests received whose path starts with the prefix."""
        with self.store.lock:
            return sum(n for path, n in self._requests.items() if path.startswith(path_prefix))

    def recent_requests(self) -> list[dict[str, Any]]:
        with self.store.lock:
            return list(self._recent)

    # webhooks ------------------------------------------------------------------------------
    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """True once no webhook delivery is queued or in flight (False if `timeout` passed first)."""
        return self.deliveries.wait(timeout)

    def close(self) -> None:
        """Stop the webhook delivery thread."""
        self.deliveries.close()

    # documents and demo data ---------------------------------------------------------------
    def invoice_pdf(self, invoice_id: str) -> bytes:
        """The invoice as a PDF document (KeyError for an unknown invoice)."""
        with self.store.lock:
            invoice = self.get("invoice", invoice_id)
            if invoice is None:
                raise KeyError(invoice_id)
            customer = self.get("customer", invoice["customer"]) or {}
        return pdf.render_invoice_pdf(invoice, customer)

    def seed_demo_accounts(self, sales: int = 2_000) -> dict[str, str]:
        """The demo owners' connected accounts ({email: account id}; new@demo.test has none); `sales`:
        how many charges pro@demo.test's year holds."""
        return connect_seed.seed_demo_accounts(self.connect, sales=sales)

    def seed_demo_owners(self, prices: Mapping[str, str]) -> dict[str, str]:
        """The four demo owners ({"starter": price, "pro": price} -> {email: customer id})."""
        return seed.seed_demo_owners(self.store, prices)


__all__ = ["Sandbox", "Fault", "Idempotency"]
