"""Time control: moving the clock runs everything that falls due, in order, at its own moment.

Due things are found one at a time (the earliest first), the clock is set to that moment, and it is
processed: schedule phase switches, then period ends, payment retries, expiring pending updates and
incomplete subscriptions.
"""

from __future__ import annotations

from typing import Callable

from stripe_sandbox.billing import collection, renewals, schedules, subscriptions
from stripe_sandbox.billing.subscriptions import INCOMPLETE_EXPIRES
from stripe_sandbox.connect import Connect
from stripe_sandbox.store import Store


def advance(store: Store, seconds: int) -> None:
    """Move the sandbox clock forward; renew, invoice, charge, retry, fail and fire events on the way."""
    if seconds < 0:
        raise ValueError("the clock only moves forward")
    with store.lock:
        target = store.now() + seconds
        for _ in range(100_000):
            due = earliest_due(store, target)
            if due is None:
                break
            at, action = due
            store.move_to(at)
            action()
        store.move_to(target)


def earliest_due(store: Store, until: int) -> tuple[int, Callable[[], None]] | None:
    candidates: list[tuple[int, int, Callable[[], None]]] = []
    for schedule in store.all("subscription_schedule"):
        if schedule["status"] == "active" and schedule["current_phase"]:
            end = schedule["current_phase"]["end_date"]
            candidates.append((end, 0, lambda s=schedule, t=end: schedules.next_phase(store, s, t)))
    for sub in store.all("subscription"):
        if sub["status"] in ("active", "trialing", "past_due", "unpaid"):
            end = subscriptions.period(sub)[1]
            candidates.append((end, 1, lambda s=sub, t=end: renewals.period_ended(store, s, t)))
        elif sub["status"] == "incomplete":
            expires = sub["created"] + INCOMPLETE_EXPIRES
            candidates.append((expires, 3, lambda s=sub: renewals.expire_incomplete(store, s)))
        pending = sub.get("pending_update")
        if pending:
            candidates.append((pending["expires_at"], 3, lambda s=sub: renewals.expire_pending(store, s)))
    for invoice in store.all("invoice"):
        if invoice["status"] == "draft" and invoice.get("automatically_finalizes_at"):
            finalizes = invoice["automatically_finalizes_at"]
            candidates.append((finalizes, 2, lambda i=invoice: renewals.finalize_renewal(store, i)))
        if invoice["status"] == "open" and invoice["next_payment_attempt"]:
            at = invoice["next_payment_attempt"]
            candidates.append((at, 2, lambda i=invoice: collection.retry(store, i)))
    candidates += Connect(store).due(until)
    due = [c for c in candidates if c[0] <= until]
    if not due:
        return None
    at, _, action = min(due, key=lambda c: (c[0], c[1]))
    return at, action
