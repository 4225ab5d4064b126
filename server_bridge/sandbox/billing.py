"""Subscriptions: creation, changes with proration, cancellation, and the next invoice's preview.

Proration is by the second, as Stripe does: an item changed at time t within [start, end) is
credited `amount * (end - t) / (end - start)` for the old price and charged the same share of the
new one.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from server_bridge.sandbox import errors
from server_bridge.sandbox.core import diff, new_id, public
from server_bridge.sandbox.invoices import DAY, InvoicesMixin, next_period_end
from server_bridge.sandbox.params import as_bool, as_int, as_list, choice, merge_metadata, require

INCOMPLETE_EXPIRES = 23 * 3600
LIVE = ("active", "trialing", "past_due")
PRORATION = ("create_prorations", "none", "always_invoice")
PAYMENT_BEHAVIORS = ("allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete")


class BillingMixin(InvoicesMixin):
    # subscriptions -------------------------------------------------------------------------
    def create_subscription(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            customer = self._find("customer", require(params, "customer"), "customer")
            wanted = as_list(params, "items")
            if not wanted:
                raise errors.missing("items")
            prices = []
            for i, entry in enumerate(wanted):
                if not isinstance(entry, dict):
                    raise errors.invalid(f"items[{i}]", "Invalid object")
                prices.append((self._price(require_item(entry, i, "price"), f"items[{i}][price]"),
                               as_int(entry, "quantity", 1, minimum=1) or 1, entry.get("metadata")))
            behavior = choice(params, "payment_behavior", PAYMENT_BEHAVIORS, "allow_incomplete")
            pm = None
            if params.get("default_payment_method"):
                pm = self._payment_method(params["default_payment_method"], "default_payment_method")
                if pm.get("customer") != customer["id"]:
                    raise errors.invalid("default_payment_method", "The payment method must be attached to the "
                                         "customer before it can be the subscription's default.")
            trial_days = as_int(params, "trial_period_days", minimum=0) or 0
            now = self.now()
            charge_to = pm or self._card_for(None, customer)
            if behavior == "error_if_incomplete" and not trial_days:
                problem = self._charge_problem(charge_to)
                if problem is not None:
                    raise problem
            return self._start_subscription(customer, prices, pm, now, trial_days=trial_days,
                                            metadata=params.get("metadata"), charge_to=charge_to)

    def _start_subscription(self, customer: dict[str, Any], prices: list[tuple[dict[str, Any], int, Any]],
                            pm: dict[str, Any] | None, start: int, *, trial_days: int = 0, metadata: Any = None,
                            charge_to: dict[str, Any] | None = None, emit: bool = True) -> dict[str, Any]:
        anchor_day = dt.datetime.fromtimestamp(start, dt.timezone.utc).day
        trial_end = start + trial_days * DAY if trial_days else None
        sub = self._new("subscription", {
            "customer": customer["id"], "status": "incomplete", "currency": prices[0][0]["currency"],
            "default_payment_method": pm["id"] if pm else None, "latest_invoice": None,
            "cancel_at_period_end": False, "cancel_at": None, "canceled_at": None, "ended_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "billing_cycle_anchor": trial_end or start, "start_date": start,
            "trial_start": start if trial_end else None, "trial_end": trial_end, "pending_update": None,
            "schedule": None, "metadata": merge_metadata({}, metadata), "collection_method": "charge_automatically",
            "description": None, "days_until_due": None, "discounts": [], "default_tax_rates": [],
            "billing_mode": {"type": "classic", "flexible": None, "updated_at": None},
            "automatic_tax": {"enabled": False, "disabled_reason": None, "liability": None},
            "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self", "account": None}},
            "payment_settings": {"payment_method_options": None, "payment_method_types": None,
                                 "save_default_payment_method": "off"},
            "_anchor_day": dt.datetime.fromtimestamp(trial_end, dt.timezone.utc).day if trial_end else anchor_day,
            "_prorations": [],
        }, created=start)
        items = []
        for price, quantity, item_metadata in prices:
            end = trial_end or next_period_end(start, price, anchor_day)
            items.append(self._new_item(sub, price, quantity, start, end, item_metadata))
            items[-1]["created"] = start
        sub["items"] = {"object": "list", "data": items, "has_more": False, "total_count": len(items),
                        "url": f"/v1/subscription_items?subscription={sub['id']}"}

        def lines(invoice_id: str) -> list[dict[str, Any]]:
            if trial_end:
                return [self._line(invoice_id, sub, item, item["price"], 0, start, trial_end,
                                   f"Trial period for {self._product_name(item['price'])}", False)
                        for item in items]
            return [self._cycle_line(invoice_id, sub, item, start, item["current_period_end"]) for item in items]

        invoice = self._invoice(customer, sub, "subscription_create", (start, start), lines, created=start, emit=False)
        sub["latest_invoice"] = invoice["id"]
        self._finalize(invoice, emit=False, at=start)
        problem = None if invoice["status"] == "paid" else self._attempt(invoice, charge_to, emit=False, at=start)
        sub["status"] = ("trialing" if trial_end else "active") if problem is None else "incomplete"
        if emit:
            self._emit("customer.subscription.created", sub)
            self._emit("invoice.created", invoice)
            self._emit("invoice.finalized", invoice)
            if problem is None:
                self._emit("invoice.paid", invoice)
                self._emit("invoice.payment_succeeded", invoice)
            else:
                self._emit("invoice.payment_failed", invoice)
        return sub

    def update_subscription(self, sub_id: str, params: dict[str, Any]) -> dict[str, Any]:
        """Validate everything first, so a refused update (400, or 402 before charging) changes nothing."""
        with self.lock:
            sub = self._find("subscription", sub_id)
            if sub["status"] in ("canceled", "incomplete_expired") and set(params) - {"metadata",
                                                                                      "cancellation_details"}:
                raise errors.StripeError("A canceled subscription can only update its cancellation_details and "
                                         "metadata.")
            behavior = choice(params, "proration_behavior", PRORATION, "create_prorations")
            payment_behavior = choice(params, "payment_behavior", PAYMENT_BEHAVIORS, "allow_incomplete")
            at = as_int(params, "proration_date") or self.now()
            start, end = self._period(sub)
            if not start <= at <= end:
                raise errors.invalid("proration_date", "proration_date must be within the current period.")
            pm = None
            if params.get("default_payment_method"):
                pm = self._payment_method(params["default_payment_method"], "default_payment_method")
                if pm.get("customer") != sub["customer"]:
                    raise errors.invalid("default_payment_method", "The payment method must be attached to the "
                                         "customer before it can be the subscription's default.")
            cancel = as_bool(params, "cancel_at_period_end")
            details = params.get("cancellation_details")
            if details not in (None, "") and not isinstance(details, dict):
                raise errors.invalid("cancellation_details", "Invalid object")
            changes = self._item_changes(sub, as_list(params, "items"))
            before = copy.deepcopy(sub)
            if pm is not None:
                sub["default_payment_method"] = pm["id"]
            if changes and behavior == "always_invoice" and payment_behavior == "error_if_incomplete":
                self._refuse_declined_change(sub, changes, at)
            if "metadata" in params:
                sub["metadata"] = merge_metadata(sub["metadata"], params["metadata"])
            for name in ("comment", "feedback"):
                if isinstance(details, dict) and name in details:
                    sub["cancellation_details"][name] = details[name] or None
            if cancel is not None:
                self._set_cancel_at_period_end(sub, cancel)
            try:
                if changes:
                    self._change_items(sub, changes, behavior, payment_behavior, at)
            finally:
                self._sub_changed(sub, before)
            return sub

    def _refuse_declined_change(self, sub: dict[str, Any], changes: list[dict[str, Any]], at: int) -> None:
        """error_if_incomplete: a change whose charge would be declined is refused before anything happens."""
        total = sum(line["amount"] for line in self._proration_lines("", sub, self._prorated(changes), at))
        if total > 0:
            problem = self._charge_problem(self._card_for(sub, self._objects["customer"][sub["customer"]]))
            if problem is not None:
                raise problem

    @staticmethod
    def _prorated(changes: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any], int]]:
        """(item, new price, new quantity) for each existing item whose price or quantity changes."""
        return [(c["item"], c["price"], 0 if c["deleted"] else c["quantity"]) for c in changes
                if c["item"] is not None and (c["deleted"] or c["price"]["id"] != c["item"]["price"]["id"]
                                              or c["quantity"] != c["item"].get("quantity"))]

    def _set_cancel_at_period_end(self, sub: dict[str, Any], value: bool) -> None:
        sub["cancel_at_period_end"] = value
        sub["cancel_at"] = self._period(sub)[1] if value else None
        sub["canceled_at"] = self.now() if value else None
        sub["cancellation_details"]["reason"] = "cancellation_requested" if value else None
        if not value:
            sub["cancellation_details"].update(comment=None, feedback=None)

    def _item_changes(self, sub: dict[str, Any], wanted: list[Any]) -> list[dict[str, Any]]:
        """Validated item changes: {"item": existing or None, "price", "quantity", "deleted"}."""
        changes = []
        by_id = {item["id"]: item for item in sub["items"]["data"]}
        for i, entry in enumerate(wanted):
            if not isinstance(entry, dict):
                raise errors.invalid(f"items[{i}]", "Invalid object")
            item = None
            if entry.get("id"):
                item = by_id.get(entry["id"])
                if item is None:
                    raise errors.invalid(f"items[{i}][id]", f"Invalid subscription_item: {entry['id']}")
            if as_bool(entry, "deleted", False):
                if item is None:
                    raise errors.missing(f"items[{i}][id]")
                changes.append({"item": item, "price": item["price"], "quantity": 0, "deleted": True})
                continue
            price_id = entry.get("price") or (item["price"]["id"] if item else None)
            if not price_id:
                raise errors.missing(f"items[{i}][price]")
            price = self._price(price_id, f"items[{i}][price]")
            quantity = as_int(entry, "quantity", (item or {}).get("quantity") or 1, minimum=1) or 1
            changes.append({"item": item, "price": public(price), "quantity": quantity, "deleted": False})
        return changes

    def _change_items(self, sub: dict[str, Any], changes: list[dict[str, Any]], behavior: str,
                      payment_behavior: str, at: int) -> None:
        customer = self._objects["customer"][sub["customer"]]
        prorated = self._prorated(changes)
        if behavior == "none" or sub["status"] == "trialing":
            self._apply_item_changes(sub, changes)
            return
        if behavior == "create_prorations":
            lines = self._proration_lines("", sub, prorated, at)
            sub["_prorations"].extend(lines)
            self._apply_item_changes(sub, changes)
            return
        invoice = self._invoice(customer, sub, "subscription_update", (at, at),
                                lambda invoice_id: self._proration_lines(invoice_id, sub, prorated, at),
                                proration_date=at)
        card = self._card_for(sub, customer)
        self._finalize(invoice)
        sub["latest_invoice"] = invoice["id"]
        problem = self._attempt(invoice, card) if invoice["status"] == "open" else None
        if problem is None:
            self._apply_item_changes(sub, changes)
            return
        if payment_behavior == "pending_if_incomplete":
            sub["_pending"] = {"invoice": invoice["id"], "changes": changes}
            sub["pending_update"] = {
                "billing_cycle_anchor": None, "expires_at": at + INCOMPLETE_EXPIRES, "trial_end": None,
                "trial_from_plan": None, "discounts": None, "cancel_at_period_end": None, "metadata": None,
                "subscription_items": [self._preview_item(sub, c) for c in changes]}
            raise problem
        self._apply_item_changes(sub, changes)
        sub["status"] = "past_due"

    def _preview_item(self, sub: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
        item = change["item"]
        start, end = self._period(sub)
        preview = self._new_item(sub, change["price"], change["quantity"], start, end)
        if item is not None:
            preview["id"] = item["id"]
        return preview

    def _apply_item_changes(self, sub: dict[str, Any], changes: list[dict[str, Any]]) -> None:
        start, end = self._period(sub)
        for change in changes:
            item = change["item"]
            if change["deleted"]:
                sub["items"]["data"] = [i for i in sub["items"]["data"] if i["id"] != item["id"]]
            elif item is None:
                sub["items"]["data"].append(self._new_item(sub, change["price"], change["quantity"], start, end))
            else:
                item["price"] = change["price"]
                item["plan"] = self._plan(change["price"])
                item["quantity"] = change["quantity"]
        sub["items"]["total_count"] = len(sub["items"]["data"])

    def cancel_subscription(self, sub_id: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            sub = self._find("subscription", sub_id)
            if sub["status"] == "canceled":
                raise errors.StripeError(f"No such subscription: '{sub_id}' (it is already canceled).",
                                         code="resource_missing", param="id", status=404)
            details = params.get("cancellation_details") or {}
            self._end_subscription(sub, self.now(), reason="cancellation_requested",
                                   feedback=details.get("feedback") or None, comment=details.get("comment") or None)
            return sub

    def _end_subscription(self, sub: dict[str, Any], at: int, *, reason: str, feedback: str | None = None,
                          comment: str | None = None) -> None:
        before = copy.deepcopy(sub)
        sub.update(status="canceled", ended_at=at, canceled_at=sub.get("canceled_at") or at, cancel_at=None,
                   cancel_at_period_end=False, pending_update=None, _pending=None)
        sub["cancellation_details"]["reason"] = reason
        if feedback:
            sub["cancellation_details"]["feedback"] = feedback
        if comment:
            sub["cancellation_details"]["comment"] = comment
        schedule = self._objects.get("subscription_schedule", {}).get(sub.get("schedule") or "")
        if schedule is not None and schedule["status"] in ("active", "not_started"):
            schedule_before = copy.deepcopy(schedule)
            schedule.update(status="canceled", canceled_at=at)
            self._emit("subscription_schedule.canceled", schedule, diff(schedule_before, schedule))
        self._emit("customer.subscription.deleted", sub, diff(before, sub))

    # preview -------------------------------------------------------------------------------
    def preview_invoice(self, params: dict[str, Any]) -> dict[str, Any]:
        """What the next invoice would be (with an optional change), without storing anything."""
        with self.lock:
            customer = self._find("customer", require(params, "customer"), "customer") if params.get("customer") \
                else None
            sub = self._find("subscription", params["subscription"], "subscription") \
                if params.get("subscription") else None
            if sub is None:
                raise errors.missing("subscription")
            if customer is not None and sub["customer"] != customer["id"]:
                raise errors.invalid("subscription", "The subscription does not belong to that customer.")
            customer = customer or self._objects["customer"][sub["customer"]]
            details = params.get("subscription_details") or {}
            if not isinstance(details, dict):
                raise errors.invalid("subscription_details", "Invalid object")
            behavior = choice(details, "proration_behavior", PRORATION, "create_prorations")
            at = as_int(details, "proration_date") or self.now()
            start, end = self._period(sub)
            if not start <= at <= end:
                raise errors.invalid("subscription_details[proration_date]",
                                     "proration_date must be within the current period.")
            scratch = copy.deepcopy(sub)
            changes = self._item_changes(scratch, [
                {**entry} for entry in (details.get("items") or [])])
            prorated = self._prorated(changes)
            preview_id = new_id("upcoming_in_", 14)
            proration_lines = [] if behavior == "none" else self._proration_lines(preview_id, scratch, prorated, at)
            self._apply_item_changes(scratch, changes)
            if behavior == "always_invoice":
                lines, period, reason = proration_lines, (at, at), "subscription_update"
            else:
                pending = [{**line, "invoice": preview_id} for line in sub["_prorations"]]
                cycle = [self._cycle_line(preview_id, scratch, item, end, next_period_end(end, item["price"],
                                                                                           sub["_anchor_day"]))
                         for item in scratch["items"]["data"]]
                lines, period, reason = pending + proration_lines + cycle, (start, end), "subscription_cycle"
            total = sum(line["amount"] for line in lines)
            due = max(total, 0)
            return {
                "id": preview_id, "object": "invoice", "created": self.now(), "livemode": False,
                "customer": customer["id"], "customer_email": customer.get("email"),
                "customer_name": customer.get("name"), "status": "draft", "number": None,
                "currency": sub["currency"], "billing_reason": reason, "collection_method": "charge_automatically",
                "lines": {"object": "list", "data": lines, "has_more": False, "total_count": len(lines),
                          "url": f"/v1/invoices/{preview_id}/lines"},
                "subtotal": total, "subtotal_excluding_tax": total, "total": total, "total_excluding_tax": total,
                "amount_due": due, "amount_paid": 0, "amount_remaining": due, "amount_overpaid": 0,
                "amount_shipping": 0, "starting_balance": 0, "attempt_count": 0, "attempted": False,
                "next_payment_attempt": None if behavior == "always_invoice" else end,
                "period_start": period[0], "period_end": period[1], "auto_advance": False,
                "parent": {"type": "subscription_details", "quote_details": None,
                           "subscription_details": {"subscription": sub["id"], "metadata": dict(sub["metadata"]),
                                                    "subscription_proration_date": at}},
                "status_transitions": {"finalized_at": None, "paid_at": None, "voided_at": None,
                                       "marked_uncollectible_at": None},
                "issuer": {"type": "self", "account": None}, "discounts": [], "default_tax_rates": [],
                "total_taxes": [], "metadata": {},
            }


def require_item(entry: dict[str, Any], index: int, name: str) -> Any:
    value = entry.get(name)
    if not value:
        raise errors.missing(f"items[{index}][{name}]")
    return value
