"""One live subscription per owner.

Two Checkout pages paid in a race, or a subscription made by hand in the Stripe Dashboard, can give
an owner a second live subscription. The bridge keeps the oldest and ends every newer one at once,
refunding in full what its invoices took (reason `duplicate`), so the owner pays once. It runs when a
subscription event shows more than one live subscription, and for every owner on `billing-bridge
sync`. Stripe's own answers decide (the store may be behind); idempotency keys make a retry safe.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from server_bridge.gateway import StripeCalls
from server_bridge.mirror import store
from server_bridge.mirror.sync import ref, save_fetched

log = logging.getLogger(__name__)

LIVE = ("active", "trialing", "past_due", "unpaid", "paused", "incomplete")
DUPLICATE = "Duplicate subscription: the owner already had a live one (cancelled and refunded by Billing Manager)."


@dataclass
class Resolved:
    """What was done for one customer: the subscription kept, those cancelled, the refunds made."""

    customer_id: str
    kept: str
    cancelled: list[str] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def refunded(self) -> int:
        return sum(int(r.get("amount") or 0) for r in self.refunds)


def newer_duplicates(subscriptions: Sequence[Mapping[str, Any]]) -> tuple[str | None, list[dict]]:
    """(the subscription to keep: the oldest live one, the newer live ones). `subscriptions` come newest
    first, as Stripe lists them: that order breaks a tie of the same `created` second."""
    ranked = sorted(((s.get("created") or 0, -index, dict(s)) for index, s in enumerate(subscriptions)
                     if s.get("status") in LIVE), key=lambda entry: entry[:2])
    live = [s for _, _, s in ranked]
    return (live[0]["id"], live[1:]) if live else (None, [])


def has_duplicate(session: Session, customer_id: str) -> bool:
    """True when the store shows more than one live subscription (no Stripe call)."""
    subs = store.list_objects(session, "subscription", customer_id=customer_id)
    return len(newer_duplicates(subs)[1]) > 0


def resolve(session: Session, gateway: StripeCalls, customer_id: str) -> Resolved | None:
    """End the customer's newer live subscriptions and refund them; None if there was only one.
    Stores what Stripe answered; the caller commits."""
    kept, extra = newer_duplicates(gateway.list_subscriptions(customer_id))
    if kept is None or not extra:
        return None
    done = Resolved(customer_id, kept)
    for sub in extra:
        cancelled = gateway.cancel_subscription(
            sub["id"], {"prorate": False, "invoice_now": False, "cancellation_details": {"comment": DUPLICATE}},
            key=f"duplicate:cancel:{sub['id']}")
        save_fetched(session, cancelled)
        done.cancelled.append(sub["id"])
        for invoice in gateway.list_subscription_invoices(sub["id"]):
            save_fetched(session, invoice)
            if int(invoice.get("amount_paid") or 0) > 0:
                done.refunds.extend(_refund_invoice(session, gateway, customer_id, invoice))
    log.warning("owner %s had %d duplicate subscription(s) (%s); kept %s, refunded %d",
                customer_id, len(done.cancelled), ", ".join(done.cancelled), kept, done.refunded)
    return done


def _refund_invoice(session: Session, gateway: StripeCalls, customer_id: str, invoice: Mapping[str, Any]) -> list[dict]:
    refunds = []
    for payment in gateway.list_invoice_payments(invoice["id"]):
        intent = ref((payment.get("payment") or {}).get("payment_intent"))
        if not intent:
            continue
        refund = gateway.create_refund(
            {"payment_intent": intent, "reason": "duplicate",
             "metadata": {"invoice": invoice["id"], "reason": "duplicate subscription"}},
            key=f"duplicate:refund:{intent}")
        store.upsert_object(session, refund, seen_at=int(refund.get("created") or 0), customer_id=customer_id)
        refunds.append(refund)
    return refunds


def refunded_by_invoice(session: Session, customer_id: str) -> dict[str, int]:
    """invoice id -> amount refunded, from the refunds the bridge made for this customer."""
    totals: dict[str, int] = {}
    for refund in store.list_objects(session, "refund", customer_id=customer_id):
        invoice = (refund.get("metadata") or {}).get("invoice")
        if invoice and refund.get("status") in ("succeeded", "pending"):
            totals[invoice] = totals.get(invoice, 0) + int(refund.get("amount") or 0)
    return totals


def cancelled_as_duplicates(session: Session, customer_id: str) -> list[dict]:
    """The customer's subscriptions the bridge ended as duplicates (from the store)."""
    return [s for s in store.list_objects(session, "subscription", customer_id=customer_id)
            if s.get("status") == "canceled" and (s.get("cancellation_details") or {}).get("comment") == DUPLICATE]
