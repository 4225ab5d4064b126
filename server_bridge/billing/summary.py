"""The summary and the plan list, shaped from an owner's stored Stripe objects. Pure: no I/O."""

from __future__ import annotations

import calendar
import json
from collections.abc import Mapping

from server_bridge.api import schemas
from server_bridge.billing.invoices import invoice_failed
from server_bridge.billing.owner import (OwnerBilling, current_subscription, is_live, live_subscription, next_phase,
                                         schedule_for)
from server_bridge.billing.stripe_objects import Customer, Invoice, PaymentMethod, Price, Product, UpcomingInvoice


def plan_key_for(price: Price, plans: Mapping[str, str]) -> str:
    for key, price_id in plans.items():
        if price_id == price.id:
            return key
    return (price.lookup_key or "").removeprefix("billing-manager-") or price.id


def plan_view(price: Price, product: Product | None, plans: Mapping[str, str]) -> schemas.Plan:
    key = plan_key_for(price, plans)
    name = (product.name if product else None) or price.nickname or key.title()
    return schemas.Plan(key=key, name=name, amount=price.unit_amount, currency=price.currency,
                        interval=price.recurring.interval)


def features_of(product: Product | None) -> list[str]:
    """The product's marketing features, else the list setup also keeps in its metadata."""
    if product is None:
        return []
    names = [f.name for f in product.marketing_features if f.name]
    if names:
        return names
    try:
        stored = json.loads(product.metadata.get("features") or "[]")
    except ValueError:
        return []
    return [str(name) for name in stored] if isinstance(stored, list) else []


def card_valid_until(exp_month: int, exp_year: int) -> int:
    """A card works through the last second of its expiry month (UTC)."""
    year, month = (exp_year + 1, 1) if exp_month == 12 else (exp_year, exp_month + 1)
    return calendar.timegm((year, month, 1, 0, 0, 0))


def card_view(payment_method: PaymentMethod | None, next_bill: int | None) -> schemas.Card | None:
    card = payment_method.card if payment_method else None
    if card is None:
        return None
    month, year = card.exp_month, card.exp_year
    expires_before = bool(next_bill and month and year and card_valid_until(month, year) <= next_bill)
    return schemas.Card(brand=card.brand, last4=card.last4, exp_month=month, exp_year=year,
                        expires_before_next_bill=expires_before)


def payment_due(invoice: Invoice | None) -> schemas.PaymentDue | None:
    """What a failed, still open invoice asks for, and when Stripe tries the card again."""
    if invoice is None or invoice.status != "open" or invoice.attempt_count == 0:
        return None
    return schemas.PaymentDue(invoice_id=invoice.id, amount=invoice.amount_remaining, currency=invoice.currency,
                              next_attempt=invoice.next_payment_attempt)


def next_invoice(upcoming: UpcomingInvoice | None, subscription_id: str, period_end: int) -> schemas.NextInvoice | None:
    """The next bill as Stripe previewed it for this subscription (never price x quantity), or None."""
    if upcoming is None or upcoming.subscription != subscription_id or upcoming.invoice is None:
        return None
    return schemas.NextInvoice(amount=upcoming.invoice.amount_due, currency=upcoming.invoice.currency,
                               date=period_end)


def credit(upcoming: UpcomingInvoice | None, customer: Customer | None) -> schemas.Credit | None:
    """The credit balance (Stripe keeps credit as a negative customer balance): the preview's starting
    balance, which Stripe computed when the preview was made, else the stored customer's."""
    invoice = upcoming.invoice if upcoming else None
    if invoice is not None and invoice.starting_balance is not None:
        balance, currency = invoice.starting_balance, invoice.currency
    else:
        balance, currency = (customer.balance, customer.currency) if customer else (0, None)
    return schemas.Credit(amount=-balance, currency=currency or "usd") if balance < 0 else None


def shape_summary(view: OwnerBilling, plans: Mapping[str, str], now: int,
                  if_unpaid: str = "cancel") -> schemas.Summary:
    sub = current_subscription(view.subscriptions)
    default_pm = view.customer.invoice_settings.default_payment_method if view.customer else None
    if not default_pm and sub:
        default_pm = sub.default_payment_method
    payment_method = view.payment_methods.get(default_pm or "")
    as_of = view.as_of if view.as_of is not None else now
    if sub is None:
        return schemas.Summary(plan=None, status="none", cancel_at_period_end=False, cancel_at=None,
                               current_period_end=None, trial_end=None, card=card_view(payment_method, None),
                               next_invoice=None, pending_change=None, last_payment_failed=False, payment_due=None,
                               credit=credit(None, view.customer), if_unpaid=if_unpaid, as_of=as_of)

    item = sub.item
    price = view.prices.get(sub.price_id or "") or (item.price if item else None)
    plan = plan_view(price, view.product_of(price), plans) if price else None
    live = is_live(sub)
    period_end = item.current_period_end if live and item else None
    canceling = bool(sub.cancel_at_period_end or sub.cancel_at)

    pending = None   # a plan that ends shows that future only: its scheduled switch never happens
    schedule = schedule_for(sub, view.schedules) if live and not canceling else None
    phase = next_phase(schedule, now) if schedule else None
    new_price = view.prices.get(phase.price_id or "") if phase else None
    if phase and new_price and price and new_price.id != price.id:
        pending = schemas.PendingChange(plan=plan_view(new_price, view.product_of(new_price), plans),
                                        effective_at=phase.start_date)

    next_bill = None
    if live and not canceling and sub.status != "paused" and period_end:
        next_bill = next_invoice(view.upcoming, sub.id, period_end)
    latest = view.latest_invoice
    if latest is not None and sub.pending_update and sub.latest_invoice == latest.id:
        latest = None   # the invoice of a declined plan change waiting for payment, not a failed renewal
    failed = invoice_failed(latest) if live else False

    return schemas.Summary(
        plan=plan,
        status=sub.status or "none",
        cancel_at_period_end=sub.cancel_at_period_end,
        cancel_at=sub.cancel_at,
        current_period_end=period_end or None,
        trial_end=sub.trial_end,
        card=card_view(payment_method, period_end if period_end and not canceling else None),
        next_invoice=next_bill,
        pending_change=pending,
        last_payment_failed=failed,
        payment_due=payment_due(latest) if failed else None,
        credit=credit(view.upcoming, view.customer),
        if_unpaid=if_unpaid,
        as_of=as_of,
    )


def shape_plans(view: OwnerBilling, plans: Mapping[str, str], now: int) -> schemas.Plans:
    """The plan table in its order, each with its features, whether it is the owner's live plan and
    whether the owner's plan switches to it at the end of the period."""
    sub = live_subscription(view.subscriptions)
    current = sub.price_id if sub else None
    pending = shape_summary(view, plans, now).pending_change
    offers = []
    for key, price_id in plans.items():
        price = view.prices.get(price_id)
        if price is None:
            continue
        product = view.product_of(price)
        offers.append(schemas.PlanOffer(**plan_view(price, product, plans).model_dump(exclude={"key"}), key=key,
                                        features=features_of(product), current=price_id == current,
                                        scheduled=bool(pending and pending.plan.key == key)))
    return schemas.Plans(plans=offers)
