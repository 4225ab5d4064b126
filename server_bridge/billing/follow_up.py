"""What an applied webhook sets going at Stripe: a second live subscription is ended and refunded
(duplicates), and the next bill is asked of Stripe again when the event may have changed it (next_bill).

Runs after the event's own transaction, in one of its own: Stripe calls never hold the store's write
lock. If Stripe fails here the webhook answers 5xx, Stripe delivers the event again, and this runs
again (for an event already applied too); idempotency keys make the retried writes safe.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from server_bridge.billing import duplicates, next_bill
from server_bridge.gateway import StripeCalls
from server_bridge.mirror.store import customer_of

SUBSCRIPTION_EVENTS = ("customer.subscription.created", "customer.subscription.updated", "checkout.session.completed")


def event_customer(event: Mapping[str, Any]) -> str | None:
    obj = (event.get("data") or {}).get("object")
    return customer_of(obj) if isinstance(obj, dict) else None


def needed(event: Mapping[str, Any]) -> bool:
    kind = str(event.get("type"))
    return kind in SUBSCRIPTION_EVENTS or next_bill.changes_next_bill(kind)


def follow_up(session_factory: Callable[[], Session], gateway: StripeCalls, event: Mapping[str, Any]) -> tuple[str, ...]:
    """Do what the event calls for; the topics whose data changed."""
    customer_id = event_customer(event)
    if not customer_id or not needed(event):
        return ()
    topics: set[str] = set()
    with session_factory() as session:
        if str(event.get("type")) in SUBSCRIPTION_EVENTS and duplicates.has_duplicate(session, customer_id):
            if duplicates.resolve(session, gateway, customer_id) is not None:
                topics.update(("summary", "plans", "invoices"))
        next_bill.refresh(session, gateway, customer_id)
        session.commit()
    topics.add("summary")
    return tuple(sorted(topics))
