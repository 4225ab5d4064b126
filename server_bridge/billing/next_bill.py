"""The next bill as Stripe itself previews it (`invoices.create_preview`), kept in the store.

Stripe knows what the owner will really pay: credit balance, prorations waiting for the renewal, a
scheduled plan switch, a cancellation (then no bill comes at all). The bridge asks it on the events
that change any of those and after its own writes, and stores the answer as one row per customer
(object_type "upcoming_invoice", id = the customer id), so a summary read never calls Stripe.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from server_bridge.gateway import StripeCalls
from server_bridge.mirror import store

KIND = "upcoming_invoice"
LIVE = ("active", "trialing", "past_due", "unpaid", "incomplete")

#: Stripe events after which the upcoming invoice may differ (subscription, schedule, credit balance).
CHANGES_IT = ("customer.subscription.", "subscription_schedule.", "customer.updated", "invoice.paid",
              "invoice.finalized", "invoice.voided", "invoice.marked_uncollectible")


def changes_next_bill(event_type: str) -> bool:
    return event_type.startswith(CHANGES_IT)


def live_subscription_id(subscriptions: Sequence[Mapping[str, Any]]) -> str | None:
    live = sorted((s for s in subscriptions if s.get("status") in LIVE),
                  key=lambda s: (s.get("created") or 0, s.get("id") or ""))
    return live[0]["id"] if live else None


def refresh(session: Session, gateway: StripeCalls, customer_id: str) -> dict[str, Any]:
    """Ask Stripe for the customer's next invoice and store it; the caller commits."""
    subscriptions = store.list_objects(session, "subscription", customer_id=customer_id)
    subscription_id = live_subscription_id(subscriptions)
    invoice = gateway.upcoming_invoice(customer_id, subscription_id) if subscription_id else None
    row = {"object": KIND, "id": customer_id, "customer": customer_id, "subscription": subscription_id,
           "invoice": invoice}
    store.upsert_object(session, row, seen_at=int(time.time()))
    return row

