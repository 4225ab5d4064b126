"""InvoicePayments: what paid an invoice (API 2025-03-31 and later, where invoices no longer name a
charge or payment intent). A charged invoice gets a succeeded PaymentIntent with its Charge (made by
payments' `card_payment`, on the current account) and an InvoicePayment linking the two, so a payment
can be found from its invoice and refunded (`refunds.create(payment_intent=...)`)."""

from __future__ import annotations

from typing import Any

from stripe_sandbox.connect import Connect
from stripe_sandbox.params import choice
from stripe_sandbox.store import Store


def record(store: Store, invoice: dict[str, Any], pm: dict[str, Any] | None, at: int, *, emit: bool) -> None:
    """The invoice was just paid with the card `pm` (no-op for $0 or paid out of band)."""
    amount = invoice["amount_paid"]
    if amount <= 0 or pm is None or not pm.get("id"):
        return
    intent = Connect(store).payments.card_payment(
        amount=amount, currency=invoice["currency"], pm=pm, customer=invoice["customer"], at=at, emit=False,
        description=f"Payment for Invoice {invoice.get('number') or invoice['id']}")
    store.new("invoice_payment", {
        "invoice": invoice["id"], "amount_paid": amount, "amount_requested": invoice["amount_due"],
        "currency": invoice["currency"], "is_default": True, "status": "paid",
        "payment": {"type": "payment_intent", "payment_intent": intent["id"], "charge": None, "payment_record": None},
        "status_transitions": {"canceled_at": None, "paid_at": at},
    }, created=at)


def list_invoice_payments(store: Store, params: dict[str, Any]) -> list[dict[str, Any]]:
    with store.lock:
        invoice = params.get("invoice")
        if invoice:
            store.find("invoice", invoice, "invoice")
        status = choice(params, "status", ("canceled", "open", "paid"))
        return [p for p in store.all("invoice_payment")
                if (not invoice or p["invoice"] == invoice) and (not status or p["status"] == status)]
