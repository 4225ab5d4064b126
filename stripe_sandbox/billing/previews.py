"""The next invoice's preview (`invoices/create_preview`), with an optional plan change."""

from __future__ import annotations

import copy
from typing import Any

from stripe_sandbox import errors, shapes
from stripe_sandbox.billing import invoices, subscriptions
from stripe_sandbox.billing.subscriptions import PRORATION
from stripe_sandbox.params import as_int, choice, require
from stripe_sandbox.periods import next_period_end
from stripe_sandbox.store import Store, new_id


def preview_invoice(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    """What the next invoice would be (with an optional change), without storing anything."""
    with store.lock:
        customer = store.find("customer", require(params, "customer"), "customer") if params.get("customer") \
            else None
        sub = store.find("subscription", params["subscription"], "subscription") \
            if params.get("subscription") else None
        if sub is None:
            raise errors.missing("subscription")
        if customer is not None and sub["customer"] != customer["id"]:
            raise errors.invalid("subscription", "The subscription does not belong to that customer.")
        customer = customer or store.table("customer")[sub["customer"]]
        details = params.get("subscription_details") or {}
        if not isinstance(details, dict):
            raise errors.invalid("subscription_details", "Invalid object")
        behavior = choice(details, "proration_behavior", PRORATION, "create_prorations")
        at = as_int(details, "proration_date") or store.now()
        start, end = subscriptions.period(sub)
        if behavior != "always_invoice" and (sub["status"] in ("canceled", "incomplete_expired")
                                             or (sub.get("cancel_at") or end + 1) <= end):
            raise errors.StripeError(f"No upcoming invoices for customer: {customer['id']}",
                                     code="invoice_upcoming_none", status=404)
        if not start <= at <= end:
            raise errors.invalid("subscription_details[proration_date]",
                                 "proration_date must be within the current period.")
        scratch = copy.deepcopy(sub)
        asked = [{**entry} for entry in (details.get("items") or [])]
        scheduled = [] if asked else scheduled_items(store, sub, end)
        changes = subscriptions.item_changes(store, scratch, asked or scheduled)
        prorated = subscriptions.prorated_changes(changes)
        preview_id = new_id("upcoming_in_", 14)
        proration_lines = [] if behavior == "none" else invoices.proration_lines(store, preview_id, scratch, prorated, at)
        subscriptions.apply_item_changes(store, scratch, changes)
        if behavior == "always_invoice":
            lines, period, reason = proration_lines, (at, at), "subscription_update"
        elif scheduled:   # a schedule's next phase switches the prices at the period's end: no prorations
            pending = [{**line, "invoice": preview_id} for line in sub["_prorations"]]
            cycle = [invoices.cycle_line(store, preview_id, scratch, item, end, next_period_end(end, item["price"],
                                                                                       sub["_anchor_day"]))
                     for item in scratch["items"]["data"]]
            lines, period, reason = pending + cycle, (start, end), "subscription_cycle"
        else:
            pending = [{**line, "invoice": preview_id} for line in sub["_prorations"]]
            cycle = [invoices.cycle_line(store, preview_id, scratch, item, end, next_period_end(end, item["price"],
                                                                                       sub["_anchor_day"]))
                     for item in scratch["items"]["data"]]
            lines, period, reason = pending + proration_lines + cycle, (start, end), "subscription_cycle"
        fields = invoices.invoice_fields(customer, sub, reason, period, preview_id, lines, at)
        balance = int(customer.get("balance") or 0)   # the credit (or debit) finalizing would apply
        total = fields["total"]
        return shapes.build("invoice", {
            "id": preview_id, "object": "invoice", "created": store.now(), "livemode": False, **fields,
            "amount_due": max(total + balance, 0), "amount_remaining": max(total + balance, 0),
            "starting_balance": balance, "ending_balance": min(total + balance, 0),
            "next_payment_attempt": None if behavior == "always_invoice" else end, "auto_advance": False,
        })


def scheduled_items(store: Store, sub: dict[str, Any], at: int) -> list[dict[str, Any]]:
    """The items a schedule attached to the subscription switches it to at `at`, as change entries."""
    schedule = store.table("subscription_schedule").get(sub.get("schedule") or "")
    if schedule is None or schedule["status"] not in ("active", "not_started"):
        return []
    phase = next((p for p in schedule["phases"] if p["start_date"] == at), None)
    items = sub["items"]["data"]
    if phase is None or len(phase["items"]) != len(items):
        return []
    return [{"id": item["id"], "price": wanted["price"], "quantity": wanted["quantity"]}
            for item, wanted in zip(items, phase["items"])]
