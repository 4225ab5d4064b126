"""Customers: who is billed, their invoice settings and default card."""

from __future__ import annotations

import copy
import secrets
import string
from typing import Any

from stripe_sandbox import errors
from stripe_sandbox.billing import cards, subscriptions
from stripe_sandbox.params import as_int, merge_metadata
from stripe_sandbox.store import INCLUDES, Store, diff

_PREFIX_CHARACTERS = string.ascii_uppercase + string.digits


def _invoice_prefix(given: Any) -> str:
    """The caller's prefix (Stripe: 3-12 uppercase letters or numbers), else 8 random ones as Stripe makes."""
    if given in (None, ""):
        return "".join(secrets.choice(_PREFIX_CHARACTERS) for _ in range(8))
    if not isinstance(given, str) or not 3 <= len(given) <= 12 or any(c not in _PREFIX_CHARACTERS for c in given):
        raise errors.invalid("invoice_prefix", "Invoice prefix must be 3-12 uppercase letters or numbers.")
    return given


def create_customer(store: Store, params: dict[str, Any], *, created: int | None = None,
                    emit: bool = True) -> dict[str, Any]:
    with store.lock:
        pm = cards.payment_method(store, params["payment_method"], "payment_method") \
            if params.get("payment_method") else None
        if pm is not None:
            cards.refuse_declined_attach(pm)
        customer = store.new("customer", {
            "email": params.get("email") or None,
            "name": params.get("name") or None,
            "description": params.get("description") or None,
            "phone": params.get("phone") or None,
            "metadata": merge_metadata({}, params.get("metadata")),
            "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None,
                                 "rendering_options": None},
            "invoice_prefix": _invoice_prefix(params.get("invoice_prefix")),
            "next_invoice_sequence": 1,
            "balance": 0,
            "currency": None,
            "delinquent": False,
            "tax_exempt": "none",
            "preferred_locales": [],
        }, created=created)
        if emit:
            store.emit("customer.created", customer)
        default = (params.get("invoice_settings") or {}).get("default_payment_method")
        if pm is not None:
            cards.attach(store, pm, customer, emit=emit)
            if default == params["payment_method"]:
                default = pm["id"]
        if default:
            update_customer(store, customer["id"], {"invoice_settings": {"default_payment_method": default}},
                                 emit=emit)
        return customer


def update_customer(store: Store, customer_id: str, params: dict[str, Any], *, emit: bool = True) -> dict[str, Any]:
    with store.lock:
        customer = store.find("customer", customer_id)
        before = copy.deepcopy(customer)
        for name in ("email", "name", "description", "phone"):
            if name in params:
                customer[name] = params[name] or None
        if "metadata" in params:
            customer["metadata"] = merge_metadata(customer["metadata"], params["metadata"])
        if params.get("balance") not in (None, ""):
            customer["balance"] = as_int(params, "balance")   # negative: a credit the next invoices use
        settings = params.get("invoice_settings")
        if isinstance(settings, dict) and "default_payment_method" in settings:
            pm_id = settings["default_payment_method"]
            if pm_id:
                pm = cards.payment_method(store, pm_id, "invoice_settings[default_payment_method]")
                if pm.get("customer") != customer["id"]:
                    raise errors.invalid("invoice_settings[default_payment_method]",
                                         f"The customer does not have a payment method with the ID {pm['id']}. "
                                         "The payment method must be attached to the customer.")
                customer["invoice_settings"]["default_payment_method"] = pm["id"]
            else:
                customer["invoice_settings"]["default_payment_method"] = None
        previous = diff(before, customer)
        if previous and emit:
            store.emit("customer.updated", customer, previous)
        return customer


def detach_payment_method(store: Store, pm_id: str) -> dict[str, Any]:
    with store.lock:
        pm = store.find("payment_method", pm_id)
        if not pm.get("customer"):
            raise errors.invalid("payment_method", "The payment method you provided is not attached to a customer "
                                 "so detachment is impossible.")
        before = copy.deepcopy(pm)
        customer = store.table("customer").get(pm["customer"])
        pm["customer"] = None
        if customer and customer["invoice_settings"].get("default_payment_method") == pm["id"]:
            update_customer(store, customer["id"], {"invoice_settings": {"default_payment_method": ""}})
        store.emit("payment_method.detached", pm, diff(before, pm))
        return pm


def delete_customer(store: Store, customer_id: str) -> dict[str, Any]:
    with store.lock:
        customer = store.find("customer", customer_id)
        for sub in list(store.all("subscription")):
            if sub["customer"] == customer_id and sub["status"] not in ("canceled", "incomplete_expired"):
                subscriptions.cancel_subscription(store, sub["id"], {})  # type: ignore[attr-defined]
        customer["deleted"] = True
        store.emit("customer.deleted", customer)
        return {"id": customer_id, "object": "customer", "deleted": True}


def _empty_list(path: str) -> Any:
    return lambda store, customer: {"object": "list", "data": [], "has_more": False, "total_count": 0,
                                    "url": f"/v1/customers/{customer['id']}/{path}"}


def _subscriptions(store: Store, customer: dict[str, Any]) -> dict[str, Any]:
    live = [store.render(s) for s in store.all("subscription")
            if s["customer"] == customer["id"] and s["status"] not in ("canceled", "incomplete_expired")]
    return {"object": "list", "data": live, "has_more": False, "total_count": len(live),
            "url": f"/v1/customers/{customer['id']}/subscriptions"}


INCLUDES[("customer", "sources")] = _empty_list("sources")
INCLUDES[("customer", "tax_ids")] = _empty_list("tax_ids")
INCLUDES[("customer", "subscriptions")] = _subscriptions
INCLUDES[("customer", "cash_balance")] = lambda store, customer: None
INCLUDES[("customer", "tax")] = lambda store, customer: {"automatic_tax": "unrecognized_location", "ip_address": None,
                                                          "location": None, "provider": "stripe"}
INCLUDES[("customer", "invoice_credit_balance")] = lambda store, customer: {}
