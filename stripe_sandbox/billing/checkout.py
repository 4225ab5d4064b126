"""Checkout sessions in subscription mode, and paying one on its hosted page."""

from __future__ import annotations

import copy
from typing import Any

from stripe_sandbox import errors
from stripe_sandbox.billing import cards, catalog, customers, subscriptions
from stripe_sandbox.errors import CardError
from stripe_sandbox.params import as_int, as_list, choice, merge_metadata
from stripe_sandbox.store import INCLUDES, Store, diff, public

CHECKOUT_LIFETIME = 24 * 3600


def create_checkout_session(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        mode = choice(params, "mode", ("payment", "setup", "subscription"))
        if mode is None:
            raise errors.missing("mode")
        if mode != "subscription":
            raise errors.invalid("mode", "The sandbox supports Checkout in subscription mode.")
        customer = store.find("customer", params["customer"], "customer") if params.get("customer") else None
        wanted = as_list(params, "line_items")
        if not wanted:
            raise errors.missing("line_items")
        items = []
        for i, entry in enumerate(wanted):
            if not isinstance(entry, dict) or not entry.get("price"):
                raise errors.missing(f"line_items[{i}][price]")
            price = catalog.price(store, entry["price"], f"line_items[{i}][price]")
            quantity = as_int(entry, "quantity", 1, minimum=1) or 1
            items.append({"id": f"li_{price['id'][6:]}{i}", "object": "item", "price": dict(price),
                          "adjustable_quantity": None, "discounts": None, "taxes": None,
                          "quantity": quantity, "currency": price["currency"], "description":
                          catalog.product_name(store, price), "amount_subtotal": price["unit_amount"] * quantity,
                          "amount_total": price["unit_amount"] * quantity, "amount_discount": 0,
                          "amount_tax": 0, "metadata": {}})
        success_url = params.get("success_url")
        if not success_url:
            raise errors.missing("success_url")
        total = sum(i["amount_total"] for i in items)
        now = store.now()
        session = store.new("checkout.session", {
            "mode": "subscription", "status": "open", "payment_status": "unpaid",
            "customer": customer["id"] if customer else None,
            "customer_email": params.get("customer_email") or (customer or {}).get("email"),
            "client_reference_id": params.get("client_reference_id") or None,
            "metadata": merge_metadata({}, params.get("metadata")), "success_url": success_url,
            "cancel_url": params.get("cancel_url") or None, "return_url": None, "ui_mode": "hosted_page",
            "currency": items[0]["currency"], "amount_subtotal": total, "amount_total": total,
            "expires_at": as_int(params, "expires_at") or now + CHECKOUT_LIFETIME,
            "subscription": None, "invoice": None, "payment_intent": None, "setup_intent": None,
            "payment_method_types": ["card"], "locale": params.get("locale") or None,
            "billing_address_collection": params.get("billing_address_collection") or None,
            "customer_creation": None if customer else "always", "submit_type": None,
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0, "breakdown": None},
            "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
            "customer_details": None, "_line_items": items,
            "_subscription_data": subscription_data(params.get("subscription_data")),
        }, created=now)
        session["url"] = f"{store.base_url}/c/pay/{session['id']}"
        return session


def subscription_data(given: Any) -> dict[str, Any]:
    if given in (None, ""):
        return {"metadata": {}, "trial_period_days": 0}
    if not isinstance(given, dict):
        raise errors.invalid("subscription_data", "Invalid object")
    return {"metadata": merge_metadata({}, given.get("metadata")),
            "trial_period_days": as_int(given, "trial_period_days", 0, minimum=0) or 0}


def line_items(store: Store, session_id: str) -> list[dict[str, Any]]:
    """What a Checkout session sells (KeyError for an unknown session)."""
    with store.lock:
        session = store.table("checkout.session").get(session_id)
        if session is None:
            raise KeyError(session_id)
        return [store.render(item) for item in session["_line_items"]]


def expire_checkout_session(store: Store, session_id: str) -> dict[str, Any]:
    with store.lock:
        session = store.find("checkout.session", session_id)
        if session["status"] != "open":
            raise errors.StripeError(f"Only Checkout Sessions with a status of `open` can be expired "
                                     f"(this one is {session['status']}).")
        before = copy.deepcopy(session)
        session.update(status="expired", url=None)
        store.emit("checkout.session.expired", session, diff(before, session))
        return session


def complete(store: Store, session_id: str, *, email: str, number: str, exp_month: int, exp_year: int,
                      cvc: str, name: str = "") -> str:
    """Pay a Checkout session with a card: the subscription starts. Returns the success URL."""
    with store.lock:
        session = store.table("checkout.session").get(session_id)
        if session is None:
            raise KeyError(session_id)
        if session["status"] != "open" or session["expires_at"] <= store.now():
            raise errors.StripeError("This Checkout Session is no longer open.", code="checkout_session_expired")
        pm = cards.card_from_number(store, str(number).replace(" ", ""), int(exp_month), int(exp_year), cvc,
                                    {"email": email, "name": name})
        problem = cards.charge_problem(store, pm)
        if problem is not None:
            raise problem
        customer = store.table("customer").get(session["customer"] or "")
        if customer is None:
            customer = customers.create_customer(store, {"email": email, "name": name})
        cards.attach(store, pm, customer)
        customers.update_customer(store, customer["id"], {"invoice_settings": {"default_payment_method": pm["id"]}})
        prices = [(store.table("price")[i["price"]["id"]], i["quantity"], None) for i in session["_line_items"]]
        wanted = session["_subscription_data"]
        sub = subscriptions.start_subscription(store, customer, prices, pm, store.now(), charge_to=pm,
                                       metadata=wanted["metadata"], trial_days=wanted["trial_period_days"])
        if sub["status"] not in ("active", "trialing"):
            raise CardError("Your card was declined.", payment_method=pm["id"])
        before = copy.deepcopy(session)
        session.update(status="complete", payment_status="paid", customer=customer["id"], subscription=sub["id"],
                       invoice=sub["latest_invoice"], url=None,
                       customer_details={"email": email, "name": name or None, "phone": None, "address": None,
                                         "tax_exempt": "none", "tax_ids": [], "business_name": None,
                                         "individual_name": None})
        store.emit("checkout.session.completed", session, diff(before, session))
        return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])


def _expanded_line_items(store: Store, session: dict[str, Any]) -> dict[str, Any]:
    return {"object": "list", "data": public(session.get("_line_items", [])), "has_more": False,
            "url": f"/v1/checkout/sessions/{session['id']}/line_items"}


INCLUDES[("checkout.session", "line_items")] = _expanded_line_items
