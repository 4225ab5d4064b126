"""What the store knows about one owner's billing, as typed Stripe objects, and the rules that pick
the subscription and schedule that count."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from server_bridge.billing.stripe_objects import (Customer, Invoice, PaymentMethod, Phase, Price, Product, Subscription,
                                                  SubscriptionSchedule, UpcomingInvoice)
from server_bridge.mirror import store

LIVE_STATUSES = frozenset({"active", "trialing", "past_due", "unpaid", "paused", "incomplete"})
"""Statuses of a subscription that still bills or can recover (all but canceled and incomplete_expired)."""


def is_live(subscription: Subscription) -> bool:
    return subscription.status in LIVE_STATUSES


class OwnerBilling(BaseModel):
    """Everything the summary and plans need about one owner."""

    customer: Customer | None = None
    subscriptions: list[Subscription] = []
    schedules: list[SubscriptionSchedule] = []
    latest_invoice: Invoice | None = None
    payment_methods: dict[str, PaymentMethod] = {}
    prices: dict[str, Price] = {}
    products: dict[str, Product] = {}
    upcoming: UpcomingInvoice | None = Field(default=None, description="Stripe's preview of the next invoice")
    as_of: int | None = Field(default=None, description="when the bridge last heard from Stripe about the owner")
    synced_at: int | None = Field(default=None, description="when the owner was backfilled, if load_owner was told")

    def product_of(self, price: Price) -> Product | None:
        return self.products.get(price.product or "")

    def has_prices(self, price_ids: Iterable[str]) -> bool:
        return all(p in self.prices for p in price_ids)


def load_owner(session: Session, customer_id: str | None, plans: Mapping[str, str],
               owner_id: int | None = None) -> OwnerBilling:
    """The owner's objects, plan prices and their products from the store (four queries)."""
    view = OwnerBilling()
    if customer_id:
        found = store.customer_objects(session, customer_id, owner_id)
        for obj in found.objects:
            kind = obj.get("object")
            if kind == "customer":
                view.customer = Customer.model_validate(obj)
            elif kind == "subscription":
                view.subscriptions.append(Subscription.model_validate(obj))
            elif kind == "subscription_schedule":
                view.schedules.append(SubscriptionSchedule.model_validate(obj))
            elif kind == "upcoming_invoice":
                view.upcoming = UpcomingInvoice.model_validate(obj)
            elif kind == "payment_method":
                method = PaymentMethod.model_validate(obj)
                view.payment_methods[method.id] = method
        view.latest_invoice = Invoice.model_validate(found.latest_invoice) if found.latest_invoice else None
        view.as_of, view.synced_at = found.last_seen_at, found.synced_at
    price_ids = [*plans.values(), *(s.price_id for s in view.subscriptions),
                 *(p.price_id for s in view.schedules for p in s.phases)]
    wanted = [p for p in dict.fromkeys(price_ids) if p]
    view.prices = {p.id: p for p in map(Price.model_validate, store.objects_by_id(session, "price", wanted))}
    product_ids = [i for i in dict.fromkeys(p.product for p in view.prices.values()) if i]
    view.products = {p.id: p for p in map(Product.model_validate, store.objects_by_id(session, "product", product_ids))}
    return view


def overlay(view: OwnerBilling, objects: Sequence[Mapping[str, Any]]) -> OwnerBilling:
    """The view with these fresher subscriptions and schedules (write answers) in place of the stored copies."""
    for obj in objects:
        if obj.get("object") == "subscription":
            view.subscriptions = _replaced(view.subscriptions, Subscription.model_validate(obj))
        elif obj.get("object") == "subscription_schedule":
            view.schedules = _replaced(view.schedules, SubscriptionSchedule.model_validate(obj))
    return view


def _replaced(objects: list[Any], fresh: Any) -> list[Any]:
    if any(o.id == fresh.id for o in objects):
        return [fresh if o.id == fresh.id else o for o in objects]
    return [*objects, fresh]


def current_subscription(subscriptions: Sequence[Subscription]) -> Subscription | None:
    """The live subscription if there is one, else the most recent one."""
    ordered = sorted(subscriptions, key=lambda s: (s.created, s.id), reverse=True)
    return next((s for s in ordered if is_live(s)), ordered[0] if ordered else None)


def live_subscription(subscriptions: Sequence[Subscription]) -> Subscription | None:
    sub = current_subscription(subscriptions)
    return sub if sub is not None and is_live(sub) else None


def lacks_next_bill(view: OwnerBilling) -> bool:
    """A live subscription whose next-bill preview the store does not hold yet."""
    sub = live_subscription(view.subscriptions)
    return sub is not None and (view.upcoming.subscription if view.upcoming else None) != sub.id


def schedule_for(sub: Subscription, schedules: Sequence[SubscriptionSchedule]) -> SubscriptionSchedule | None:
    """The schedule still driving this subscription, if any."""
    return next((s for s in schedules if s.subscription == sub.id and s.status in ("active", "not_started")), None)


def next_phase(schedule: SubscriptionSchedule, now: int) -> Phase | None:
    """The first phase that starts after now (or after the current phase)."""
    after = max(schedule.current_phase.start_date if schedule.current_phase else 0, now)
    return next((p for p in schedule.phases if p.start_date > after), None)
