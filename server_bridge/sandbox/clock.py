"""Time control: moving the clock runs everything that falls due, in order, at its own moment.

Due things are found one at a time (the earliest first), the clock is set to that moment, and it is
processed: schedule phase switches, then period ends (cancel at period end, or renew: invoice,
charge, past_due on a decline), payment retries (three, then the invoice is uncollectible and the
subscription canceled), expiring pending updates and incomplete subscriptions.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from server_bridge.sandbox.billing import INCOMPLETE_EXPIRES
from server_bridge.sandbox.invoices import MAX_RETRIES, next_period_end
from server_bridge.sandbox.schedules import SchedulesMixin


class ClockMixin(SchedulesMixin):
    def advance_clock(self, seconds: int) -> None:
        """Move the sandbox clock forward; renew, invoice, charge, retry, fail and fire events on the way."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self.lock:
            target = self.now() + seconds
            for _ in range(100_000):
                due = self._earliest_due(target)
                if due is None:
                    break
                at, action = due
                self._offset += max(0, at - self.now())
                action()
            self._offset += max(0, target - self.now())

    def _earliest_due(self, until: int) -> tuple[int, Callable[[], None]] | None:
        candidates: list[tuple[int, int, Callable[[], None]]] = []
        for schedule in self._all("subscription_schedule"):
            if schedule["status"] == "active" and schedule["current_phase"]:
                end = schedule["current_phase"]["end_date"]
                candidates.append((end, 0, lambda s=schedule, t=end: self._next_phase(s, t)))
        for sub in self._all("subscription"):
            if sub["status"] in ("active", "trialing", "past_due"):
                end = self._period(sub)[1]
                candidates.append((end, 1, lambda s=sub, t=end: self._period_ended(s, t)))
            elif sub["status"] == "incomplete":
                expires = sub["created"] + INCOMPLETE_EXPIRES
                candidates.append((expires, 3, lambda s=sub: self._expire_incomplete(s)))
            pending = sub.get("pending_update")
            if pending:
                candidates.append((pending["expires_at"], 3, lambda s=sub: self._expire_pending(s)))
        for invoice in self._all("invoice"):
            if invoice["status"] == "open" and invoice["next_payment_attempt"]:
                at = invoice["next_payment_attempt"]
                candidates.append((at, 2, lambda i=invoice: self._retry(i)))
        due = [c for c in candidates if c[0] <= until]
        if not due:
            return None
        at, _, action = min(due, key=lambda c: (c[0], c[1]))
        return at, action

    def _period_ended(self, sub: dict[str, Any], at: int) -> None:
        if sub["cancel_at_period_end"] or (sub["cancel_at"] and sub["cancel_at"] <= at):
            self._end_subscription(sub, at, reason="cancellation_requested")
            return
        self._renew(sub, at)

    def _renew(self, sub: dict[str, Any], at: int, *, emit: bool = True,
               card: dict[str, Any] | None = None) -> dict[str, Any]:
        """Start the next period: invoice it (with pending prorations), then charge the default card."""
        customer = self._objects["customer"][sub["customer"]]
        before = copy.deepcopy(sub)
        old_start, old_end = self._period(sub)
        for item in sub["items"]["data"]:
            item["current_period_start"] = at
            item["current_period_end"] = next_period_end(at, item["price"], sub["_anchor_day"])
        if sub["status"] == "trialing":
            sub["status"] = "active"
        prorations, sub["_prorations"] = sub["_prorations"], []

        def lines(invoice_id: str) -> list[dict[str, Any]]:
            pending = [{**line, "invoice": invoice_id} for line in prorations]
            return pending + [self._cycle_line(invoice_id, sub, item, item["current_period_start"],
                                               item["current_period_end"]) for item in sub["items"]["data"]]

        invoice = self._invoice(customer, sub, "subscription_cycle", (old_start, old_end), lines, created=at,
                                emit=emit)
        sub["latest_invoice"] = invoice["id"]
        self._finalize(invoice, emit=emit, at=at)
        problem = self._attempt(invoice, card or self._card_for(sub, customer), emit=emit, at=at)
        if problem is not None:
            sub["status"] = "past_due"
        elif sub["status"] == "past_due" and not self._open_invoices(sub):
            sub["status"] = "active"
        if emit:
            self._sub_changed(sub, before)
        return invoice

    def _open_invoices(self, sub: dict[str, Any]) -> list[dict[str, Any]]:
        return [i for i in self._all("invoice") if i["status"] == "open"
                and ((i.get("parent") or {}).get("subscription_details") or {}).get("subscription") == sub["id"]]

    def _retry(self, invoice: dict[str, Any]) -> None:
        at = invoice["next_payment_attempt"]
        customer = self._objects["customer"][invoice["customer"]]
        sub = self._invoice_subscription(invoice)
        problem = self._attempt(invoice, self._card_for(sub, customer), at=at)
        if problem is None:
            if sub is not None:
                self._after_payment(sub, invoice)
            return
        if invoice["attempt_count"] > MAX_RETRIES:
            self._mark_uncollectible(invoice, at)
            if sub is not None and sub["status"] in ("active", "past_due"):
                self._end_subscription(sub, at, reason="payment_failed")

    def _expire_incomplete(self, sub: dict[str, Any]) -> None:
        before = copy.deepcopy(sub)
        sub["status"] = "incomplete_expired"
        sub["ended_at"] = self.now()
        for invoice in self._open_invoices(sub):
            self._void(invoice)
        self._sub_changed(sub, before)

    def _expire_pending(self, sub: dict[str, Any]) -> None:
        before = copy.deepcopy(sub)
        pending = sub.get("_pending") or {}
        invoice = self._objects["invoice"].get(pending.get("invoice") or "")
        sub["pending_update"] = None
        sub["_pending"] = None
        if invoice is not None and invoice["status"] == "open":
            self._void(invoice)
        self._sub_changed(sub, before)

