"""Which Sandbox operation answers each Stripe endpoint (method + path under /v1)."""

from __future__ import annotations

import functools
import importlib
import re
import sys
from dataclasses import dataclass
from typing import Any, Callable

from stripe_sandbox import errors, events, webhooks
from stripe_sandbox.billing import (cards, catalog, checkout, collection, customers, invoice_payments, invoices, portal,
                                    previews, schedules, subscriptions)
from stripe_sandbox.connect.routes import CONNECT_TABLE
from stripe_sandbox.params import as_bool, as_list, choice
from stripe_sandbox.schema import OBJECT_CLASSES
from stripe_sandbox.store import Store

Handler = Callable[..., Any]


@dataclass
class Page:
    """A list answer before paging: every match, newest first."""

    kind: str
    items: list[dict[str, Any]]
    url: str


def _list(kind: str, url: str, **filters: str) -> Handler:
    """A list endpoint filtering on top-level fields named by query params."""
    def handler(sb: Store, p: dict[str, Any]) -> Page:
        items = list(sb.all(kind))
        for param, field in filters.items():
            if p.get(param):
                if field == "customer":
                    sb.find("customer", p[param], param)
                items = [o for o in items if o.get(field) == p[param]]
        return Page(kind, items, url)
    return handler


def _get(kind: str) -> Handler:
    return lambda sb, p, obj_id: sb.find(kind, obj_id)


def _customer(sb: Store, p: dict[str, Any], customer_id: str) -> dict[str, Any]:
    """A deleted customer still answers, as a stub saying so (as Stripe does)."""
    stored = sb.table("customer").get(customer_id)
    if stored is not None and stored.get("deleted"):
        return {"id": customer_id, "object": "customer", "deleted": True}
    return sb.find("customer", customer_id)


def _subscriptions(sb: Store, p: dict[str, Any]) -> Page:
    status = p.get("status")
    items = list(sb.all("subscription"))
    if p.get("customer"):
        sb.find("customer", p["customer"], "customer")
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


def _subscription_items(sb: Store, p: dict[str, Any]) -> Page:
    sub = sb.find("subscription", p.get("subscription"), "subscription")
    return Page("subscription_item", list(sub["items"]["data"]), f"/v1/subscription_items?subscription={sub['id']}")


def _subscription_item(sb: Store, p: dict[str, Any], item_id: str) -> dict[str, Any]:
    for sub in sb.all("subscription"):
        for item in sub["items"]["data"]:
            if item["id"] == item_id:
                return item
    raise errors.no_such("subscription_item", item_id)


def _invoices(sb: Store, p: dict[str, Any]) -> Page:
    items = list(sb.all("invoice"))
    if p.get("customer"):
        sb.find("customer", p["customer"], "customer")
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


def _customers(sb: Store, p: dict[str, Any]) -> Page:
    items = list(sb.all("customer"))
    if p.get("email"):
        items = [c for c in items if (c.get("email") or "") == p["email"]]
    return Page("customer", items, "/v1/customers")


def _products(sb: Store, p: dict[str, Any]) -> Page:
    items = list(sb.all("product"))
    active = as_bool(p, "active")
    if active is not None:
        items = [o for o in items if o["active"] == active]
    ids = as_list(p, "ids")
    if ids:
        items = [o for o in items if o["id"] in ids]
    return Page("product", items, "/v1/products")


def _customer_payment_methods(sb: Store, p: dict[str, Any], customer_id: str) -> Page:
    sb.find("customer", customer_id)
    return Page("payment_method", cards.list_payment_methods(sb, p, customer_id),
                f"/v1/customers/{customer_id}/payment_methods")


def _customer_payment_method(sb: Store, p: dict[str, Any], customer_id: str, pm_id: str) -> dict[str, Any]:
    sb.find("customer", customer_id)
    pm = sb.find("payment_method", pm_id)
    if pm.get("customer") != customer_id:
        raise errors.no_such("payment_method", pm_id)
    return pm


def _invoice_lines(sb: Store, p: dict[str, Any], invoice_id: str) -> Page:
    invoice = sb.find("invoice", invoice_id)
    return Page("line_item", list(invoice["lines"]["data"]), f"/v1/invoices/{invoice_id}/lines")


def _checkout_line_items(sb: Store, p: dict[str, Any], session_id: str) -> Page:
    session = sb.find("checkout.session", session_id)
    return Page("item", list(session["_line_items"]), f"/v1/checkout/sessions/{session_id}/line_items")
_ID = r"([^/]+)"
_TABLE: list[tuple[str, str, str, Handler]] = [
    ("POST", "customers", "customer_create", lambda sb, p: customers.create_customer(sb, p)),
    ("GET", "customers", "customer_list", _customers),
    ("GET", f"customers/{_ID}/payment_methods", "customer_payment_method_list", _customer_payment_methods),
    ("GET", f"customers/{_ID}/payment_methods/{_ID}", "customer_payment_method_retrieve", _customer_payment_method),
    ("GET", f"customers/{_ID}", "customer_retrieve", _customer),
    ("POST", f"customers/{_ID}", "customer_update", lambda sb, p, i: customers.update_customer(sb, i, p)),
    ("DELETE", f"customers/{_ID}", "customer_delete", lambda sb, p, i: customers.delete_customer(sb, i)),
    ("POST", "products", "product_create", lambda sb, p: catalog.create_product(sb, p)),
    ("GET", "products", "product_list", _products),
    ("GET", f"products/{_ID}", "product_retrieve", _get("product")),
    ("POST", f"products/{_ID}", "product_update", lambda sb, p, i: catalog.update_product(sb, i, p)),
    ("POST", "prices", "price_create", lambda sb, p: catalog.create_price(sb, p)),
    ("GET", "prices", "price_list", lambda sb, p: Page("price", catalog.list_prices(sb, p), "/v1/prices")),
    ("GET", f"prices/{_ID}", "price_retrieve", _get("price")),
    ("POST", f"prices/{_ID}", "price_update", lambda sb, p, i: catalog.update_price(sb, i, p)),
    ("POST", "payment_methods", "payment_method_create", lambda sb, p: cards.create_payment_method(sb, p)),
    ("GET", "payment_methods", "payment_method_list", lambda sb, p: Page("payment_method", cards.list_payment_methods(sb, p),
                                                  "/v1/payment_methods")),
    ("GET", f"payment_methods/{_ID}", "payment_method_retrieve", lambda sb, p, i: cards.payment_method(sb, i)),
    ("POST", f"payment_methods/{_ID}/attach", "payment_method_attach", lambda sb, p, i: cards.attach_payment_method(sb, i, p)),
    ("POST", f"payment_methods/{_ID}/detach", "payment_method_detach", lambda sb, p, i: customers.detach_payment_method(sb, i)),
    ("POST", f"payment_methods/{_ID}", "payment_method_update", lambda sb, p, i: cards.update_payment_method(sb, i, p)),
    ("POST", "subscriptions", "subscription_create", lambda sb, p: subscriptions.create_subscription(sb, p)),
    ("GET", "subscriptions", "subscription_list", _subscriptions),
    ("GET", f"subscriptions/{_ID}", "subscription_retrieve", _get("subscription")),
    ("POST", f"subscriptions/{_ID}", "subscription_update", lambda sb, p, i: subscriptions.update_subscription(sb, i, p)),
    ("DELETE", f"subscriptions/{_ID}", "subscription_cancel", lambda sb, p, i: subscriptions.cancel_subscription(sb, i, p)),
    ("GET", "subscription_items", "subscription_item_list", _subscription_items),
    ("GET", f"subscription_items/{_ID}", "subscription_item_retrieve", _subscription_item),
    ("POST", "subscription_schedules", "subscription_schedule_create", lambda sb, p: schedules.create_schedule(sb, p)),
    ("GET", "subscription_schedules", "subscription_schedule_list", _list("subscription_schedule", "/v1/subscription_schedules",
                                            customer="customer")),
    ("GET", f"subscription_schedules/{_ID}", "subscription_schedule_retrieve", _get("subscription_schedule")),
    ("POST", f"subscription_schedules/{_ID}/release", "subscription_schedule_release", lambda sb, p, i: schedules.release_schedule(sb, i, p)),
    ("POST", f"subscription_schedules/{_ID}/cancel", "subscription_schedule_cancel", lambda sb, p, i: schedules.cancel_schedule(sb, i, p)),
    ("POST", f"subscription_schedules/{_ID}", "subscription_schedule_update", lambda sb, p, i: schedules.update_schedule(sb, i, p)),
    ("POST", "invoices/create_preview", "invoice_create_preview", lambda sb, p: previews.preview_invoice(sb, p)),
    ("GET", "invoices", "invoice_list", _invoices),
    ("GET", f"invoices/{_ID}/lines", "invoice_list_lines", _invoice_lines),
    ("GET", f"invoices/{_ID}", "invoice_retrieve", _get("invoice")),
    ("POST", f"invoices/{_ID}/pay", "invoice_pay", lambda sb, p, i: collection.pay_invoice(sb, i, p)),
    ("POST", f"invoices/{_ID}/finalize", "invoice_finalize_invoice", lambda sb, p, i: invoices.finalize_invoice(sb, i)),
    ("POST", f"invoices/{_ID}/void", "invoice_void_invoice", lambda sb, p, i: invoices.void_invoice(sb, i)),
    ("POST", f"invoices/{_ID}/mark_uncollectible", "invoice_mark_uncollectible", lambda sb, p, i: invoices.mark_uncollectible(sb, i)),
    ("POST", "billing_portal/configurations", "billing_portal.configuration_create", lambda sb, p: portal.create_portal_configuration(sb, p)),
    ("GET", "billing_portal/configurations", "billing_portal.configuration_list", _list("billing_portal.configuration",
                                                   "/v1/billing_portal/configurations")),
    ("GET", f"billing_portal/configurations/{_ID}", "billing_portal.configuration_retrieve", _get("billing_portal.configuration")),
    ("POST", f"billing_portal/configurations/{_ID}", "billing_portal.configuration_update", lambda sb, p, i: portal.update_portal_configuration(sb, i, p)),
    ("POST", "billing_portal/sessions", "billing_portal.session_create", lambda sb, p: portal.create_portal_session(sb, p)),
    ("POST", "checkout/sessions", "checkout.session_create", lambda sb, p: checkout.create_checkout_session(sb, p)),
    ("GET", "checkout/sessions", "checkout.session_list", _list("checkout.session", "/v1/checkout/sessions", customer="customer",
                                       subscription="subscription", status="status")),
    ("GET", f"checkout/sessions/{_ID}/line_items", "checkout.session_line_item_list", _checkout_line_items),
    ("GET", f"checkout/sessions/{_ID}", "checkout.session_retrieve", _get("checkout.session")),
    ("POST", f"checkout/sessions/{_ID}/expire", "checkout.session_expire", lambda sb, p, i: checkout.expire_checkout_session(sb, i)),
    ("GET", "invoice_payments", "invoice_payment_list",
     lambda sb, p: Page("invoice_payment", invoice_payments.list_invoice_payments(sb, p), "/v1/invoice_payments")),
    ("GET", f"invoice_payments/{_ID}", "invoice_payment_retrieve", _get("invoice_payment")),
    ("GET", "events", "event_list", lambda sb, p: Page("event", events.list_events(sb, p), "/v1/events")),
    ("GET", f"events/{_ID}", "event_retrieve", _get("event")),
    ("POST", "webhook_endpoints", "webhook_endpoint_create", lambda sb, p: webhooks.create_webhook_endpoint(sb, p)),
    ("GET", "webhook_endpoints", "webhook_endpoint_list", _list("webhook_endpoint", "/v1/webhook_endpoints")),
    ("GET", f"webhook_endpoints/{_ID}", "webhook_endpoint_retrieve", _get("webhook_endpoint")),
    ("POST", f"webhook_endpoints/{_ID}", "webhook_endpoint_update", lambda sb, p, i: webhooks.update_webhook_endpoint(sb, i, p)),
    ("DELETE", f"webhook_endpoints/{_ID}", "webhook_endpoint_delete", lambda sb, p, i: webhooks.delete_webhook_endpoint(sb, i)),
]
_TABLE += CONNECT_TABLE
ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = [
    (method, re.compile(f"^{pattern}$"), params, handler) for method, pattern, params, handler in _TABLE
]


def match(method: str, path: str) -> tuple[Handler, str, tuple[str, ...]] | None:
    """The handler for a request, the name of the SDK params class it takes, and the ids in its path."""
    for route_method, pattern, params, handler in ROUTES:
        if route_method == method:
            found = pattern.match(path)
            if found:
                return handler, params, found.groups()
    return None


#: Endpoints whose answer is not the object their params class is named after.
_ANSWERS = {"customer_payment_method_list": "payment_method", "customer_payment_method_retrieve": "payment_method",
            "invoice_list_lines": "line_item", "checkout.session_line_item_list": "item",
            "account_capability_list": "capability", "account_capability_retrieve": "capability",
            "account_login_link_create": "login_link"}


def answers(name: str) -> tuple[str | None, bool]:
    """The kind of object an endpoint answers (named by its params class; None when not known) and
    whether it is a list of them."""
    is_list = name.endswith("_list") or name == "invoice_list_lines"
    if name in _ANSWERS:
        return _ANSWERS[name], is_list
    kinds = [k for k in OBJECT_CLASSES if name.startswith(k + "_") or name == k]
    return (max(kinds, key=len) if kinds else None), is_list


def _params_class(name: str) -> type | None:
    """The SDK's params TypedDict for an endpoint ("customer_create" -> CustomerCreateParams)."""
    package, _, stem = name.rpartition(".")
    module = f"stripe.params{'.' + package if package else ''}._{stem}_params"
    class_name = "".join(word.title() for word in stem.split("_")) + "Params"
    try:
        return getattr(importlib.import_module(module), class_name)
    except (ImportError, AttributeError):
        return None


@functools.cache
def _keys(typed: type) -> frozenset[str]:
    return frozenset(typed.__required_keys__ | typed.__optional_keys__)  # type: ignore[attr-defined]


@functools.cache
def _nested(typed: type, key: str) -> type | None:
    """The TypedDict a nested param takes (named in the field's annotation), if any."""
    module = sys.modules[typed.__module__]
    annotation = typed.__annotations__.get(key)
    for name in re.findall(r"[A-Z]\w*Params\w*", repr(annotation)):
        candidate = getattr(module, name, None)
        if isinstance(candidate, type) and hasattr(candidate, "__optional_keys__"):
            return candidate
    return None


def check_params(name: str, params: dict[str, Any]) -> None:
    """Stripe refuses a parameter an endpoint does not take (a typo must not pass silently)."""
    typed = _params_class(name)
    if typed is not None:
        _check(typed, params, "", top=True)


def _check(typed: type, given: dict[str, Any], prefix: str, *, top: bool = False) -> None:
    known = _keys(typed) | ({"expand"} if top else set())
    for key in sorted(given):
        path = f"{prefix}[{key}]" if prefix else key
        if key not in known:
            raise errors.StripeError(f"Received unknown parameter: {path}", code="parameter_unknown", param=path)
        inner = _nested(typed, key)
        value = given[key]
        if inner is None:
            continue
        if isinstance(value, dict):
            _check(inner, value, path)
        elif isinstance(value, list):
            for index, entry in enumerate(value):
                if isinstance(entry, dict):
                    _check(inner, entry, f"{path}[{index}]")
