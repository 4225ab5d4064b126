"""Collecting an open invoice: paid now on request (the API's `pay`, the hosted invoice page), or
retried on the dunning schedule until the last retry fails and the dunning settings say what ends.
A payment revives the invoice's subscription (`subscriptions.after_payment`)."""

from __future__ import annotations

import copy
from typing import Any

from stripe_sandbox import errors
from stripe_sandbox.billing import cards, invoices, subscriptions
from stripe_sandbox.params import as_bool
from stripe_sandbox.store import Store


def pay_invoice(store: Store, invoice_id: str, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        invoice = store.find("invoice", invoice_id)
        if invoice["status"] == "draft":
            invoices.finalize(store, invoice)
        if invoice["status"] != "open":
            raise errors.StripeError(f"Invoice is already {invoice['status']}", code="invoice_unexpected_state")
        customer = store.table("customer")[invoice["customer"]]
        sub = invoices.subscription_of(store, invoice)
        if as_bool(params, "paid_out_of_band", False):
            problem = None
            invoices.attempt(store, invoice, {"id": None})
        else:
            pm = (cards.payment_method(store, params["payment_method"], "payment_method")
                  if params.get("payment_method") else cards.card_for(store, sub, customer))
            if pm is not None and pm.get("customer") != customer["id"]:
                raise errors.invalid("payment_method", "The payment method must be attached to the invoice's "
                                     "customer.")
            problem = invoices.attempt(store, invoice, pm)
        if problem is not None:
            raise problem
        if sub is not None:
            subscriptions.after_payment(store, sub, invoice)
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
    if invoice["next_payment_attempt"] is None:
        give_up(store, invoice, sub, at)


def give_up(store: Store, invoice: dict[str, Any], sub: dict[str, Any] | None, at: int) -> None:
    """The last retry failed: the invoice and subscription end as the dunning settings say."""
    if store.dunning.invoice_then == "uncollectible":
        invoices.write_off(store, invoice, at)
    if sub is None or sub["status"] not in ("active", "past_due"):
        return
    if store.dunning.subscription_then == "canceled":
        subscriptions.end_subscription(store, sub, at, reason="payment_failed")
    elif store.dunning.subscription_then == "unpaid":
        before = copy.deepcopy(sub)
        sub["status"] = "unpaid"
        subscriptions.changed(store, sub, before)
