"""What happens when time passes: periods end (renew or cancel), failed payments are retried,
incomplete subscriptions and pending updates expire."""

from __future__ import annotations

import copy
from typing import Any

from stripe_sandbox.billing import cards, invoices, subscriptions
from stripe_sandbox.periods import next_period_end
from stripe_sandbox.store import Store


def period_ended(store: Store, sub: dict[str, Any], at: int) -> None:
    if sub["cancel_at_period_end"] or (sub["cancel_at"] and sub["cancel_at"] <= at):
        subscriptions.end_subscription(store, sub, at, reason="cancellation_requested")
        return
    renew(store, sub, at)


DRAFT_FOR = 3600


def renew(store: Store, sub: dict[str, Any], at: int, *, emit: bool = True) -> dict[str, Any]:
    """Start the next period and invoice it (with pending prorations) as a draft, which Stripe
    finalizes and charges about an hour later (`finalize_renewal`)."""
    customer = store.table("customer")[sub["customer"]]
    before = copy.deepcopy(sub)
    old_start, old_end = subscriptions.period(sub)
    for item in sub["items"]["data"]:
        item["current_period_start"] = at
        item["current_period_end"] = next_period_end(at, item["price"], sub["_anchor_day"])
    if sub["status"] == "trialing":
        sub["status"] = "active"
    prorations, sub["_prorations"] = sub["_prorations"], []

    def lines(invoice_id: str) -> list[dict[str, Any]]:
        pending = [{**line, "invoice": invoice_id} for line in prorations]
        return pending + [invoices.cycle_line(store, invoice_id, sub, item, item["current_period_start"],
                                           item["current_period_end"]) for item in sub["items"]["data"]]

    invoice = invoices.create_invoice(store, customer, sub, "subscription_cycle", (old_start, old_end), lines,
                                      created=at, emit=emit)
    invoice["automatically_finalizes_at"] = at + DRAFT_FOR
    sub["latest_invoice"] = invoice["id"]
    if emit:
        subscriptions.changed(store, sub, before)
    return invoice


def finalize_renewal(store: Store, invoice: dict[str, Any], *, emit: bool = True,
                     card: dict[str, Any] | None = None) -> None:
    """The renewal's draft is due: finalize it and charge the card (not for an unpaid subscription:
    Stripe keeps invoicing it without charging, the invoices stay open until they are paid)."""
    at = invoice["automatically_finalizes_at"]
    invoices.finalize(store, invoice, emit=emit, at=at)
    sub = invoices.subscription_of(store, invoice)
    if sub is None or sub["status"] in ("unpaid", "canceled", "incomplete_expired"):
        return
    before = copy.deepcopy(sub)
    customer = store.table("customer")[invoice["customer"]]
    problem = invoices.attempt(store, invoice, card or cards.card_for(store, sub, customer), emit=emit, at=at)
    if problem is not None:
        sub["status"] = "past_due"
    elif sub["status"] == "past_due" and not subscriptions.open_invoices(store, sub):
        sub["status"] = "active"
    if emit:
        subscriptions.changed(store, sub, before)


def expire_incomplete(store: Store, sub: dict[str, Any]) -> None:
    before = copy.deepcopy(sub)
    sub["status"] = "incomplete_expired"
    sub["ended_at"] = store.now()
    for invoice in subscriptions.open_invoices(store, sub):
        invoices.void(store, invoice)
    subscriptions.changed(store, sub, before)


def expire_pending(store: Store, sub: dict[str, Any]) -> None:
    before = copy.deepcopy(sub)
    pending = sub.get("_pending") or {}
    invoice = store.table("invoice").get(pending.get("invoice") or "")
    sub["pending_update"] = None
    sub["_pending"] = None
    if invoice is not None and invoice["status"] == "open":
        invoices.void(store, invoice)
    subscriptions.changed(store, sub, before)
