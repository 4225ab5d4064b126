"""The billing portal: configurations, sessions, and what its hosted page's forms do."""

from __future__ import annotations

import copy
from typing import Any

from stripe_sandbox import errors
from stripe_sandbox.billing import cards, customers, invoices, schedules, subscriptions
from stripe_sandbox.billing.subscriptions import LIVE
from stripe_sandbox.params import as_bool, as_list, choice, merge_metadata, require
from stripe_sandbox.store import Store, diff

FEEDBACK = ("too_expensive", "missing_features", "switched_service", "unused", "customer_service",
            "too_complex", "low_quality", "other")
FLOWS = ("payment_method_update", "subscription_cancel", "subscription_update", "subscription_update_confirm")


def _features(given: Any, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Portal features from form params (booleans decoded), over the current ones."""
    features = copy.deepcopy(current) if current else {
        "customer_update": {"enabled": False, "allowed_updates": []},
        "invoice_history": {"enabled": False},
        "payment_method_update": {"enabled": False, "payment_method_configuration": None},
        "subscription_cancel": {"enabled": False, "mode": "at_period_end", "proration_behavior": "none",
                                "cancellation_reason": {"enabled": False, "feedback_options": None, "options": []}},
        "subscription_pause": {"enabled": False, "duration": {"interval_options": [], "type": "indefinite"}},
        "subscription_update": {"enabled": False, "default_allowed_updates": [], "products": [],
                                "proration_behavior": "none", "billing_cycle_anchor": None,
                                "schedule_at_period_end": {"conditions": []}, "trial_update_behavior": "end_trial"},
    }
    if not isinstance(given, dict):
        return features
    for name, settings in given.items():
        if name not in features or not isinstance(settings, dict):
            raise errors.invalid(f"features[{name}]", f"Received unknown parameter: features[{name}]")
        target = features[name]
        for key, value in settings.items():
            if key == "enabled":
                target["enabled"] = as_bool(settings, "enabled")
            elif key == "cancellation_reason" and isinstance(value, dict):
                target["cancellation_reason"] = {"enabled": bool(as_bool(value, "enabled", False)), "feedback_options": None,
                                                 "options": as_list(value, "options")}
            elif key in ("allowed_updates", "default_allowed_updates"):
                target[key] = as_list(settings, key)
            elif key == "products":
                target[key] = [{"product": p.get("product"), "prices": as_list(p, "prices"),
                                "adjustable_quantity": {"enabled": False, "maximum": None, "minimum": 1}}
                               for p in as_list(settings, key) if isinstance(p, dict)]
            else:
                target[key] = value
    return features


def require_flow(section: Any, param: str) -> Any:
    if not isinstance(section, dict) or not section.get("subscription"):
        raise errors.missing(param)
    return section["subscription"]


def create_portal_configuration(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        profile = params.get("business_profile") or {}
        is_default = not any(c["is_default"] for c in store.all("billing_portal.configuration"))
        return store.new("billing_portal.configuration", {
            "active": True, "application": None, "is_default": is_default,
            "business_profile": {"headline": profile.get("headline") or None,
                                 "privacy_policy_url": profile.get("privacy_policy_url") or None,
                                 "terms_of_service_url": profile.get("terms_of_service_url") or None},
            "default_return_url": params.get("default_return_url") or None,
            "features": _features(params.get("features")),
            "login_page": {"enabled": False, "url": None},
            "metadata": merge_metadata({}, params.get("metadata")), "name": params.get("name") or None,
            "updated": store.now(),
        })


def update_portal_configuration(store: Store, config_id: str, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        config = store.find("billing_portal.configuration", config_id)
        before = copy.deepcopy(config)
        if "active" in params:
            config["active"] = as_bool(params, "active")
        if isinstance(params.get("business_profile"), dict):
            for key, value in params["business_profile"].items():
                config["business_profile"][key] = value or None
        if "default_return_url" in params:
            config["default_return_url"] = params["default_return_url"] or None
        if "features" in params:
            config["features"] = _features(params["features"], config["features"])
        if "metadata" in params:
            config["metadata"] = merge_metadata(config["metadata"], params["metadata"])
        if "name" in params:
            config["name"] = params["name"] or None
        config["updated"] = store.now()
        if diff(before, config):
            store.emit("billing_portal.configuration.updated", config, diff(before, config))
        return config


def create_portal_session(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        customer = store.find("customer", require(params, "customer"), "customer")
        if params.get("configuration"):
            config = store.find("billing_portal.configuration", params["configuration"], "configuration")
        else:
            config = next((c for c in store.all("billing_portal.configuration") if c["is_default"]), None) \
                or create_portal_configuration(store, {"features": {
                    "invoice_history": {"enabled": "true"}, "payment_method_update": {"enabled": "true"},
                    "subscription_cancel": {"enabled": "true"}, "subscription_update": {"enabled": "true"}}})
        return_url = params.get("return_url") or config["default_return_url"]
        flow = build_flow(store, params.get("flow_data"), customer, config)
        session = store.new("billing_portal.session", {
            "customer": customer["id"], "configuration": config["id"], "return_url": return_url,
            "flow": flow, "locale": params.get("locale") or None, "on_behalf_of": None,
            "customer_account": None,
        })
        session["url"] = f"{store.base_url}/p/session/{session['id']}"
        return session


def build_flow(store: Store, data: Any, customer: dict[str, Any], config: dict[str, Any]) -> dict[str, Any] | None:
    if not data:
        return None
    if not isinstance(data, dict):
        raise errors.invalid("flow_data", "Invalid object")
    kind = choice(data, "type", FLOWS)
    if kind is None:
        raise errors.missing("flow_data[type]")
    after = data.get("after_completion") or {}
    after_type = choice(after, "type", ("hosted_confirmation", "portal_homepage", "redirect"),
                        "portal_homepage")
    redirect = None
    if after_type == "redirect":
        url = (after.get("redirect") or {}).get("return_url")
        if not url:
            raise errors.missing("flow_data[after_completion][redirect][return_url]")
        redirect = {"return_url": url}
    flow: dict[str, Any] = {
        "type": kind,
        "after_completion": {"type": after_type, "redirect": redirect,
                             "hosted_confirmation": {"custom_message": None}
                             if after_type == "hosted_confirmation" else None},
        "customer_update": None, "subscription_cancel": None, "subscription_pause": None,
        "subscription_update": None, "subscription_update_confirm": None,
    }
    feature = {"subscription_update_confirm": "subscription_update"}.get(kind, kind)
    if not config["features"][feature]["enabled"]:
        raise errors.invalid("flow_data[type]", f"The {kind} flow needs the {feature} feature, which is "
                             f"disabled in this portal configuration ({config['id']}).")
    if kind in ("subscription_cancel", "subscription_update", "subscription_update_confirm"):
        section = data.get(kind) or {}
        param = f"flow_data[{kind}][subscription]"
        sub = store.find("subscription", require_flow(section, param), param)
        if sub["customer"] != customer["id"] or sub["status"] not in LIVE:
            raise errors.invalid(param, "The subscription must be an active subscription of this customer.")
        if kind == "subscription_cancel":
            if sub["cancel_at_period_end"]:
                raise errors.invalid(param, "This subscription is already set to be canceled.")
            flow["subscription_cancel"] = {"subscription": sub["id"], "retention": None}
        else:
            flow[kind] = {"subscription": sub["id"], "discounts": None, "items": []} \
                if kind == "subscription_update_confirm" else {"subscription": sub["id"]}
    return flow


def session_and_customer(store: Store, session_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    session = store.table("billing_portal.session").get(session_id)
    if session is None:
        raise KeyError(session_id)
    return session, store.table("customer")[session["customer"]]


def subscription_of(store: Store, session: dict[str, Any]) -> dict[str, Any]:
    flow = session.get("flow") or {}
    chosen = (flow.get("subscription_cancel") or flow.get("subscription_update") or {}).get("subscription")
    if chosen:
        return store.table("subscription")[chosen]
    live = [s for s in store.all("subscription") if s["customer"] == session["customer"] and s["status"] in LIVE]
    if not live:
        raise errors.StripeError("You have no active plan to change.", code="resource_missing", status=409)
    return live[0]


def update_card(store: Store, session_id: str, *, number: str, exp_month: int, exp_year: int, cvc: str) -> None:
    """A new default card for the customer and its subscriptions (CardError when it is refused)."""
    with store.lock:
        session, customer = session_and_customer(store, session_id)
        pm = cards.card_from_number(store, str(number).replace(" ", ""), int(exp_month), int(exp_year), cvc,
                                    {"name": customer.get("name"), "email": customer.get("email")})
        cards.attach(store, pm, customer)
        customers.update_customer(store, customer["id"], {"invoice_settings": {"default_payment_method": pm["id"]}})
        for sub in store.all("subscription"):
            if sub["customer"] == customer["id"] and sub["status"] in LIVE and sub["default_payment_method"]:
                before = copy.deepcopy(sub)
                sub["default_payment_method"] = pm["id"]
                subscriptions.changed(store, sub, before)
        retry_with(store, customer, pm)


def retry_with(store: Store, customer: dict[str, Any], pm: dict[str, Any]) -> None:
    """A new card pays the bills that failed (as the portal does): a past-due plan comes back."""
    for invoice in list(store.all("invoice")):
        if invoice["customer"] == customer["id"] and invoice["status"] == "open":
            sub = invoices.subscription_of(store, invoice)
            if sub is None or sub["status"] not in ("past_due", "unpaid", "incomplete"):
                continue
            if invoices.attempt(store, invoice, pm) is None:
                subscriptions.after_payment(store, sub, invoice)


def cancel(store: Store, session_id: str, *, reason: str, comment: str = "") -> None:
    """Cancel at the end of the period, with the owner's reason."""
    with store.lock:
        session, _ = session_and_customer(store, session_id)
        if reason not in FEEDBACK:
            raise ValueError(f"unknown cancellation reason {reason!r}")
        sub = subscription_of(store, session)
        schedule = store.table("subscription_schedule").get(sub.get("schedule") or "")
        if schedule is not None and schedule["status"] in ("active", "not_started"):
            schedules.release(store, schedule, store.now())   # a scheduled switch will not happen: the plan ends
        before = copy.deepcopy(sub)
        subscriptions.set_cancel_at_period_end(store, sub, True)
        sub["cancellation_details"].update(feedback=reason, comment=comment or None)
        subscriptions.changed(store, sub, before)


def renew(store: Store, session_id: str) -> None:
    """Undo a cancellation at period end."""
    with store.lock:
        session, _ = session_and_customer(store, session_id)
        sub = subscription_of(store, session)
        before = copy.deepcopy(sub)
        subscriptions.set_cancel_at_period_end(store, sub, False)
        subscriptions.changed(store, sub, before)
