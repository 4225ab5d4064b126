"""An owner's plan, card, invoices and plan changes, in the shapes of docs/bridge-api.md.

Reads come from the store only (a warm read makes no Stripe call). Writes go through the gateway
with idempotency keys derived from the logical operation, and their answers are stored at once, so
the next summary shows them before the webhook arrives.
"""

from __future__ import annotations

import calendar
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from server_bridge import store
from server_bridge.errors import ApiError, conflict, not_found
from server_bridge.gateway import CardDeclined, Gateway
from server_bridge.models import Owner, OwnerSync, StripeObject
from server_bridge.settings import Settings
from server_bridge.setup import find_portal_configuration
from server_bridge.sync import Publisher, ensure_fresh, ensure_prices, ref, save_fetched

LIVE_STATUSES = ("active", "trialing", "past_due", "unpaid", "paused", "incomplete")
PORTAL_FLOWS = ("payment_method_update", "subscription_cancel")
STALE_AFTER = 3600


# -- pure shaping: Stripe dicts in, API dicts out ----------------------------------------------


@dataclass
class OwnerBilling:
    """Everything the store knows about one owner that the summary needs."""

    customer: dict | None = None
    subscriptions: list[dict] = field(default_factory=list)
    schedules: list[dict] = field(default_factory=list)
    latest_invoice: dict | None = None
    payment_methods: dict[str, dict] = field(default_factory=dict)
    prices: dict[str, dict] = field(default_factory=dict)
    products: dict[str, dict] = field(default_factory=dict)
    as_of: int | None = None
    synced_at: int | None = None  # when the owner was backfilled; only read if load_owner got owner_id


def plan_key_for(price: Mapping[str, Any], plans: Mapping[str, str]) -> str:
    for key, price_id in plans.items():
        if price_id == price.get("id"):
            return key
    lookup = price.get("lookup_key") or ""
    return lookup.removeprefix("billing-manager-") or str(price.get("id"))


def plan_view(price: Mapping[str, Any], product: Mapping[str, Any] | None, plans: Mapping[str, str]) -> dict:
    key = plan_key_for(price, plans)
    recurring = price.get("recurring") or {}
    return {
        "key": key,
        "name": (product or {}).get("name") or price.get("nickname") or key.title(),
        "amount": int(price.get("unit_amount") or 0),
        "currency": price.get("currency") or "usd",
        "interval": recurring.get("interval") or "month",
    }


def features_of(product: Mapping[str, Any] | None) -> list[str]:
    """The product's marketing features, else the list setup also keeps in its metadata."""
    product = product or {}
    names = [f["name"] for f in product.get("marketing_features") or [] if f.get("name")]
    if names:
        return names
    try:
        stored = json.loads((product.get("metadata") or {}).get("features") or "[]")
    except ValueError:
        return []
    return [str(name) for name in stored] if isinstance(stored, list) else []


def current_subscription(subscriptions: Sequence[Mapping[str, Any]]) -> dict | None:
    """The live subscription if there is one, else the most recent one (newest first)."""
    ordered = sorted(subscriptions, key=lambda s: (s.get("created") or 0, s.get("id") or ""), reverse=True)
    for sub in ordered:
        if sub.get("status") in LIVE_STATUSES:
            return dict(sub)
    return dict(ordered[0]) if ordered else None


def live_subscription(subscriptions: Sequence[Mapping[str, Any]]) -> dict | None:
    sub = current_subscription(subscriptions)
    return sub if sub and sub.get("status") in LIVE_STATUSES else None


def first_item(sub: Mapping[str, Any]) -> dict:
    items = (sub.get("items") or {}).get("data") or []
    return dict(items[0]) if items else {}


def card_valid_until(exp_month: int, exp_year: int) -> int:
    """A card works through the last second of its expiry month (UTC)."""
    year, month = (exp_year + 1, 1) if exp_month == 12 else (exp_year, exp_month + 1)
    return calendar.timegm((year, month, 1, 0, 0, 0))


def card_view(payment_method: Mapping[str, Any] | None, next_bill: int | None) -> dict | None:
    card = (payment_method or {}).get("card")
    if not card:
        return None
    month, year = int(card.get("exp_month") or 0), int(card.get("exp_year") or 0)
    expires_before = bool(next_bill and month and year and card_valid_until(month, year) <= next_bill)
    return {"brand": card.get("brand") or "unknown", "last4": card.get("last4") or "", "exp_month": month,
            "exp_year": year, "expires_before_next_bill": expires_before}


def schedule_for(sub: Mapping[str, Any], schedules: Sequence[Mapping[str, Any]]) -> dict | None:
    for schedule in schedules:
        if ref(schedule.get("subscription")) == sub.get("id") and schedule.get("status") in ("active", "not_started"):
            return dict(schedule)
    return None


def next_phase(schedule: Mapping[str, Any], now: int) -> dict | None:
    """The first phase that starts after now (or after the current phase)."""
    current = schedule.get("current_phase") or {}
    after = max(int(current.get("start_date") or 0), now)
    for phase in schedule.get("phases") or []:
        if int(phase.get("start_date") or 0) > after:
            return dict(phase)
    return None


def phase_price(phase: Mapping[str, Any]) -> str | None:
    items = phase.get("items") or []
    return ref(items[0].get("price")) if items else None


def invoice_failed(invoice: Mapping[str, Any] | None) -> bool:
    if not invoice:
        return False
    status = invoice.get("status")
    return status == "uncollectible" or (status == "open" and int(invoice.get("attempt_count") or 0) > 0)


def shape_summary(view: OwnerBilling, plans: Mapping[str, str], now: int) -> dict:
    sub = current_subscription(view.subscriptions)
    customer = view.customer or {}
    default_pm = ref((customer.get("invoice_settings") or {}).get("default_payment_method"))
    if not default_pm and sub:
        default_pm = ref(sub.get("default_payment_method"))
    payment_method = view.payment_methods.get(default_pm or "")
    as_of = view.as_of if view.as_of is not None else now
    if sub is None:
        return {"plan": None, "status": "none", "cancel_at_period_end": False, "cancel_at": None,
                "current_period_end": None, "trial_end": None, "card": card_view(payment_method, None),
                "next_invoice": None, "pending_change": None, "last_payment_failed": False, "as_of": as_of}

    item = first_item(sub)
    price = dict(view.prices.get(ref(item.get("price")) or "") or (item.get("price") or {}))
    product = view.products.get(ref(price.get("product")) or "")
    plan = plan_view(price, product, plans) if price else None
    live = sub.get("status") in LIVE_STATUSES
    period_end = item.get("current_period_end") if live else None
    canceling = bool(sub.get("cancel_at_period_end") or sub.get("cancel_at"))

    pending = None
    schedule = schedule_for(sub, view.schedules) if live else None
    phase = next_phase(schedule, now) if schedule else None
    new_price_id = phase_price(phase) if phase else None
    if phase and new_price_id and new_price_id != price.get("id") and new_price_id in view.prices:
        new_price = view.prices[new_price_id]
        pending = {"plan": plan_view(new_price, view.products.get(ref(new_price.get("product")) or ""), plans),
                   "effective_at": int(phase["start_date"])}

    next_invoice = None
    if live and not canceling and sub.get("status") != "paused" and period_end:
        amount = int(price.get("unit_amount") or 0) * int(item.get("quantity") or 1)
        if pending and pending["effective_at"] <= period_end:
            amount = pending["plan"]["amount"] * int(item.get("quantity") or 1)
        next_invoice = {"amount": amount, "currency": price.get("currency") or sub.get("currency") or "usd",
                        "date": int(period_end)}

    return {
        "plan": plan,
        "status": sub.get("status") or "none",
        "cancel_at_period_end": bool(sub.get("cancel_at_period_end")),
        "cancel_at": sub.get("cancel_at"),
        "current_period_end": int(period_end) if period_end else None,
        "trial_end": sub.get("trial_end"),
        "card": card_view(payment_method, int(period_end) if period_end and not canceling else None),
        "next_invoice": next_invoice,
        "pending_change": pending,
        "last_payment_failed": invoice_failed(view.latest_invoice) if live else False,
        "as_of": as_of,
    }


def invoice_period(invoice: Mapping[str, Any]) -> tuple[int, int]:
    """The service period of the invoice's subscription line, else the invoice's own period."""
    for line in (invoice.get("lines") or {}).get("data") or []:
        period = line.get("period") or {}
        if period.get("start") and period.get("end"):
            return int(period["start"]), int(period["end"])
    return int(invoice.get("period_start") or 0), int(invoice.get("period_end") or 0)


def shape_invoice(invoice: Mapping[str, Any]) -> dict:
    start, end = invoice_period(invoice)
    return {
        "id": invoice["id"], "number": invoice.get("number"), "status": invoice.get("status"),
        "total": int(invoice.get("total") or 0), "amount_due": int(invoice.get("amount_due") or 0),
        "amount_paid": int(invoice.get("amount_paid") or 0), "currency": invoice.get("currency") or "usd",
        "created": int(invoice.get("created") or 0), "period_start": start, "period_end": end,
        "hosted_invoice_url": invoice.get("hosted_invoice_url"), "has_pdf": bool(invoice.get("invoice_pdf")),
    }


def shape_preview_lines(preview: Mapping[str, Any]) -> list[dict]:
    lines = []
    for line in (preview.get("lines") or {}).get("data") or []:
        period = line.get("period") or {}
        lines.append({"description": line.get("description") or "", "amount": int(line.get("amount") or 0),
                      "period_start": int(period.get("start") or 0), "period_end": int(period.get("end") or 0)})
    return lines


def pdf_filename(invoice: Mapping[str, Any]) -> str:
    safe = "".join(c for c in str(invoice.get("number") or invoice["id"]) if c.isalnum() or c in "-_")
    return f"invoice-{safe or 'download'}.pdf"


def add_interval(ts: int, interval: str, count: int = 1) -> int:
    """ts moved on by count intervals, the way Stripe bills (month end clamps)."""
    dt = datetime.fromtimestamp(ts, timezone.utc)
    if interval == "day":
        return ts + 86400 * count
    if interval == "week":
        return ts + 7 * 86400 * count
    months = count * (12 if interval == "year" else 1)
    month_index = dt.month - 1 + months
    year, month = dt.year + month_index // 12, month_index % 12 + 1
    day = min(dt.day, calendar.monthrange(year, month)[1])
    return int(dt.replace(year=year, month=month, day=day).timestamp())


# -- reading an owner from the store ----------------------------------------------------------


OWNER_KINDS = ("customer", "subscription", "subscription_schedule", "payment_method")


OBJECTS = StripeObject.__table__.c


# Every dashboard read runs these, so they are built once with bind parameters: built per call,
# SQLAlchemy would spend more on constructing and cache-keying each statement than SQLite on running it.
_OWNER_OBJECTS = select(OBJECTS.data).where(
    OBJECTS.deleted.is_(False), OBJECTS.customer_id == bindparam("customer_id"), OBJECTS.object_type.in_(OWNER_KINDS))
_LATEST_INVOICE = select(OBJECTS.data).where(
    OBJECTS.deleted.is_(False), OBJECTS.customer_id == bindparam("customer_id"), OBJECTS.object_type == "invoice",
).order_by(OBJECTS.created.desc().nulls_last(), OBJECTS.id.desc()).limit(1).scalar_subquery()
_LAST_SEEN = select(func.max(OBJECTS.seen_at)).where(OBJECTS.customer_id == bindparam("customer_id")).scalar_subquery()
_SYNCED_AT = select(OwnerSync.__table__.c.synced_at).where(
    OwnerSync.__table__.c.owner_id == bindparam("owner_id")).scalar_subquery()
_INVOICE_AS_OF_SYNCED = select(_LATEST_INVOICE, _LAST_SEEN, _SYNCED_AT)
_OBJECTS_BY_ID = select(OBJECTS.data).where(
    OBJECTS.deleted.is_(False), OBJECTS.object_type == bindparam("object_type"),
    OBJECTS.id.in_(bindparam("ids", expanding=True)))


def _by_id(connection: Connection, object_type: str, ids: list[str]) -> dict[str, dict]:
    rows = connection.execute(_OBJECTS_BY_ID, {"object_type": object_type, "ids": ids})
    return {obj["id"]: obj for obj in (json.loads(data) for (data,) in rows)}


def load_owner(session: Session, customer_id: str | None, plans: Mapping[str, str],
               owner_id: int | None = None) -> OwnerBilling:
    """Everything the summary and plans need, in four queries (this is every dashboard read);
    with owner_id, also when that owner was synced (same queries)."""
    view = OwnerBilling()
    connection = session.connection()  # plain Core reads: the ORM session's bookkeeping is not needed
    price_ids: list[str] = list(plans.values())
    if customer_id:
        params = {"customer_id": customer_id, "owner_id": owner_id}
        for (data,) in connection.execute(_OWNER_OBJECTS, params):
            obj = json.loads(data)
            kind = obj.get("object")
            if kind == "customer":
                view.customer = obj
            elif kind == "subscription":
                view.subscriptions.append(obj)
            elif kind == "subscription_schedule":
                view.schedules.append(obj)
            else:
                view.payment_methods[obj["id"]] = obj
        latest, view.as_of, view.synced_at = connection.execute(_INVOICE_AS_OF_SYNCED, params).one()
        view.latest_invoice = json.loads(latest) if latest is not None else None
        for sub in view.subscriptions:
            price_ids.append(ref(first_item(sub).get("price")) or "")
        for schedule in view.schedules:
            price_ids.extend(phase_price(p) or "" for p in schedule.get("phases") or [])
    wanted = [p for p in dict.fromkeys(price_ids) if p]
    if wanted:
        view.prices = _by_id(connection, "price", wanted)
    product_ids = [i for i in dict.fromkeys(ref(p.get("product")) for p in view.prices.values()) if i]
    if product_ids:
        view.products = _by_id(connection, "product", product_ids)
    return view


def overlay(view: OwnerBilling, objects: Sequence[Mapping[str, Any]]) -> OwnerBilling:
    """The view with these fresher subscriptions and schedules in place of the stored copies."""
    for obj in objects:
        target = {"subscription": view.subscriptions, "subscription_schedule": view.schedules}.get(obj.get("object"))
        if target is None:
            continue
        fresh = dict(obj)
        target[:] = [fresh if o.get("id") == fresh.get("id") else o for o in target]
        if not any(o.get("id") == fresh.get("id") for o in target):
            target.append(fresh)
    return view


def portal_configuration(gateway: Gateway) -> str | None:
    """The portal configuration `stripe setup` made (card, cancel with reasons, invoices, no plan
    switching), looked up once per process; None leaves Stripe's default configuration."""
    if gateway.portal_configuration_id is None:
        found = find_portal_configuration(gateway)
        gateway.portal_configuration_id = found["id"] if found else ""
    return gateway.portal_configuration_id or None


@dataclass
class Billing:
    """One request's billing work for the signed-in owner."""

    session: Session
    gateway: Gateway
    settings: Settings
    owner: Owner
    bus: Publisher | None = None
    written: list[dict] = field(default_factory=list)

    @property
    def customer_id(self) -> str | None:
        return self.owner.stripe_customer_id

    def now(self) -> int:
        return int(time.time())

    def fresh(self) -> OwnerBilling:
        """The owner's view from the store, backfilled first if the bridge has never seen the owner."""
        ensure_fresh(self.session, self.gateway, self.owner, bus=self.bus)
        view = load_owner(self.session, self.customer_id, self.settings.plans)
        missing = [p for p in self.settings.plans.values() if p not in view.prices]
        if missing:
            ensure_prices(self.session, self.gateway, missing)
            self.session.commit()
            view = load_owner(self.session, self.customer_id, self.settings.plans)
        return view

    def publish(self, topics: list[str]) -> None:
        if self.bus is not None and self.customer_id:
            self.bus.publish(self.customer_id, topics)

    # -- reads --

    def warm_view(self) -> OwnerBilling | None:
        """The view if the store already holds all a summary needs, else None: then fresh() must
        backfill from Stripe. Never calls Stripe, so it may run where blocking on Stripe may not."""
        view = load_owner(self.session, self.customer_id, self.settings.plans, self.owner.id)
        synced = view.synced_at if self.customer_id else store.synced_at(self.session, self.owner.id)
        if synced is None or any(p not in view.prices for p in self.settings.plans.values()):
            return None
        return view

    def summary(self, *, warm_only: bool = False) -> dict | None:
        """The summary; with warm_only, None instead of any Stripe call."""
        view = self.warm_view()
        if view is None:
            if warm_only:
                return None
            view = self.fresh()
        return shape_summary(view, self.settings.plans, self.now())

    def plans(self) -> dict:
        view = self.fresh()
        sub = live_subscription(view.subscriptions)
        current = ref(first_item(sub).get("price")) if sub else None
        result = []
        for key, price_id in self.settings.plans.items():
            price = view.prices.get(price_id)
            if price is None:
                continue
            product = view.products.get(ref(price.get("product")) or "")
            result.append({**plan_view(price, product, self.settings.plans), "key": key,
                           "features": features_of(product), "current": price_id == current})
        return {"plans": result}

    def own_invoice(self, invoice_id: str) -> dict:
        invoice = store.get_object(self.session, "invoice", invoice_id)
        customer = ref(invoice.get("customer")) if invoice else None
        if invoice is None or not self.customer_id or customer != self.customer_id:
            raise not_found("That invoice")
        return invoice

    def invoices(self, limit: int, starting_after: str | None) -> dict:
        ensure_fresh(self.session, self.gateway, self.owner, bus=self.bus)
        if starting_after:
            self.own_invoice(starting_after)
        if not self.customer_id:
            return {"data": [], "has_more": False}
        rows = store.list_objects(self.session, "invoice", customer_id=self.customer_id, limit=limit + 1,
                                  starting_after=starting_after)
        return {"data": [shape_invoice(i) for i in rows[:limit]], "has_more": len(rows) > limit}

    # -- hosted pages --

    def price_for(self, plan_key: str) -> str:
        price_id = self.settings.plans.get(plan_key)
        if not price_id:
            raise ApiError(400, "unknown_plan", f"There is no plan called {plan_key!r}.")
        return price_id

    def portal_session(self, flow: str | None) -> dict:
        if flow == "subscription_update":
            # The portal configuration has plan switching off (issue #2): plan changes go through
            # plan-change/preview and plan-change, where the owner sees what is charged before committing.
            raise ApiError(400, "invalid_flow", "Plans are changed in Billing Manager itself, with a preview "
                                                "of the charge; the portal does not switch plans.")
        if flow is not None and flow not in PORTAL_FLOWS:
            raise ApiError(400, "invalid_flow", f"There is no portal flow called {flow!r}.")
        view = self.fresh()
        if not self.customer_id:
            raise conflict("no_subscription", "You have no plan yet; choose one first.")
        return_url = self.settings.return_url("/return/portal")
        params: dict[str, Any] = {"customer": self.customer_id, "return_url": return_url}
        if flow is not None:
            flow_data: dict[str, Any] = {
                "type": flow, "after_completion": {"type": "redirect", "redirect": {"return_url": return_url}}}
            if flow == "subscription_cancel":
                sub = live_subscription(view.subscriptions)
                if sub is None:
                    raise conflict("no_subscription", "You have no plan to change or cancel.")
                flow_data[flow] = {"subscription": sub["id"]}
            params["flow_data"] = flow_data
        configuration = portal_configuration(self.gateway)
        if configuration:
            params["configuration"] = configuration
        session = self.gateway.create_portal_session(params, key=f"portal:{uuid.uuid4()}")
        return {"url": session["url"]}

    def ensure_customer(self) -> str:
        if self.customer_id:
            return self.customer_id
        customer = self.gateway.create_customer(
            {"email": self.owner.email, "metadata": {"owner_id": str(self.owner.id)}},
            key=f"customer:owner:{self.owner.id}",
        )
        self.owner.stripe_customer_id = customer["id"]
        save_fetched(self.session, customer)
        self.session.commit()
        return customer["id"]

    def checkout_session(self, plan_key: str) -> dict:
        price_id = self.price_for(plan_key)
        view = self.fresh()
        if live_subscription(view.subscriptions) is not None:
            raise conflict("already_subscribed", "You already have a plan; change it instead.")
        customer_id = self.ensure_customer()
        params = {
            "mode": "subscription", "customer": customer_id,
            "line_items": [{"price": price_id, "quantity": 1}],
            "success_url": self.settings.return_url("/return/checkout/success") + "?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": self.settings.return_url("/return/checkout/cancel"),
            "client_reference_id": str(self.owner.id),
            "metadata": {"owner_id": str(self.owner.id), "plan": plan_key},
        }
        key = f"checkout:{self.owner.id}:{plan_key}:{self.now() // 60}"
        return {"url": self.gateway.create_checkout_session(params, key=key)["url"]}

    # -- plan changes --

    def _change_context(self, plan_key: str) -> tuple[dict, dict, dict, dict]:
        """(live subscription, its item, current price, new price) or the 4xx that says why not."""
        price_id = self.price_for(plan_key)
        view = self.fresh()
        sub = live_subscription(view.subscriptions)
        if sub is None:
            raise conflict("no_subscription", "You have no plan to change; choose one first.")
        item = first_item(sub)
        current_id = ref(item.get("price"))
        if current_id == price_id:
            raise conflict("same_plan", "You are already on that plan.")
        current = view.prices.get(current_id or "") or dict(item.get("price") or {})
        new = view.prices.get(price_id)
        if new is None:
            raise ApiError(400, "unknown_plan", f"The plan {plan_key!r} is not available right now.")
        return sub, item, current, new

    def _product(self, price: Mapping[str, Any]) -> dict | None:
        return store.get_object(self.session, "product", ref(price.get("product")) or "")

    def _is_upgrade(self, current: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return int(new.get("unit_amount") or 0) >= int(current.get("unit_amount") or 0)

    def _deferred(self, current: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return not self._is_upgrade(current, new) and self.settings.downgrade_at_period_end

    def preview_plan_change(self, plan_key: str) -> dict:
        sub, item, current, new = self._change_context(plan_key)
        now = self.now()
        plan = {**plan_view(new, self._product(new), self.settings.plans), "key": plan_key}
        quantity = int(item.get("quantity") or 1)
        period_end = int(item.get("current_period_end") or now)
        direction = "upgrade" if self._is_upgrade(current, new) else "downgrade"
        next_amount = int(new.get("unit_amount") or 0) * quantity
        if self._deferred(current, new):
            interval = (new.get("recurring") or {}).get("interval") or "month"
            return {"plan": plan, "direction": direction, "effective": "period_end", "proration_date": now,
                    "amount_due_now": 0, "currency": new.get("currency") or "usd",
                    "lines": [{"description": f"{quantity} × {plan['name']} (from the next bill)",
                               "amount": next_amount, "period_start": period_end,
                               "period_end": add_interval(period_end, interval)}],
                    "next_amount": next_amount, "next_date": period_end}
        preview = self.gateway.preview_invoice({
            "customer": self.customer_id, "subscription": sub["id"],
            "subscription_details": {"items": [{"id": item["id"], "price": new["id"]}],
                                     "proration_behavior": "always_invoice", "proration_date": now},
        })
        return {"plan": plan, "direction": direction, "effective": "now", "proration_date": now,
                "amount_due_now": int(preview.get("amount_due") or 0),
                "currency": preview.get("currency") or new.get("currency") or "usd",
                "lines": shape_preview_lines(preview), "next_amount": next_amount, "next_date": period_end}

    def change_plan(self, plan_key: str, proration_date: int) -> dict:
        now = self.now()
        self.price_for(plan_key)
        if proration_date > now or now - proration_date > STALE_AFTER:
            raise conflict("stale_preview", "The price preview is out of date; preview the change again.")
        sub, item, current, new = self._change_context(plan_key)
        if self._deferred(current, new):
            self._schedule_downgrade(sub, item, current, new, proration_date)
        else:
            self._change_now(sub, item, new, proration_date)
        self.session.commit()
        self.publish(["summary", "invoices", "plans"])
        view = overlay(load_owner(self.session, self.customer_id, self.settings.plans), self.written)
        return shape_summary(view, self.settings.plans, self.now())

    def _keep(self, obj: dict) -> None:
        """Store a write's answer, and remember it: within the same second a webhook for an earlier
        step may tie with it in the store, but this request's answer is built from what Stripe said."""
        save_fetched(self.session, obj)
        self.written.append(obj)

    def _release_schedule(self, sub: Mapping[str, Any], proration_date: int) -> None:
        schedule_id = ref(sub.get("schedule"))
        if not schedule_id:
            schedule = schedule_for(sub, store.list_objects(
                self.session, "subscription_schedule", customer_id=self.customer_id))
            schedule_id = schedule["id"] if schedule else None
        if schedule_id:
            released = self.gateway.release_subscription_schedule(
                schedule_id, key=f"release:{schedule_id}:{proration_date}")
            self._keep(released)

    def _change_now(self, sub: dict, item: dict, new: dict, proration_date: int) -> None:
        self._release_schedule(sub, proration_date)
        updated = self.gateway.update_subscription(
            sub["id"],
            {"items": [{"id": item["id"], "price": new["id"]}], "proration_behavior": "always_invoice",
             "proration_date": proration_date, "payment_behavior": "pending_if_incomplete",
             "expand": ["latest_invoice"]},
            key=f"plan-change:{sub['id']}:{new['id']}:{proration_date}",
        )
        if updated.get("pending_update"):
            invoice = updated.get("latest_invoice")
            if isinstance(invoice, dict):
                save_fetched(self.session, invoice)
                self.session.commit()
            raise CardDeclined("The card was declined, so the plan was not changed.")
        self._keep(updated)

    def _schedule_downgrade(self, sub: dict, item: dict, current: dict, new: dict, proration_date: int) -> None:
        key = f"downgrade:{sub['id']}:{new['id']}:{proration_date}"
        schedule_id = ref(sub.get("schedule"))
        existing = store.get_object(self.session, "subscription_schedule", schedule_id) if schedule_id else None
        if existing is None:
            existing = schedule_for(sub, store.list_objects(
                self.session, "subscription_schedule", customer_id=self.customer_id))
        if existing is None:
            existing = self.gateway.create_subscription_schedule({"from_subscription": sub["id"]}, key=key + ":create")
        quantity = int(item.get("quantity") or 1)
        phases = existing.get("phases") or []
        start = int((existing.get("current_phase") or {}).get("start_date")
                    or (phases[0].get("start_date") if phases else 0)
                    or item.get("current_period_start") or proration_date)
        interval = (new.get("recurring") or {}).get("interval") or "month"
        schedule = self.gateway.update_subscription_schedule(
            existing["id"],
            {"end_behavior": "release", "proration_behavior": "none",
             "phases": [
                 {"items": [{"price": current["id"], "quantity": quantity}], "start_date": start,
                  "end_date": int(item["current_period_end"])},
                 {"items": [{"price": new["id"], "quantity": quantity}],
                  "end_date": add_interval(int(item["current_period_end"]), interval)},
             ]},
            key=key + ":phases",
        )
        self._keep(schedule)
