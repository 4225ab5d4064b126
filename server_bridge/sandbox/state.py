"""The Sandbox: Stripe's state for one platform account, in memory, plus what tests need around it
(faults, request counts, idempotency records)."""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Sequence

from server_bridge.sandbox import errors
from server_bridge.sandbox.clock import ClockMixin
from server_bridge.sandbox.core import SandboxState
from server_bridge.sandbox.events import EventsMixin

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


class Sandbox(ClockMixin, EventsMixin):
    """All state in memory, guarded by self.lock (a re-entrant lock). Thread-safe."""

    def __init__(self, *, api_key: str = "sk_test_sandbox", start_time: int | None = None,
                 webhook_retry_delays: Sequence[float] = (0.5, 2, 8, 30, 120)) -> None:
        SandboxState.__init__(self, api_key=api_key, start_time=start_time)
        self._init_events(webhook_retry_delays)
        self._faults: collections.deque[Fault] = collections.deque()
        self._requests: collections.Counter[str] = collections.Counter()
        self._recent: collections.deque[dict[str, Any]] = collections.deque(maxlen=100)
        self._idempotency: dict[str, tuple[str, tuple[int, bytes] | None]] = {}

    # faults and request counting -----------------------------------------------------------
    def inject_fault(self, kind: FaultKind, count: int = 1, delay: float = 0.0) -> None:
        """The next `count` API requests answer 500 or 429, or (timeout) wait `delay` seconds first."""
        if kind not in ("500", "429", "timeout"):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self.lock:
            self._faults.extend(Fault(kind, delay) for _ in range(count))

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()

    def _record_request(self, method: str, path: str) -> Fault | None:
        with self.lock:
            self._requests[path] += 1
            self._recent.append({"method": method, "path": path, "at": time.time()})
            return self._faults.popleft() if self._faults else None

    def request_count(self, path_prefix: str = "/v1/") -> int:
        """API requests received whose path starts with the prefix."""
        with self.lock:
            return sum(n for path, n in self._requests.items() if path.startswith(path_prefix))

    def recent_requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self._recent)

    # idempotency ---------------------------------------------------------------------------
    def _idempotency_begin(self, key: str, method: str, path: str, raw: str) -> tuple[int, bytes] | None:
        """The stored answer for a replayed key, None to go ahead; 409 while the first is in flight."""
        request = f"{method} {path} {raw}"
        with self.lock:
            entry = self._idempotency.get(key)
            if entry is None:
                self._idempotency[key] = (request, None)
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

    def _idempotency_end(self, key: str, answer: tuple[int, bytes] | None) -> None:
        """Store the answer for replay; None forgets the key (a 5xx may be retried afresh)."""
        with self.lock:
            if answer is None:
                self._idempotency.pop(key, None)
            else:
                self._idempotency[key] = (self._idempotency[key][0], answer)

    # invoice documents ---------------------------------------------------------------------
    def invoice_pdf(self, invoice_id: str) -> bytes:
        """The invoice as a PDF document (KeyError for an unknown invoice)."""
        with self.lock:
            invoice = self.get("invoice", invoice_id)
            if invoice is None:
                raise KeyError(invoice_id)
            customer = self.get("customer", invoice["customer"]) or {}
        try:
            from server_bridge.sandbox import pdf
        except ImportError:
            return _tiny_pdf(f"Invoice {invoice.get('number') or invoice_id}")
        return pdf.render_invoice_pdf(invoice, customer)

    def seed_demo_owners(self, prices: Mapping[str, str]) -> dict[str, str]:
        """The four demo owners ({"starter": price, "pro": price} -> {email: customer id})."""
        from server_bridge.sandbox.seed import seed_demo_owners
        return seed_demo_owners(self, prices)


def _tiny_pdf(text: str) -> bytes:
    """A minimal valid one-page PDF, for when the real renderer is not installed."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 18 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


__all__ = ["Sandbox", "Fault"]
