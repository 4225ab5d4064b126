"""Subscriptions: creation, changes with proration, cancellation.

Proration is by the second, as Stripe does: an item changed at time t within [start, end) is
credited `amount * (end - t) / (end - start)` for the old price and charged the same share of the
new one.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from stripe_sandbox import errors
from stripe_sandbox.billing import cards, catalog, invoices
from stripe_sandbox.params import as_bool, as_int, as_list, choice, merge_metadata, require
from stripe_sandbox.periods import DAY, next_period_end
from stripe_sandbox.store import Store, diff, new_id, public

INCOMPLETE_EXPIRES = 23 * 3600
LIVE = ("active", "trialing", "past_due")
PRORATION = ("create_prorations", "none", "always_invoice")
PAYMENT_BEHAVIORS = ("allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete")


def require_item(entry: dict[str, Any], index: int, name: str) -> Any:
    value = entry.get(name)
    if not value:
        raise errors.missing(f"items[{index}][{name}]")
    return value


def new_item(store: Store, sub: dict[str, Any], price: dict[str, Any], quantity: int, start: int, end: int,
              metadata: Any = None) -> dict[str, Any]:
    return {"id": new_id("si_", 14), "object": "subscription_item", "created": store.now(),
            "price": public(price), "plan": catalog.plan(price), "quantity": quantity,
            "current_period_start": start, "current_period_end": end, "subscription": sub["id"],
            "metadata": merge_metadata({}, metadata), "discounts": [], "tax_rates": [],
            "billing_thresholds": None, "billed_until": None, "current_trial": None}


def period(sub: dict[str, Any]) -> tuple[int, int]:
    item = sub["items"]["data"][0]
    return item["current_period_start"], item["current_period_end"]


def changed(store: Store, sub: dict[str, Any], before: dict[str, Any]) -> None:
    previous = diff(before, sub)
    if previous:
        store.emit("customer.subscription.updated", sub, previous)


def after_payment(store: Store, sub: dict[str, Any], invoice: dict[str, Any]) -> None:
    """A paid invoice revives its subscription and applies a change that was waiting for it."""
    before = copy.deepcopy(sub)
    pending = sub.get("_pending")
    if pending and pending["invoice"] == invoice["id"]:
        apply_item_changes(store, sub, pending["changes"])
        sub["pending_update"] = None
        sub["_pending"] = None
    if sub["status"] in ("incomplete", "past_due", "unpaid") and not any(
            i["status"] == "open" for i in store.all("invoice")
            if (i.get("parent") or {}).get("subscription_details", {}).get("subscription") == sub["id"]):
        sub["status"] = "active"
    changed(store, sub, before)


def create_subscription(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        customer = store.find("customer", require(params, "customer"), "customer")
        wanted = as_list(params, "items")
        if not wanted:
            raise errors.missing("items")
        prices = []
        for i, entry in enumerate(wanted):
            if not isinstance(entry, dict):
                raise errors.invalid(f"items[{i}]", "Invalid object")
            prices.append((catalog.price(store, require_item(entry, i, "price"), f"items[{i}][price]"),
                           as_int(entry, "quantity", 1, minimum=1) or 1, entry.get("metadata")))
        behavior = choice(params, "payment_behavior", PAYMENT_BEHAVIORS, "allow_incomplete")
        pm = None
        if params.get("default_payment_method"):
            pm = cards.payment_method(store, params["default_payment_method"], "default_payment_method")
            if pm.get("customer") != customer["id"]:
                raise errors.invalid("default_payment_method", "The payment method must be attached to the "
                                     "customer before it can be the subscription's default.")
        trial_days = as_int(params, "trial_period_days", minimum=0) or 0
        now = store.now()
        charge_to = pm or cards.card_for(store, None, customer)
        if behavior == "error_if_incomplete" and not trial_days:
            problem = cards.charge_problem(store, charge_to)
            if problem is not None:
                raise problem
        return start_subscription(store, customer, prices, pm, now, trial_days=trial_days,
                                        metadata=params.get("metadata"), charge_to=charge_to)


def start_subscription(store: Store, customer: dict[str, Any], prices: list[tuple[dict[str, Any], int, Any]],
                        pm: dict[str, Any] | None, start: int, *, trial_days: int = 0, metadata: Any = None,
                        charge_to: dict[str, Any] | None = None, emit: bool = True) -> dict[str, Any]:
    anchor_day = dt.datetime.fromtimestamp(start, dt.timezone.utc).day
    trial_end = start + trial_days * DAY if trial_days else None
    sub = store.new("subscription", {
        "customer": customer["id"], "status": "incomplete", "currency": prices[0][0]["currency"],
        "default_payment_method": pm["id"] if pm else None, "latest_invoice": None,
        "cancel_at_period_end": False, "cancel_at": None, "canceled_at": None, "ended_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "feedback_option": None, "reason": None},
        "billing_cycle_anchor": trial_end or start, "start_date": start,
        "trial_start": start if trial_end else None, "trial_end": trial_end, "pending_update": None,
        "schedule": None, "metadata": merge_metadata({}, metadata), "collection_method": "charge_automatically",
        "description": None, "days_until_due": None, "discounts": [], "default_tax_rates": [],
        "billing_mode": {"type": "classic", "flexible": None, "updated_at": None},
        "automatic_tax": {"enabled": False, "disabled_reason": None, "liability": None},
        "invoice_settings": {"account_tax_ids": None, "custom_fields": None, "description": None,
                             "footer": None, "issuer": {"type": "self", "account": None}},
        "payment_settings": {"payment_method_options": None, "payment_method_types": None,
                             "save_default_payment_method": "off"},
        "_anchor_day": dt.datetime.fromtimestamp(trial_end, dt.timezone.utc).day if trial_end else anchor_day,
        "_prorations": [],
    }, created=start)
    items = []
    for price, quantity, item_metadata in prices:
        end = trial_end or next_period_end(start, price, anchor_day)
        items.append(new_item(store, sub, price, quantity, start, end, item_metadata))
        items[-1]["created"] = start
    sub["items"] = {"object": "list", "data": items, "has_more": False, "total_count": len(items),
                    "url": f"/v1/subscription_items?subscription={sub['id']}"}

    def lines(invoice_id: str) -> list[dict[str, Any]]:
        if trial_end:
            return [invoices.line(store, invoice_id, sub, item, item["price"], 0, start, trial_end,
                               f"Trial period for {catalog.product_name(store, item['price'])}", False)
                    for item in items]
        return [invoices.cycle_line(store, invoice_id, sub, item, start, item["current_period_end"]) for item in items]

    invoice = invoices.create_invoice(store, customer, sub, "subscription_create", (start, start), lines, created=start, emit=False)
    sub["latest_invoice"] = invoice["id"]
    invoices.finalize(store, invoice, emit=False, at=start)
    problem = None if invoice["status"] == "paid" else invoices.attempt(store, invoice, charge_to, emit=False, at=start)
    sub["status"] = ("trialing" if trial_end else "active") if problem is None else "incomplete"
    if emit:
        store.emit("customer.subscription.created", sub)
        store.emit("invoice.created", invoice)
        store.emit("invoice.finalized", invoice)
        if problem is None:
            store.emit("invoice.paid", invoice)
            store.emit("invoice.payment_succeeded", invoice)
        else:
            store.emit("invoice.payment_failed", invoice)
    return sub


def update_subscription(store: Store, sub_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """Validate everything first, so a refused update (400, or 402 before charging) changes nothing."""
    with store.lock:
        sub = store.find("subscription", sub_id)
        if sub["status"] in ("canceled", "incomplete_expired") and set(params) - {"metadata",
                                                                                  "cancellation_details"}:
            raise errors.StripeError("A canceled subscription can only update its cancellation_details and "
                                     "metadata.")
        behavior = choice(params, "proration_behavior", PRORATION, "create_prorations")
        payment_behavior = choice(params, "payment_behavior", PAYMENT_BEHAVIORS, "allow_incomplete")
        at = as_int(params, "proration_date") or store.now()
        start, end = period(sub)
        if not start <= at <= end:
            raise errors.invalid("proration_date", "proration_date must be within the current period.")
        pm = None
        if params.get("default_payment_method"):
            pm = cards.payment_method(store, params["default_payment_method"], "default_payment_method")
            if pm.get("customer") != sub["customer"]:
                raise errors.invalid("default_payment_method", "The payment method must be attached to the "
                                     "customer before it can be the subscription's default.")
        cancel = as_bool(params, "cancel_at_period_end")
        if (cancel is not None or params.get("cancel_at") not in (None, "")) and sub.get("schedule"):
            raise errors.StripeError(f"The subscription is managed by the subscription schedule "
                                     f"`{sub['schedule']}`, and updating any cancelation behavior directly "
                                     f"is not allowed. Please update the schedule instead.")
        details = params.get("cancellation_details")
        if details not in (None, "") and not isinstance(details, dict):
            raise errors.invalid("cancellation_details", "Invalid object")
        changes = item_changes(store, sub, as_list(params, "items"))
        before = copy.deepcopy(sub)
        if pm is not None:
            sub["default_payment_method"] = pm["id"]
        if changes and behavior == "always_invoice" and payment_behavior == "error_if_incomplete":
            refuse_declined_change(store, sub, changes, at)
        if "metadata" in params:
            sub["metadata"] = merge_metadata(sub["metadata"], params["metadata"])
        for name in ("comment", "feedback"):
            if isinstance(details, dict) and name in details:
                sub["cancellation_details"][name] = details[name] or None
        if cancel is not None:
            set_cancel_at_period_end(store, sub, cancel)
        try:
            if changes:
                change_items(store, sub, changes, behavior, payment_behavior, at)
        finally:
            changed(store, sub, before)
        return sub


def refuse_declined_change(store: Store, sub: dict[str, Any], changes: list[dict[str, Any]], at: int) -> None:
    """error_if_incomplete: a change whose charge would be declined is refused before anything happens."""
    total = sum(line["amount"] for line in invoices.proration_lines(store, "", sub, prorated_changes(changes), at))
    if total > 0:
        problem = cards.charge_problem(store, cards.card_for(store, sub, store.table("customer")[sub["customer"]]))
        if problem is not None:
            raise problem


def prorated_changes(changes: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any], int]]:
    """(item, new price, new quantity) for each existing item whose price or quantity changes."""
    return [(c["item"], c["price"], 0 if c["deleted"] else c["quantity"]) for c in changes
            if c["item"] is not None and (c["deleted"] or c["price"]["id"] != c["item"]["price"]["id"]
                                          or c["quantity"] != c["item"].get("quantity"))]


def set_cancel_at_period_end(store: Store, sub: dict[str, Any], value: bool) -> None:
    sub["cancel_at_period_end"] = value
    sub["cancel_at"] = period(sub)[1] if value else None
    sub["canceled_at"] = store.now() if value else None
    sub["cancellation_details"]["reason"] = "cancellation_requested" if value else None
    if not value:
        sub["cancellation_details"].update(comment=None, feedback=None)


def item_changes(store: Store, sub: dict[str, Any], wanted: list[Any]) -> list[dict[str, Any]]:
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
        price = catalog.price(store, price_id, f"items[{i}][price]")
        quantity = as_int(entry, "quantity", (item or {}).get("quantity") or 1, minimum=1) or 1
        changes.append({"item": item, "price": public(price), "quantity": quantity, "deleted": False})
    return changes


def change_items(store: Store, sub: dict[str, Any], changes: list[dict[str, Any]], behavior: str,
                  payment_behavior: str, at: int) -> None:
    customer = store.table("customer")[sub["customer"]]
    prorated = prorated_changes(changes)
    if behavior == "none" or sub["status"] == "trialing":
        apply_item_changes(store, sub, changes)
        return
    if behavior == "create_prorations":
        lines = invoices.proration_lines(store, "", sub, prorated, at)
        sub["_prorations"].extend(lines)
        apply_item_changes(store, sub, changes)
        return
    invoice = invoices.create_invoice(store, customer, sub, "subscription_update", (at, at),
                            lambda invoice_id: invoices.proration_lines(store, invoice_id, sub, prorated, at),
                            proration_date=at)
    card = cards.card_for(store, sub, customer)
    invoices.finalize(store, invoice)
    sub["latest_invoice"] = invoice["id"]
    problem = invoices.attempt(store, invoice, card) if invoice["status"] == "open" else None
    if problem is None:
        apply_item_changes(store, sub, changes)
        return
    if payment_behavior == "pending_if_incomplete":
        sub["_pending"] = {"invoice": invoice["id"], "changes": changes}
        sub["pending_update"] = {
            "billing_cycle_anchor": None, "expires_at": at + INCOMPLETE_EXPIRES, "trial_end": None,
            "trial_from_plan": None, "discounts": None, "cancel_at_period_end": None, "metadata": None,
            "subscription_items": [preview_item(store, sub, c) for c in changes]}
        return
    apply_item_changes(store, sub, changes)
    sub["status"] = "past_due"


def preview_item(store: Store, sub: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    item = change["item"]
    start, end = period(sub)
    preview = new_item(store, sub, change["price"], change["quantity"], start, end)
    if item is not None:
        preview["id"] = item["id"]
    return preview


def apply_item_changes(store: Store, sub: dict[str, Any], changes: list[dict[str, Any]]) -> None:
    start, end = period(sub)
    for change in changes:
        item = change["item"]
        if change["deleted"]:
            sub["items"]["data"] = [i for i in sub["items"]["data"] if i["id"] != item["id"]]
        elif item is None:
            sub["items"]["data"].append(new_item(store, sub, change["price"], change["quantity"], start, end))
        else:
            item["price"] = change["price"]
            item["plan"] = catalog.plan(change["price"])
            item["quantity"] = change["quantity"]
    sub["items"]["total_count"] = len(sub["items"]["data"])


def cancel_subscription(store: Store, sub_id: str, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        sub = store.find("subscription", sub_id)
        if sub["status"] == "canceled":
            raise errors.StripeError(f"No such subscription: '{sub_id}' (it is already canceled).",
                                     code="resource_missing", param="id", status=404)
        details = params.get("cancellation_details") or {}
        end_subscription(store, sub, store.now(), reason="cancellation_requested",
                               feedback=details.get("feedback") or None, comment=details.get("comment") or None)
        return sub


def end_subscription(store: Store, sub: dict[str, Any], at: int, *, reason: str, feedback: str | None = None,
                      comment: str | None = None) -> None:
    before = copy.deepcopy(sub)
    sub.update(status="canceled", ended_at=at, canceled_at=sub.get("canceled_at") or at, cancel_at=None,
               cancel_at_period_end=False, pending_update=None, _pending=None)
    sub["cancellation_details"]["reason"] = reason
    if feedback:
        sub["cancellation_details"]["feedback"] = feedback
    if comment:
        sub["cancellation_details"]["comment"] = comment
    schedule = store.table("subscription_schedule").get(sub.get("schedule") or "")
    if schedule is not None and schedule["status"] in ("active", "not_started"):
        schedule_before = copy.deepcopy(schedule)
        schedule.update(status="canceled", canceled_at=at)
        store.emit("subscription_schedule.canceled", schedule, diff(schedule_before, schedule))
    store.emit("customer.subscription.deleted", sub, diff(before, sub))


def open_invoices(store: Store, sub: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in store.all("invoice") if i["status"] == "open"
            and ((i.get("parent") or {}).get("subscription_details") or {}).get("subscription") == sub["id"]]
