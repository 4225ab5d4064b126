"""The demo owners: four customers whose histories show every state the product handles.

Their pasts are written straight into the sandbox (backdated, no events): a platform that connects
later learns of them by backfill, as it would of customers that existed before it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from stripe_sandbox.billing import cards, customers, renewals, subscriptions
from stripe_sandbox.periods import DAY, add_months
from stripe_sandbox.store import Store

OWNERS = {
    "pro@demo.test": "Ada's Bakery",
    "starter@demo.test": "Grace's Garden Supplies",
    "new@demo.test": "Linus Woodworks",
    "pastdue@demo.test": "Margaret's Music School",
}


def seed_demo_owners(store: Store, prices: Mapping[str, str]) -> dict[str, str]:
    """{"starter": price id, "pro": price id} -> {email: customer id}; existing demo owners are kept."""
    with store.lock:
        starter = store.find("price", prices["starter"], "starter")
        pro = store.find("price", prices["pro"], "pro")
        existing = {c["email"]: c["id"] for c in store.all("customer") if c.get("email") in OWNERS}
        if len(existing) == len(OWNERS):
            return existing
        now = store.now()
        today = dt.datetime.fromtimestamp(now, dt.timezone.utc)
        year_ago = _months_before(now - 5 * DAY, 11)
        _customer(store, "pro@demo.test", year_ago - DAY, card=("4242424242424242", 8, today.year + 4), plan=pro,
                  started=year_ago)
        # the card runs out at the end of this month, before the next bill
        two_months_ago = _months_before(now - 3600, 2)
        _customer(store, "starter@demo.test", two_months_ago - DAY,
                  card=("5555555555554444", today.month, today.year), plan=starter, started=two_months_ago)
        _customer(store, "new@demo.test", now - 3 * DAY)
        # the renewal two days ago was declined; the next retry is tomorrow
        month_ago = _months_before(now - 2 * DAY, 1)
        _customer(store, "pastdue@demo.test", month_ago - DAY, card=("4000000000000341", 6, today.year + 3),
                  plan=starter, started=month_ago)
        return {c["email"]: c["id"] for c in store.all("customer") if c.get("email") in OWNERS}


def _customer(store: Store, email: str, created: int, *, card: tuple[str, int, int] | None = None,
              plan: dict[str, Any] | None = None, started: int | None = None) -> None:
    prefix = email.split("@")[0].upper()   # PRO-0001: the same invoice numbers on every start (screenshots)
    customer = customers.create_customer(store, {"email": email, "name": OWNERS[email], "invoice_prefix": prefix},
                                         created=created, emit=False)
    pm = None
    if card is not None:
        number, exp_month, exp_year = card
        pm = cards.card_from_number(store, number, exp_month, exp_year, "123",
                                       {"email": email, "name": OWNERS[email]}, created=created)
        cards.attach(store, pm, customer, emit=False)
        customer["invoice_settings"]["default_payment_method"] = pm["id"]
    if plan is None or started is None:
        return
    sub = subscriptions.start_subscription(store, customer, [(plan, 1, None)], None, started, emit=False)
    first = store.table("invoice")[sub["latest_invoice"]]
    if first["status"] != "paid":  # the card that paid the first bill has since been replaced
        _mark_paid(first, started)
        sub["status"] = "active"
    while subscriptions.period(sub)[1] <= store.now():
        at = subscriptions.period(sub)[1]
        invoice = renewals.renew(store, sub, at, emit=False)
        if invoice["automatically_finalizes_at"] > store.now():
            break
        renewals.finalize_renewal(store, invoice, emit=False, card=pm)
        if invoice["status"] == "open":
            invoice["next_payment_attempt"] = store.dunning.next_attempt(1, at)


def _months_before(ts: int, months: int) -> int:
    return add_months(ts, -months, dt.datetime.fromtimestamp(ts, dt.timezone.utc).day)


def _mark_paid(invoice: dict[str, Any], at: int) -> None:
    invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0, next_payment_attempt=None)
    invoice["status_transitions"]["paid_at"] = at
