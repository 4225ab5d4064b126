"""What happens when time passes: periods end (renew or cancel), failed payments are retried,
incomplete subscriptions and pending updates expire."""

from __future__ import annotations

import copy
from typing import Any

from server_bridge.sandbox import cards, invoices, subscriptions
from server_bridge.sandbox.invoices import MAX_RETRIES
from server_bridge.sandbox.periods import next_period_end
from server_bridge.sandbox.store import Store


def period_ended(store: Store, sub: dict[str, Any], at: int) -> None:
    if sub["cancel_at_period_end"] or (sub["cancel_at"] and sub["cancel_at"] <= at):
        subscriptions.end_subscription(store, sub, at, reason="cancellation_requested")
        return
    renew(store, sub, at)


def renew(store: Store, sub: dict[str, Any], at: int, *, emit: bool = True,
           card: dict[str, Any] | None = None) -> dict[str, Any]:
    """Start the next period: invoice it (with pending prorations), then charge the default card."""
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

    invoice = invoices.create_invoice(store, customer, sub, "subscription_cycle", (old_start, old_end), lines, created=at,
                            emit=emit)
    sub["latest_invoice"] = invoice["id"]
    invoices.finalize(store, invoice, emit=emit, at=at)
    problem = invoices.attempt(store, invoice, card or cards.card_for(store, sub, customer), emit=emit, at=at)
    if problem is not None:
        sub["status"] = "past_due"
    elif sub["status"] == "past_due" and not subscriptions.open_invoices(store, sub):
        sub["status"] = "active"
    if emit:
        subscriptions.changed(store, sub, before)
    return invoice


def retry(store: Store, invoice: dict[str, Any]) -> None:
    at = invoice["next_payment_attempt"]
    customer = store.table("customer")[invoice["customer"]]
    sub = invoices.subscription_of(store, invoice)
    problem = invoices.attempt(store, invoice, cards.card_for(store, sub, customer), at=at)
    if problem is None:
        if sub is not None:
            subscriptions.after_payment(store, sub, invoice)
        return
    if invoice["attempt_count"] > MAX_RETRIES:
        invoices.write_off(store, invoice, at)
        if sub is not None and sub["status"] in ("active", "past_due"):
            subscriptions.end_subscription(store, sub, at, reason="payment_failed")


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
