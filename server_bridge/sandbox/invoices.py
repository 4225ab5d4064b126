"""Invoices: lines, finalizing, charging a card, and what a payment changes.

Also the calendar and money helpers billing shares: periods are calendar months counted from the
anchor day (the 31st bills on the last day of shorter months), and proration is by the second.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
from typing import Any

from server_bridge.sandbox import errors
from server_bridge.sandbox.catalog import CatalogMixin
from server_bridge.sandbox.core import diff, new_id, public
from server_bridge.sandbox.params import as_bool, merge_metadata

DAY = 86_400
RETRY_AFTER = 3 * DAY          # smart retries: a failed renewal is tried again every 3 days...
MAX_RETRIES = 3                # ...three times, then the invoice is uncollectible and the plan ends


def add_months(ts: int, months: int, anchor_day: int) -> int:
    """`ts` moved by whole months, on the anchor day (clamped to the month's last day)."""
    moment = dt.datetime.fromtimestamp(ts, dt.timezone.utc)
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(anchor_day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def next_period_end(start: int, price: dict[str, Any], anchor_day: int) -> int:
    recurring = price.get("recurring") or {"interval": "month", "interval_count": 1}
    count = recurring.get("interval_count") or 1
    interval = recurring["interval"]
    if interval == "month":
        return add_months(start, count, anchor_day)
    if interval == "year":
        return add_months(start, 12 * count, anchor_day)
    return start + count * (7 * DAY if interval == "week" else DAY)


def money(amount: int, currency: str) -> str:
    symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(currency)
    figure = f"{abs(amount) / 100:,.2f}"
    text = f"{symbol}{figure}" if symbol else f"{figure} {currency.upper()}"
    return f"-{text}" if amount < 0 else text


def day_text(ts: int) -> str:
    moment = dt.datetime.fromtimestamp(ts, dt.timezone.utc)
    return f"{moment.day} {moment.strftime('%b %Y')}"


def prorate(amount: int, start: int, end: int, at: int) -> int:
    if end <= start:
        return 0
    return round(amount * (end - at) / (end - start))

class InvoicesMixin(CatalogMixin):
    # lookups -------------------------------------------------------------------------------
    def _price(self, price_id: Any, param: str) -> dict[str, Any]:
        price = self._find("price", price_id, param)
        if not price["active"]:
            raise errors.invalid(param, f"The price specified is inactive: {price['id']}")
        if price["type"] != "recurring":
            raise errors.invalid(param, f"The price specified is set to `type=one_time` but this field only "
                                 f"accepts prices with `type=recurring`: {price['id']}")
        return price

    def _product_name(self, price: dict[str, Any]) -> str:
        product = self._objects.get("product", {}).get(price["product"])
        return (product or {}).get("name") or price.get("nickname") or price["id"]

    def _plan(self, price: dict[str, Any]) -> dict[str, Any]:
        recurring = price.get("recurring") or {}
        return {"id": price["id"], "object": "plan", "active": price["active"], "amount": price["unit_amount"],
                "amount_decimal": str(price["unit_amount"]), "billing_scheme": "per_unit",
                "created": price["created"], "currency": price["currency"],
                "interval": recurring.get("interval", "month"), "interval_count": recurring.get("interval_count", 1),
                "livemode": False, "metadata": dict(price["metadata"]), "meter": None,
                "nickname": price.get("nickname"), "product": price["product"], "tiers_mode": None,
                "transform_usage": None, "trial_period_days": None, "usage_type": "licensed"}

    def _new_item(self, sub: dict[str, Any], price: dict[str, Any], quantity: int, start: int, end: int,
                  metadata: Any = None) -> dict[str, Any]:
        return {"id": new_id("si_", 14), "object": "subscription_item", "created": self.now(),
                "price": public(price), "plan": self._plan(price), "quantity": quantity,
                "current_period_start": start, "current_period_end": end, "subscription": sub["id"],
                "metadata": merge_metadata({}, metadata), "discounts": [], "tax_rates": [],
                "billing_thresholds": None, "billed_until": None, "current_trial": None}

    def _card_for(self, sub: dict[str, Any] | None, customer: dict[str, Any]) -> dict[str, Any] | None:
        """The card a charge goes to: the customer's default, else the subscription's."""
        for pm_id in (customer["invoice_settings"].get("default_payment_method"),
                      (sub or {}).get("default_payment_method")):
            if pm_id and pm_id in self._objects.get("payment_method", {}):
                return self._objects["payment_method"][pm_id]
        return None

    def _period(self, sub: dict[str, Any]) -> tuple[int, int]:
        item = sub["items"]["data"][0]
        return item["current_period_start"], item["current_period_end"]

    def _sub_changed(self, sub: dict[str, Any], before: dict[str, Any]) -> None:
        previous = diff(before, sub)
        if previous:
            self._emit("customer.subscription.updated", sub, previous)
    # invoices ------------------------------------------------------------------------------
    def _line(self, invoice_id: str, sub: dict[str, Any], item: dict[str, Any], price: dict[str, Any], amount: int,
              start: int, end: int, description: str, proration: bool) -> dict[str, Any]:
        return {"id": new_id("il_", 14), "object": "line_item", "amount": amount, "subtotal": amount,
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
                "pretax_credit_amounts": []}

    def _cycle_line(self, invoice_id: str, sub: dict[str, Any], item: dict[str, Any], start: int,
                    end: int) -> dict[str, Any]:
        price = self._objects["price"].get(item["price"]["id"], item["price"])
        quantity = item.get("quantity") or 1
        description = (f"{quantity} × {self._product_name(price)} "
                       f"(at {money(price['unit_amount'], price['currency'])} / {price['recurring']['interval']})")
        return self._line(invoice_id, sub, item, price, price["unit_amount"] * quantity, start, end, description,
                          False)

    def _proration_lines(self, invoice_id: str, sub: dict[str, Any], changes: list[tuple[dict[str, Any],
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
                lines.append(self._line(invoice_id, sub, item, old_price, credit, at, end,
                                        f"Unused time on {self._product_name(old_price)} after {day_text(at)}",
                                        True))
            if charge:
                new_item = {**item, "quantity": quantity}
                times = f"{quantity} × " if quantity > 1 else ""
                lines.append(self._line(invoice_id, sub, new_item, new_price, charge, at, end,
                                        f"Remaining time on {times}{self._product_name(new_price)} "
                                        f"after {day_text(at)}", True))
        return lines

    def _invoice(self, customer: dict[str, Any], sub: dict[str, Any] | None, reason: str, period: tuple[int, int],
                 build_lines: Any, *, created: int | None = None, emit: bool = True,
                 proration_date: int | None = None) -> dict[str, Any]:
        invoice_id = new_id("in_", 24)
        lines = build_lines(invoice_id)
        total = sum(line["amount"] for line in lines)
        currency = lines[0]["currency"] if lines else (sub or {}).get("currency") or "usd"
        invoice = self._new("invoice", {
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
        }, created=created, obj_id=invoice_id)
        if emit:
            self._emit("invoice.created", invoice)
        return invoice

    def _finalize(self, invoice: dict[str, Any], *, emit: bool = True, at: int | None = None) -> None:
        customer = self._objects["customer"][invoice["customer"]]
        before = copy.deepcopy(invoice)
        at = self.now() if at is None else at
        invoice["number"] = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
        customer["next_invoice_sequence"] += 1
        invoice["status"] = "open"
        invoice["effective_at"] = at
        invoice["status_transitions"]["finalized_at"] = at
        invoice["hosted_invoice_url"] = f"{self.base_url}/i/{invoice['id']}"
        invoice["invoice_pdf"] = f"{self.base_url}/i/{invoice['id']}/pdf"
        if invoice["amount_due"] == 0:
            invoice["status"] = "paid"
            invoice["status_transitions"]["paid_at"] = at
        if emit:
            self._emit("invoice.finalized", invoice, diff(before, invoice))
            if invoice["status"] == "paid":
                self._emit("invoice.paid", invoice)

    def _attempt(self, invoice: dict[str, Any], pm: dict[str, Any] | None, *, emit: bool = True,
                 at: int | None = None) -> errors.StripeError | None:
        """Charge the invoice to a card: paid, or open with the next retry planned. Returns the decline."""
        if invoice["status"] == "paid":
            return None
        at = self.now() if at is None else at
        before = copy.deepcopy(invoice)
        problem = self._charge_problem(pm)
        invoice["attempt_count"] += 1
        invoice["attempted"] = True
        if problem is None:
            invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0,
                           next_payment_attempt=None)
            invoice["default_payment_method"] = pm["id"] if pm else None
            invoice["status_transitions"]["paid_at"] = at
            if emit:
                self._emit("invoice.paid", invoice, diff(before, invoice))
                self._emit("invoice.payment_succeeded", invoice)
            return None
        retries_left = invoice["billing_reason"] == "subscription_cycle" and invoice["attempt_count"] <= MAX_RETRIES
        invoice["next_payment_attempt"] = at + RETRY_AFTER if retries_left else None
        if emit:
            self._emit("invoice.payment_failed", invoice, diff(before, invoice))
            self._emit("invoice.updated", invoice, diff(before, invoice))
        return problem

    def _mark_uncollectible(self, invoice: dict[str, Any], at: int) -> None:
        before = copy.deepcopy(invoice)
        invoice.update(status="uncollectible", next_payment_attempt=None)
        invoice["status_transitions"]["marked_uncollectible_at"] = at
        self._emit("invoice.marked_uncollectible", invoice, diff(before, invoice))
        self._emit("invoice.updated", invoice, diff(before, invoice))

    def pay_invoice(self, invoice_id: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            invoice = self._find("invoice", invoice_id)
            if invoice["status"] == "draft":
                self._finalize(invoice)
            if invoice["status"] != "open":
                raise errors.StripeError(f"Invoice is already {invoice['status']}", code="invoice_unexpected_state")
            customer = self._objects["customer"][invoice["customer"]]
            sub = self._invoice_subscription(invoice)
            if as_bool(params, "paid_out_of_band", False):
                problem = None
                self._attempt(invoice, {"id": None})
            else:
                pm = (self._payment_method(params["payment_method"], "payment_method")
                      if params.get("payment_method") else self._card_for(sub, customer))
                if pm is not None and pm.get("customer") != customer["id"]:
                    raise errors.invalid("payment_method", "The payment method must be attached to the invoice's "
                                         "customer.")
                problem = self._attempt(invoice, pm)
            if problem is not None:
                raise problem
            if sub is not None:
                self._after_payment(sub, invoice)
            return invoice

    def _invoice_subscription(self, invoice: dict[str, Any]) -> dict[str, Any] | None:
        details = (invoice.get("parent") or {}).get("subscription_details") or {}
        return self._objects.get("subscription", {}).get(details.get("subscription") or "")

    def _after_payment(self, sub: dict[str, Any], invoice: dict[str, Any]) -> None:
        """A paid invoice revives its subscription and applies a change that was waiting for it."""
        before = copy.deepcopy(sub)
        pending = sub.get("_pending")
        if pending and pending["invoice"] == invoice["id"]:
            self._apply_item_changes(sub, pending["changes"])
            sub["pending_update"] = None
            sub["_pending"] = None
        if sub["status"] in ("incomplete", "past_due", "unpaid") and not any(
                i["status"] == "open" for i in self._all("invoice")
                if (i.get("parent") or {}).get("subscription_details", {}).get("subscription") == sub["id"]):
            sub["status"] = "active"
        self._sub_changed(sub, before)

    def finalize_invoice(self, invoice_id: str) -> dict[str, Any]:
        with self.lock:
            invoice = self._find("invoice", invoice_id)
            if invoice["status"] != "draft":
                raise errors.StripeError("This invoice is already finalized.", code="invoice_unexpected_state")
            self._finalize(invoice)
            return invoice

    def void_invoice(self, invoice_id: str) -> dict[str, Any]:
        with self.lock:
            invoice = self._find("invoice", invoice_id)
            if invoice["status"] != "open":
                raise errors.StripeError(f"You can only void open invoices (this one is {invoice['status']}).",
                                         code="invoice_unexpected_state")
            self._void(invoice)
            return invoice

    def _void(self, invoice: dict[str, Any]) -> None:
        before = copy.deepcopy(invoice)
        invoice.update(status="void", next_payment_attempt=None, amount_remaining=0)
        invoice["status_transitions"]["voided_at"] = self.now()
        self._emit("invoice.voided", invoice, diff(before, invoice))

    def mark_uncollectible(self, invoice_id: str) -> dict[str, Any]:
        with self.lock:
            invoice = self._find("invoice", invoice_id)
            if invoice["status"] != "open":
                raise errors.StripeError("Only open invoices can be marked uncollectible.",
                                         code="invoice_unexpected_state")
            self._mark_uncollectible(invoice, self.now())
            return invoice
