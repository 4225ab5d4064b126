"""Invoices: lines, finalizing, charging a card, and what a payment changes."""

from __future__ import annotations

import copy
from typing import Any

from stripe_sandbox import errors, shapes
from stripe_sandbox.billing import cards, catalog, invoice_payments
from stripe_sandbox.money import money
from stripe_sandbox.periods import day_text, prorate
from stripe_sandbox.store import Store, diff, new_id


def line(store: Store, invoice_id: str, sub: dict[str, Any], item: dict[str, Any], price: dict[str, Any], amount: int,
          start: int, end: int, description: str, proration: bool) -> dict[str, Any]:
    return shapes.build("line_item", {"id": new_id("il_", 14), "object": "line_item", "amount": amount, "subtotal": amount,
            "currency": price["currency"], "description": description, "discount_amounts": [],
            "discountable": True, "discounts": [], "invoice": invoice_id, "livemode": False,
            "metadata": {}, "period": {"start": start, "end": end},
            "parent": {"type": "subscription_item_details", "invoice_item_details": None,
                       "subscription_item_details": {"invoice_item": None, "proration": proration,
                                                     "proration_details": {"credited_items": None},
                                                     "subscription": sub["id"],
                                                     "subscription_item": item["id"]}},
            "pricing": {"type": "price_details", "unit_amount_decimal": str(price["unit_amount"]),
                        "price_details": {"price": price["id"], "product": price["product"]}},
            "quantity": item.get("quantity") or 1, "subscription": sub["id"], "taxes": [],
            "pretax_credit_amounts": []})


def cycle_line(store: Store, invoice_id: str, sub: dict[str, Any], item: dict[str, Any], start: int,
                end: int) -> dict[str, Any]:
    price = store.table("price").get(item["price"]["id"], item["price"])
    quantity = item.get("quantity") or 1
    description = (f"{quantity} × {catalog.product_name(store, price)} "
                   f"(at {money(price['unit_amount'], price['currency'])} / {price['recurring']['interval']})")
    return line(store, invoice_id, sub, item, price, price["unit_amount"] * quantity, start, end, description,
                      False)


def proration_lines(store: Store, invoice_id: str, sub: dict[str, Any], changes: list[tuple[dict[str, Any],
                     dict[str, Any], int]], at: int) -> list[dict[str, Any]]:
    """Credit for unused time on each old price, charge for the remaining time on each new one."""
    lines = []
    for item, new_price, quantity in changes:
        start, end = item["current_period_start"], item["current_period_end"]
        old_price = item["price"]
        old_qty = item.get("quantity") or 1
        credit = -prorate(old_price["unit_amount"] * old_qty, start, end, at)
        charge = prorate(new_price["unit_amount"] * quantity, start, end, at)
        if credit:
            lines.append(line(store, invoice_id, sub, item, old_price, credit, at, end,
                                    f"Unused time on {catalog.product_name(store, old_price)} after {day_text(at)}",
                                    True))
        if charge:
            new_item = {**item, "quantity": quantity}
            times = f"{quantity} × " if quantity > 1 else ""
            lines.append(line(store, invoice_id, sub, new_item, new_price, charge, at, end,
                                    f"Remaining time on {times}{catalog.product_name(store, new_price)} "
                                    f"after {day_text(at)}", True))
    return lines


def invoice_fields(customer: dict[str, Any], sub: dict[str, Any] | None, reason: str, period: tuple[int, int],
                   invoice_id: str, lines: list[dict[str, Any]], proration_date: int | None = None) -> dict[str, Any]:
    """A draft invoice's fields for these lines (the preview shows the same without storing it)."""
    total = sum(line["amount"] for line in lines)
    currency = lines[0]["currency"] if lines else (sub or {}).get("currency") or "usd"
    return {
        "customer": customer["id"], "customer_email": customer.get("email"),
        "customer_name": customer.get("name"), "customer_phone": customer.get("phone"),
        "customer_address": None, "customer_shipping": None, "customer_tax_exempt": "none",
        "customer_tax_ids": [], "account_country": "US", "account_name": "Billing Manager sandbox",
        "status": "draft", "number": None, "currency": currency, "billing_reason": reason,
        "collection_method": "charge_automatically", "auto_advance": True,
        "lines": {"object": "list", "data": lines, "has_more": False, "total_count": len(lines),
                  "url": f"/v1/invoices/{invoice_id}/lines"},
        "subtotal": total, "subtotal_excluding_tax": total, "total": total, "total_excluding_tax": total,
        "amount_due": max(total, 0), "amount_paid": 0, "amount_remaining": max(total, 0),
        "amount_overpaid": 0, "amount_shipping": 0, "starting_balance": 0, "ending_balance": None,
        "attempt_count": 0, "attempted": False, "next_payment_attempt": None,
        "period_start": period[0], "period_end": period[1],
        "parent": None if sub is None else {
            "type": "subscription_details", "quote_details": None,
            "subscription_details": {"subscription": sub["id"], "metadata": dict(sub["metadata"]),
                                     "subscription_proration_date": proration_date}},
        "status_transitions": {"finalized_at": None, "paid_at": None, "voided_at": None,
                               "marked_uncollectible_at": None},
        "hosted_invoice_url": None, "invoice_pdf": None, "metadata": {}, "default_payment_method": None,
        "description": None, "due_date": None, "effective_at": None, "webhooks_delivered_at": None,
        "issuer": {"type": "self", "account": None}, "last_finalization_error": None,
        "total_taxes": [], "total_discount_amounts": [], "total_pretax_credit_amounts": [],
        "discounts": [], "default_tax_rates": [], "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "payment_settings": {"default_mandate": None, "payment_method_options": None,
                             "payment_method_types": None},
        "automatic_tax": {"enabled": False, "status": None, "disabled_reason": None, "liability": None,
                          "provider": None},
    }


def create_invoice(store: Store, customer: dict[str, Any], sub: dict[str, Any] | None, reason: str,
                   period: tuple[int, int], build_lines: Any, *, created: int | None = None, emit: bool = True,
                   proration_date: int | None = None) -> dict[str, Any]:
    invoice_id = new_id("in_", 24)
    fields = invoice_fields(customer, sub, reason, period, invoice_id, build_lines(invoice_id), proration_date)
    invoice = store.new("invoice", fields, created=created, obj_id=invoice_id)
    if emit:
        store.emit("invoice.created", invoice)
    return invoice


def finalize(store: Store, invoice: dict[str, Any], *, emit: bool = True, at: int | None = None) -> None:
    customer = store.table("customer")[invoice["customer"]]
    before = copy.deepcopy(invoice)
    at = store.now() if at is None else at
    invoice["number"] = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
    customer["next_invoice_sequence"] += 1
    invoice["status"] = "open"
    invoice["effective_at"] = at
    invoice["status_transitions"]["finalized_at"] = at
    invoice["automatically_finalizes_at"] = None
    invoice["hosted_invoice_url"] = f"{store.base_url}/i/{invoice['id']}"
    invoice["invoice_pdf"] = f"{store.base_url}/i/{invoice['id']}/pdf"
    apply_balance(store, invoice, customer, emit=emit)
    if invoice["amount_due"] == 0:
        invoice["status"] = "paid"
        invoice["status_transitions"]["paid_at"] = at
    if emit:
        store.emit("invoice.finalized", invoice, diff(before, invoice))
        if invoice["status"] == "paid":
            store.emit("invoice.paid", invoice)


def apply_balance(store: Store, invoice: dict[str, Any], customer: dict[str, Any], *, emit: bool) -> None:
    """Finalizing applies the customer's credit balance (negative) or debit (positive) to the invoice;
    a negative total is added to the credit balance, which later invoices use up."""
    balance = int(customer.get("balance") or 0)
    after = balance + invoice["total"]
    invoice.update(starting_balance=balance, ending_balance=min(after, 0), amount_due=max(after, 0),
                   amount_remaining=max(after, 0))
    if min(after, 0) != balance:
        before = copy.deepcopy(customer)
        customer["balance"] = min(after, 0)
        if emit:
            store.emit("customer.updated", customer, diff(before, customer))


def attempt(store: Store, invoice: dict[str, Any], pm: dict[str, Any] | None, *, emit: bool = True,
             at: int | None = None) -> errors.StripeError | None:
    """Charge the invoice to a card: paid, or open with the next retry planned. Returns the decline."""
    if invoice["status"] == "paid":
        return None
    at = store.now() if at is None else at
    before = copy.deepcopy(invoice)
    problem = cards.charge_problem(store, pm)
    invoice["attempt_count"] += 1
    invoice["attempted"] = True
    if problem is None:
        invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0,
                       next_payment_attempt=None)
        invoice["default_payment_method"] = pm["id"] if pm else None
        invoice["status_transitions"]["paid_at"] = at
        invoice_payments.record(store, invoice, pm, at, emit=emit)
        if emit:
            store.emit("invoice.paid", invoice, diff(before, invoice))
            store.emit("invoice.payment_succeeded", invoice)
        return None
    invoice["next_payment_attempt"] = (store.dunning.next_attempt(invoice["attempt_count"], at)
                                       if invoice["billing_reason"] == "subscription_cycle" else None)
    if emit:
        store.emit("invoice.payment_failed", invoice, diff(before, invoice))
        store.emit("invoice.updated", invoice, diff(before, invoice))
    return problem


def write_off(store: Store, invoice: dict[str, Any], at: int) -> None:
    before = copy.deepcopy(invoice)
    invoice.update(status="uncollectible", next_payment_attempt=None)
    invoice["status_transitions"]["marked_uncollectible_at"] = at
    store.emit("invoice.marked_uncollectible", invoice, diff(before, invoice))
    store.emit("invoice.updated", invoice, diff(before, invoice))


def subscription_of(store: Store, invoice: dict[str, Any]) -> dict[str, Any] | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return store.table("subscription").get(details.get("subscription") or "")


def finalize_invoice(store: Store, invoice_id: str) -> dict[str, Any]:
    with store.lock:
        invoice = store.find("invoice", invoice_id)
        if invoice["status"] != "draft":
            raise errors.StripeError("This invoice is already finalized.", code="invoice_unexpected_state")
        finalize(store, invoice)
        return invoice


def void_invoice(store: Store, invoice_id: str) -> dict[str, Any]:
    with store.lock:
        invoice = store.find("invoice", invoice_id)
        if invoice["status"] != "open":
            raise errors.StripeError(f"You can only void open invoices (this one is {invoice['status']}).",
                                     code="invoice_unexpected_state")
        void(store, invoice)
        return invoice


def void(store: Store, invoice: dict[str, Any]) -> None:
    before = copy.deepcopy(invoice)
    invoice.update(status="void", next_payment_attempt=None, amount_remaining=0)
    invoice["status_transitions"]["voided_at"] = store.now()
    store.emit("invoice.voided", invoice, diff(before, invoice))


def mark_uncollectible(store: Store, invoice_id: str) -> dict[str, Any]:
    with store.lock:
        invoice = store.find("invoice", invoice_id)
        if invoice["status"] != "open":
            raise errors.StripeError("Only open invoices can be marked uncollectible.",
                                     code="invoice_unexpected_state")
        write_off(store, invoice, store.now())
        return invoice
