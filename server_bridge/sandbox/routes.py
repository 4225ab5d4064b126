"""Which Sandbox operation answers each Stripe endpoint (method + path under /v1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from server_bridge.sandbox import errors
from server_bridge.sandbox.params import as_bool, as_list, choice

if TYPE_CHECKING:
    from server_bridge.sandbox.state import Sandbox

Handler = Callable[..., Any]


@dataclass
class Page:
    """A list answer before paging: every match, newest first."""

    kind: str
    items: list[dict[str, Any]]
    url: str


def _list(kind: str, url: str, **filters: str) -> Handler:
    """A list endpoint filtering on top-level fields named by query params."""
    def handler(sb: Sandbox, p: dict[str, Any]) -> Page:
        items = list(sb._all(kind))
        for param, field in filters.items():
            if p.get(param):
                if field == "customer":
                    sb._find("customer", p[param], param)
                items = [o for o in items if o.get(field) == p[param]]
        return Page(kind, items, url)
    return handler


def _get(kind: str) -> Handler:
    return lambda sb, p, obj_id: sb._find(kind, obj_id)


def _subscriptions(sb: Sandbox, p: dict[str, Any]) -> Page:
    status = p.get("status")
    items = list(sb._all("subscription"))
    if p.get("customer"):
        sb._find("customer", p["customer"], "customer")
        items = [s for s in items if s["customer"] == p["customer"]]
    if p.get("price"):
        items = [s for s in items if any(i["price"]["id"] == p["price"] for i in s["items"]["data"])]
    if status == "all":
        pass
    elif status:
        choice(p, "status", ("active", "all", "canceled", "ended", "incomplete", "incomplete_expired",
                             "past_due", "paused", "trialing", "unpaid"))
        wanted = {"ended": ("canceled", "incomplete_expired")}.get(status, (status,))
        items = [s for s in items if s["status"] in wanted]
    else:
        items = [s for s in items if s["status"] not in ("canceled", "incomplete_expired")]
    return Page("subscription", items, "/v1/subscriptions")


def _invoices(sb: Sandbox, p: dict[str, Any]) -> Page:
    items = list(sb._all("invoice"))
    if p.get("customer"):
        sb._find("customer", p["customer"], "customer")
        items = [i for i in items if i["customer"] == p["customer"]]
    if p.get("subscription"):
        items = [i for i in items if (i.get("parent") or {}).get("subscription_details", {}).get("subscription")
                 == p["subscription"]]
    if p.get("status"):
        choice(p, "status", ("draft", "open", "paid", "uncollectible", "void"))
        items = [i for i in items if i["status"] == p["status"]]
    if p.get("collection_method"):
        items = [i for i in items if i["collection_method"] == p["collection_method"]]
    return Page("invoice", items, "/v1/invoices")


def _customers(sb: Sandbox, p: dict[str, Any]) -> Page:
    items = list(sb._all("customer"))
    if p.get("email"):
        items = [c for c in items if (c.get("email") or "") == p["email"]]
    return Page("customer", items, "/v1/customers")


def _products(sb: Sandbox, p: dict[str, Any]) -> Page:
    items = list(sb._all("product"))
    active = as_bool(p, "active")
    if active is not None:
        items = [o for o in items if o["active"] == active]
    ids = as_list(p, "ids")
    if ids:
        items = [o for o in items if o["id"] in ids]
    return Page("product", items, "/v1/products")


def _customer_payment_methods(sb: Sandbox, p: dict[str, Any], customer_id: str) -> Page:
    sb._find("customer", customer_id)
    return Page("payment_method", sb.list_payment_methods(p, customer_id),
                f"/v1/customers/{customer_id}/payment_methods")


def _customer_payment_method(sb: Sandbox, p: dict[str, Any], customer_id: str, pm_id: str) -> dict[str, Any]:
    sb._find("customer", customer_id)
    pm = sb._find("payment_method", pm_id)
    if pm.get("customer") != customer_id:
        raise errors.no_such("payment_method", pm_id)
    return pm


def _invoice_lines(sb: Sandbox, p: dict[str, Any], invoice_id: str) -> Page:
    invoice = sb._find("invoice", invoice_id)
    return Page("line_item", list(invoice["lines"]["data"]), f"/v1/invoices/{invoice_id}/lines")


def _checkout_line_items(sb: Sandbox, p: dict[str, Any], session_id: str) -> Page:
    session = sb._find("checkout.session", session_id)
    return Page("item", list(session["_line_items"]), f"/v1/checkout/sessions/{session_id}/line_items")


_ID = r"([^/]+)"
_TABLE: list[tuple[str, str, Handler]] = [
    ("POST", "customers", lambda sb, p: sb.create_customer(p)),
    ("GET", "customers", _customers),
    ("GET", f"customers/{_ID}/payment_methods", _customer_payment_methods),
    ("GET", f"customers/{_ID}/payment_methods/{_ID}", _customer_payment_method),
    ("GET", f"customers/{_ID}", _get("customer")),
    ("POST", f"customers/{_ID}", lambda sb, p, i: sb.update_customer(i, p)),
    ("DELETE", f"customers/{_ID}", lambda sb, p, i: sb.delete_customer(i)),
    ("POST", "products", lambda sb, p: sb.create_product(p)),
    ("GET", "products", _products),
    ("GET", f"products/{_ID}", _get("product")),
    ("POST", f"products/{_ID}", lambda sb, p, i: sb.update_product(i, p)),
    ("POST", "prices", lambda sb, p: sb.create_price(p)),
    ("GET", "prices", lambda sb, p: Page("price", sb.list_prices(p), "/v1/prices")),
    ("GET", f"prices/{_ID}", _get("price")),
    ("POST", f"prices/{_ID}", lambda sb, p, i: sb.update_price(i, p)),
    ("POST", "payment_methods", lambda sb, p: sb.create_payment_method(p)),
    ("GET", "payment_methods", lambda sb, p: Page("payment_method", sb.list_payment_methods(p),
                                                  "/v1/payment_methods")),
    ("GET", f"payment_methods/{_ID}", lambda sb, p, i: sb._payment_method(i)),
    ("POST", f"payment_methods/{_ID}/attach", lambda sb, p, i: sb.attach_payment_method(i, p)),
    ("POST", f"payment_methods/{_ID}/detach", lambda sb, p, i: sb.detach_payment_method(i)),
    ("POST", f"payment_methods/{_ID}", lambda sb, p, i: sb.update_payment_method(i, p)),
    ("POST", "subscriptions", lambda sb, p: sb.create_subscription(p)),
    ("GET", "subscriptions", _subscriptions),
    ("GET", f"subscriptions/{_ID}", _get("subscription")),
    ("POST", f"subscriptions/{_ID}", lambda sb, p, i: sb.update_subscription(i, p)),
    ("DELETE", f"subscriptions/{_ID}", lambda sb, p, i: sb.cancel_subscription(i, p)),
    ("POST", "subscription_schedules", lambda sb, p: sb.create_schedule(p)),
    ("GET", "subscription_schedules", _list("subscription_schedule", "/v1/subscription_schedules",
                                            customer="customer")),
    ("GET", f"subscription_schedules/{_ID}", _get("subscription_schedule")),
    ("POST", f"subscription_schedules/{_ID}/release", lambda sb, p, i: sb.release_schedule(i, p)),
    ("POST", f"subscription_schedules/{_ID}/cancel", lambda sb, p, i: sb.cancel_schedule(i, p)),
    ("POST", f"subscription_schedules/{_ID}", lambda sb, p, i: sb.update_schedule(i, p)),
    ("POST", "invoices/create_preview", lambda sb, p: sb.preview_invoice(p)),
    ("GET", "invoices", _invoices),
    ("GET", f"invoices/{_ID}/lines", _invoice_lines),
    ("GET", f"invoices/{_ID}", _get("invoice")),
    ("POST", f"invoices/{_ID}/pay", lambda sb, p, i: sb.pay_invoice(i, p)),
    ("POST", f"invoices/{_ID}/finalize", lambda sb, p, i: sb.finalize_invoice(i)),
    ("POST", f"invoices/{_ID}/void", lambda sb, p, i: sb.void_invoice(i)),
    ("POST", f"invoices/{_ID}/mark_uncollectible", lambda sb, p, i: sb.mark_uncollectible(i)),
    ("POST", "billing_portal/configurations", lambda sb, p: sb.create_portal_configuration(p)),
    ("GET", "billing_portal/configurations", _list("billing_portal.configuration",
                                                   "/v1/billing_portal/configurations")),
    ("GET", f"billing_portal/configurations/{_ID}", _get("billing_portal.configuration")),
    ("POST", f"billing_portal/configurations/{_ID}", lambda sb, p, i: sb.update_portal_configuration(i, p)),
    ("POST", "billing_portal/sessions", lambda sb, p: sb.create_portal_session(p)),
    ("POST", "checkout/sessions", lambda sb, p: sb.create_checkout_session(p)),
    ("GET", "checkout/sessions", _list("checkout.session", "/v1/checkout/sessions", customer="customer",
                                       subscription="subscription", status="status")),
    ("GET", f"checkout/sessions/{_ID}/line_items", _checkout_line_items),
    ("GET", f"checkout/sessions/{_ID}", _get("checkout.session")),
    ("POST", f"checkout/sessions/{_ID}/expire", lambda sb, p, i: sb.expire_checkout_session(i)),
    ("GET", "events", lambda sb, p: Page("event", sb.list_events(p), "/v1/events")),
    ("GET", f"events/{_ID}", _get("event")),
    ("POST", "webhook_endpoints", lambda sb, p: sb.create_webhook_endpoint(p)),
    ("GET", "webhook_endpoints", _list("webhook_endpoint", "/v1/webhook_endpoints")),
    ("GET", f"webhook_endpoints/{_ID}", _get("webhook_endpoint")),
    ("POST", f"webhook_endpoints/{_ID}", lambda sb, p, i: sb.update_webhook_endpoint(i, p)),
    ("DELETE", f"webhook_endpoints/{_ID}", lambda sb, p, i: sb.delete_webhook_endpoint(i)),
]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    (method, re.compile(f"^{pattern}$"), handler) for method, pattern, handler in _TABLE
]


def match(method: str, path: str) -> tuple[Handler, tuple[str, ...]] | None:
    for route_method, pattern, handler in ROUTES:
        if route_method == method:
            found = pattern.match(path)
            if found:
                return handler, found.groups()
    return None
