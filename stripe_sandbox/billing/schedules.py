"""Subscription schedules: a plan change that waits for a date (a downgrade at period end)."""

from __future__ import annotations

import copy
from typing import Any

from stripe_sandbox import errors
from stripe_sandbox.billing import catalog, subscriptions
from stripe_sandbox.billing.subscriptions import LIVE, PRORATION
from stripe_sandbox.params import as_int, as_list, choice, merge_metadata
from stripe_sandbox.periods import next_period_end
from stripe_sandbox.store import Store, diff, public

END_BEHAVIORS = ("release", "cancel", "none", "renew")


def create_schedule(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        if not params.get("from_subscription"):
            raise errors.invalid("from_subscription", "The sandbox creates schedules from a subscription: "
                                 "pass from_subscription.")
        sub = store.find("subscription", params["from_subscription"], "from_subscription")
        if sub["status"] not in LIVE:
            raise errors.invalid("from_subscription", "The subscription must be active to be scheduled.")
        if sub.get("schedule"):
            raise errors.invalid("from_subscription", f"The subscription is already attached to a schedule "
                                 f"({sub['schedule']}).")
        start, end = subscriptions.period(sub)
        phase = new_phase([{"price": i["price"]["id"], "quantity": i.get("quantity") or 1}
                             for i in sub["items"]["data"]], start, end, "create_prorations", sub["currency"])
        schedule = store.new("subscription_schedule", {
            "customer": sub["customer"], "subscription": sub["id"], "status": "active",
            "phases": [phase], "current_phase": {"start_date": start, "end_date": end},
            "end_behavior": "release", "released_at": None, "released_subscription": None,
            "canceled_at": None, "completed_at": None, "metadata": merge_metadata({}, params.get("metadata")),
            "application": None, "customer_account": None, "pause_schedules": [], "test_clock": None,
            "billing_mode": {"type": "classic", "flexible": None, "updated_at": None},
            "default_settings": {"application_fee_percent": None, "automatic_tax": None,
                                 "billing_cycle_anchor": "automatic", "billing_thresholds": None,
                                 "collection_method": "charge_automatically", "default_payment_method": None,
                                 "description": None, "invoice_settings": {"account_tax_ids": None, "custom_fields": None,
                                                                               "description": None, "footer": None,
                                                                           "days_until_due": None,
                                                                           "issuer": {"type": "self",
                                                                                      "account": None}},
                                 "on_behalf_of": None, "transfer_data": None},
        })
        before = copy.deepcopy(sub)
        sub["schedule"] = schedule["id"]
        store.emit("subscription_schedule.created", schedule)
        subscriptions.changed(store, sub, before)
        return schedule


def new_phase(items: list[dict[str, Any]], start: int, end: int, proration: str,
           currency: str) -> dict[str, Any]:
    return {"start_date": start, "end_date": end, "items": [
        {"price": item["price"], "quantity": item["quantity"], "plan": item["price"], "metadata": {},
         "discounts": [], "tax_rates": [], "billing_thresholds": None} for item in items],
        "proration_behavior": proration, "currency": currency, "add_invoice_items": [], "discounts": [],
        "metadata": {}, "default_tax_rates": [], "description": None, "trial": None, "trial_end": None,
        "application_fee_percent": None, "automatic_tax": None, "billing_cycle_anchor": None,
        "billing_thresholds": None, "collection_method": None, "default_payment_method": None,
        "invoice_settings": None, "on_behalf_of": None, "transfer_data": None}


def update_schedule(store: Store, schedule_id: str, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        schedule = store.find("subscription_schedule", schedule_id)
        if schedule["status"] not in ("active", "not_started"):
            raise errors.StripeError(f"You cannot update a subscription schedule that is {schedule['status']}.")
        before = copy.deepcopy(schedule)
        if "end_behavior" in params:
            schedule["end_behavior"] = choice(params, "end_behavior", END_BEHAVIORS)
        if "metadata" in params:
            schedule["metadata"] = merge_metadata(schedule["metadata"], params["metadata"])
        if "phases" in params:
            schedule["phases"] = phases(store, schedule, as_list(params, "phases"))
            first = schedule["phases"][0]
            schedule["current_phase"] = {"start_date": first["start_date"], "end_date": first["end_date"]}
        previous = diff(before, schedule)
        if previous:
            store.emit("subscription_schedule.updated", schedule, previous)
        return schedule


def phases(store: Store, schedule: dict[str, Any], given: list[Any]) -> list[dict[str, Any]]:
    """Phases from params: each starts where the previous ends; the first is the current one."""
    if not given:
        raise errors.missing("phases")
    sub = store.table("subscription")[schedule["subscription"]]
    current_start = schedule["current_phase"]["start_date"]
    phases = []
    start = current_start
    for i, raw in enumerate(given):
        if not isinstance(raw, dict):
            raise errors.invalid(f"phases[{i}]", "Invalid object")
        if raw.get("start_date") not in (None, "", "now"):
            start = as_int(raw, "start_date") or start
            if i == 0 and start != current_start:
                raise errors.invalid("phases[0][start_date]", "You can not modify the start date of the "
                                     "current phase.")
        elif i == 0:
            start = current_start
        items = []
        for j, entry in enumerate(as_list(raw, "items")):
            if not isinstance(entry, dict) or not entry.get("price"):
                raise errors.missing(f"phases[{i}][items][{j}][price]")
            price = catalog.price(store, entry["price"], f"phases[{i}][items][{j}][price]")
            items.append({"price": price["id"], "quantity": as_int(entry, "quantity", 1, minimum=1) or 1})
        if not items:
            raise errors.missing(f"phases[{i}][items]")
        price = store.table("price")[items[0]["price"]]
        if raw.get("end_date") not in (None, ""):
            end = as_int(raw, "end_date") or 0
        elif isinstance(raw.get("duration"), dict):
            duration = raw["duration"]
            interval = choice(duration, "interval", ("day", "week", "month", "year"))
            if interval is None:
                raise errors.missing(f"phases[{i}][duration][interval]")
            count = as_int(duration, "interval_count", 1, minimum=1) or 1
            end = next_period_end(start, {"recurring": {"interval": interval, "interval_count": count}},
                                  sub["_anchor_day"])
        else:
            end = next_period_end(start, price, sub["_anchor_day"])
        if end <= start:
            raise errors.invalid(f"phases[{i}][end_date]", "The phase must end after it starts.")
        if i == 0 and end <= store.now():
            raise errors.invalid("phases[0][end_date]", "The current phase must end in the future.")
        proration = choice(raw, "proration_behavior", PRORATION, "create_prorations") or "create_prorations"
        phases.append(new_phase(items, start, end, proration, price["currency"]))
        start = end
    return phases


def release_schedule(store: Store, schedule_id: str, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        schedule = store.find("subscription_schedule", schedule_id)
        if schedule["status"] not in ("active", "not_started"):
            raise errors.StripeError(f"You cannot release a subscription schedule that is "
                                     f"{schedule['status']}.")
        release(store, schedule, store.now())
        return schedule


def release(store: Store, schedule: dict[str, Any], at: int) -> None:
    before = copy.deepcopy(schedule)
    schedule.update(status="released", released_at=at, released_subscription=schedule["subscription"],
                    subscription=None, current_phase=None)
    store.emit("subscription_schedule.released", schedule, diff(before, schedule))
    sub = store.table("subscription").get(before["subscription"] or "")
    if sub is not None:
        sub_before = copy.deepcopy(sub)
        sub["schedule"] = None
        subscriptions.changed(store, sub, sub_before)


def cancel_schedule(store: Store, schedule_id: str, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        schedule = store.find("subscription_schedule", schedule_id)
        if schedule["status"] not in ("active", "not_started"):
            raise errors.StripeError(f"You cannot cancel a subscription schedule that is {schedule['status']}.")
        sub = store.table("subscription").get(schedule["subscription"] or "")
        if sub is not None and sub["status"] != "canceled":
            subscriptions.end_subscription(store, sub, store.now(), reason="cancellation_requested")
        else:
            before = copy.deepcopy(schedule)
            schedule.update(status="canceled", canceled_at=store.now())
            store.emit("subscription_schedule.canceled", schedule, diff(before, schedule))
        return schedule


def next_phase(store: Store, schedule: dict[str, Any], at: int) -> None:
    """The current phase ended at `at`: switch the subscription's prices, or end the schedule."""
    sub = store.table("subscription")[schedule["subscription"]]
    later = [p for p in schedule["phases"] if p["start_date"] >= at]
    if not later:
        if schedule["end_behavior"] == "cancel":
            subscriptions.end_subscription(store, sub, at, reason="cancellation_requested")
            before = copy.deepcopy(schedule)
            schedule.update(status="completed", completed_at=at, current_phase=None)
            store.emit("subscription_schedule.completed", schedule, diff(before, schedule))
        else:
            release(store, schedule, at)
        return
    phase = later[0]
    before = copy.deepcopy(schedule)
    schedule["current_phase"] = {"start_date": phase["start_date"], "end_date": phase["end_date"]}
    store.emit("subscription_schedule.updated", schedule, diff(before, schedule))
    sub_before = copy.deepcopy(sub)
    items = sub["items"]["data"]
    for index, wanted in enumerate(phase["items"]):
        price = public(store.table("price")[wanted["price"]])
        if index < len(items):
            items[index]["price"] = price
            items[index]["plan"] = catalog.plan(price)
            items[index]["quantity"] = wanted["quantity"]
        else:
            start, end = subscriptions.period(sub)
            items.append(subscriptions.new_item(store, sub, price, wanted["quantity"], start, end))
    del items[len(phase["items"]):]
    sub["items"]["total_count"] = len(items)
    subscriptions.changed(store, sub, sub_before)
