"""Billing portal and Checkout: the sessions the API creates and what their hosted pages do."""

from __future__ import annotations

import copy
from typing import Any

from server_bridge.sandbox import errors
from server_bridge.sandbox.billing import LIVE, BillingMixin
from server_bridge.sandbox.core import diff
from server_bridge.sandbox.errors import CardError
from server_bridge.sandbox.params import as_bool, as_int, as_list, choice, merge_metadata, require

FEEDBACK = ("too_expensive", "missing_features", "switched_service", "unused", "customer_service",
            "too_complex", "low_quality", "other")
FLOWS = ("payment_method_update", "subscription_cancel", "subscription_update", "subscription_update_confirm")
CHECKOUT_LIFETIME = 24 * 3600


def _features(given: Any, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Portal features from form params (booleans decoded), over the current ones."""
    features = copy.deepcopy(current) if current else {
        "customer_update": {"enabled": False, "allowed_updates": []},
        "invoice_history": {"enabled": False},
        "payment_method_update": {"enabled": False, "payment_method_configuration": None},
        "subscription_cancel": {"enabled": False, "mode": "at_period_end", "proration_behavior": "none",
                                "cancellation_reason": {"enabled": False, "options": []}},
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
                target["cancellation_reason"] = {"enabled": bool(as_bool(value, "enabled", False)),
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


class SessionsMixin(BillingMixin):
    # portal configurations -----------------------------------------------------------------
    def create_portal_configuration(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            profile = params.get("business_profile") or {}
            is_default = not any(c["is_default"] for c in self._all("billing_portal.configuration"))
            return self._new("billing_portal.configuration", {
                "active": True, "application": None, "is_default": is_default,
                "business_profile": {"headline": profile.get("headline") or None,
                                     "privacy_policy_url": profile.get("privacy_policy_url") or None,
                                     "terms_of_service_url": profile.get("terms_of_service_url") or None},
                "default_return_url": params.get("default_return_url") or None,
                "features": _features(params.get("features")),
                "login_page": {"enabled": False, "url": None},
                "metadata": merge_metadata({}, params.get("metadata")), "name": params.get("name") or None,
                "updated": self.now(),
            })

    def update_portal_configuration(self, config_id: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            config = self._find("billing_portal.configuration", config_id)
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
            config["updated"] = self.now()
            if diff(before, config):
                self._emit("billing_portal.configuration.updated", config, diff(before, config))
            return config

    # portal sessions -----------------------------------------------------------------------
    def create_portal_session(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            customer = self._find("customer", require(params, "customer"), "customer")
            if params.get("configuration"):
                config = self._find("billing_portal.configuration", params["configuration"], "configuration")
            else:
                config = next((c for c in self._all("billing_portal.configuration") if c["is_default"]), None) \
                    or self.create_portal_configuration({"features": {
                        "invoice_history": {"enabled": "true"}, "payment_method_update": {"enabled": "true"},
                        "subscription_cancel": {"enabled": "true"}, "subscription_update": {"enabled": "true"}}})
            return_url = params.get("return_url") or config["default_return_url"]
            flow = self._flow(params.get("flow_data"), customer, config)
            session = self._new("billing_portal.session", {
                "customer": customer["id"], "configuration": config["id"], "return_url": return_url,
                "flow": flow, "locale": params.get("locale") or None, "on_behalf_of": None,
                "customer_account": None,
            })
            session["url"] = f"{self.base_url}/p/session/{session['id']}"
            return session

    def _flow(self, data: Any, customer: dict[str, Any], config: dict[str, Any]) -> dict[str, Any] | None:
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
            "subscription_cancel": None, "subscription_update": None, "subscription_update_confirm": None,
        }
        feature = {"subscription_update_confirm": "subscription_update"}.get(kind, kind)
        if not config["features"][feature]["enabled"]:
            raise errors.invalid("flow_data[type]", f"The {kind} flow needs the {feature} feature, which is "
                                 f"disabled in this portal configuration ({config['id']}).")
        if kind in ("subscription_cancel", "subscription_update", "subscription_update_confirm"):
            section = data.get(kind) or {}
            param = f"flow_data[{kind}][subscription]"
            sub = self._find("subscription", require_flow(section, param), param)
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

    def _portal(self, session_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        session = self._objects.get("billing_portal.session", {}).get(session_id)
        if session is None:
            raise KeyError(session_id)
        return session, self._objects["customer"][session["customer"]]

    def _portal_subscription(self, session: dict[str, Any]) -> dict[str, Any]:
        flow = session.get("flow") or {}
        chosen = (flow.get("subscription_cancel") or flow.get("subscription_update") or {}).get("subscription")
        if chosen:
            return self._objects["subscription"][chosen]
        live = [s for s in self._all("subscription") if s["customer"] == session["customer"] and s["status"] in LIVE]
        if not live:
            raise KeyError(f"{session['customer']} has no live subscription")
        return live[0]

    def portal_update_card(self, session_id: str, *, number: str, exp_month: int, exp_year: int, cvc: str) -> None:
        """A new default card for the customer and its subscriptions (CardError when it is refused)."""
        with self.lock:
            session, customer = self._portal(session_id)
            pm = self._card_from_number(str(number).replace(" ", ""), int(exp_month), int(exp_year), cvc,
                                        {"name": customer.get("name"), "email": customer.get("email")})
            self._attach(pm, customer)
            self.update_customer(customer["id"], {"invoice_settings": {"default_payment_method": pm["id"]}})
            for sub in self._all("subscription"):
                if sub["customer"] == customer["id"] and sub["status"] in LIVE and sub["default_payment_method"]:
                    before = copy.deepcopy(sub)
                    sub["default_payment_method"] = pm["id"]
                    self._sub_changed(sub, before)
            self._retry_with(customer, pm)

    def _retry_with(self, customer: dict[str, Any], pm: dict[str, Any]) -> None:
        """A new card pays the bills that failed (as the portal does): a past-due plan comes back."""
        for invoice in list(self._all("invoice")):
            if invoice["customer"] == customer["id"] and invoice["status"] == "open":
                sub = self._invoice_subscription(invoice)
                if sub is None or sub["status"] not in ("past_due", "unpaid", "incomplete"):
                    continue
                if self._attempt(invoice, pm) is None:
                    self._after_payment(sub, invoice)

    def portal_cancel(self, session_id: str, *, reason: str, comment: str = "") -> None:
        """Cancel at the end of the period, with the owner's reason."""
        with self.lock:
            session, _ = self._portal(session_id)
            if reason not in FEEDBACK:
                raise ValueError(f"unknown cancellation reason {reason!r}")
            sub = self._portal_subscription(session)
            before = copy.deepcopy(sub)
            self._set_cancel_at_period_end(sub, True)
            sub["cancellation_details"].update(feedback=reason, comment=comment or None)
            self._sub_changed(sub, before)

    def portal_renew(self, session_id: str) -> None:
        """Undo a cancellation at period end."""
        with self.lock:
            session, _ = self._portal(session_id)
            sub = self._portal_subscription(session)
            before = copy.deepcopy(sub)
            self._set_cancel_at_period_end(sub, False)
            self._sub_changed(sub, before)

    # checkout ------------------------------------------------------------------------------
    def create_checkout_session(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            mode = choice(params, "mode", ("payment", "setup", "subscription"))
            if mode is None:
                raise errors.missing("mode")
            if mode != "subscription":
                raise errors.invalid("mode", "The sandbox supports Checkout in subscription mode.")
            customer = self._find("customer", params["customer"], "customer") if params.get("customer") else None
            wanted = as_list(params, "line_items")
            if not wanted:
                raise errors.missing("line_items")
            items = []
            for i, entry in enumerate(wanted):
                if not isinstance(entry, dict) or not entry.get("price"):
                    raise errors.missing(f"line_items[{i}][price]")
                price = self._price(entry["price"], f"line_items[{i}][price]")
                quantity = as_int(entry, "quantity", 1, minimum=1) or 1
                items.append({"id": f"li_{price['id'][6:]}{i}", "object": "item", "price": dict(price),
                              "quantity": quantity, "currency": price["currency"], "description":
                              self._product_name(price), "amount_subtotal": price["unit_amount"] * quantity,
                              "amount_total": price["unit_amount"] * quantity, "amount_discount": 0,
                              "amount_tax": 0, "metadata": {}})
            success_url = params.get("success_url")
            if not success_url:
                raise errors.missing("success_url")
            total = sum(i["amount_total"] for i in items)
            now = self.now()
            session = self._new("checkout.session", {
                "mode": "subscription", "status": "open", "payment_status": "unpaid",
                "customer": customer["id"] if customer else None,
                "customer_email": params.get("customer_email") or (customer or {}).get("email"),
                "client_reference_id": params.get("client_reference_id") or None,
                "metadata": merge_metadata({}, params.get("metadata")), "success_url": success_url,
                "cancel_url": params.get("cancel_url") or None, "return_url": None, "ui_mode": "hosted",
                "currency": items[0]["currency"], "amount_subtotal": total, "amount_total": total,
                "expires_at": as_int(params, "expires_at") or now + CHECKOUT_LIFETIME,
                "subscription": None, "invoice": None, "payment_intent": None, "setup_intent": None,
                "payment_method_types": ["card"], "locale": params.get("locale") or None,
                "billing_address_collection": params.get("billing_address_collection") or None,
                "customer_creation": None if customer else "always", "submit_type": None,
                "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0, "breakdown": None},
                "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
                "customer_details": None, "_line_items": items,
                "_subscription_data": self._subscription_data(params.get("subscription_data")),
            }, created=now)
            session["url"] = f"{self.base_url}/c/pay/{session['id']}"
            return session

    def _subscription_data(self, given: Any) -> dict[str, Any]:
        if given in (None, ""):
            return {"metadata": {}, "trial_period_days": 0}
        if not isinstance(given, dict):
            raise errors.invalid("subscription_data", "Invalid object")
        return {"metadata": merge_metadata({}, given.get("metadata")),
                "trial_period_days": as_int(given, "trial_period_days", 0, minimum=0) or 0}

    def checkout_line_items(self, session_id: str) -> list[dict[str, Any]]:
        """What a Checkout session sells (KeyError for an unknown session)."""
        with self.lock:
            session = self._objects.get("checkout.session", {}).get(session_id)
            if session is None:
                raise KeyError(session_id)
            return [self.render(item) for item in session["_line_items"]]

    def expire_checkout_session(self, session_id: str) -> dict[str, Any]:
        with self.lock:
            session = self._find("checkout.session", session_id)
            if session["status"] != "open":
                raise errors.StripeError(f"Only Checkout Sessions with a status of `open` can be expired "
                                         f"(this one is {session['status']}).")
            before = copy.deepcopy(session)
            session.update(status="expired", url=None)
            self._emit("checkout.session.expired", session, diff(before, session))
            return session

    def checkout_complete(self, session_id: str, *, email: str, number: str, exp_month: int, exp_year: int,
                          cvc: str, name: str = "") -> str:
        """Pay a Checkout session with a card: the subscription starts. Returns the success URL."""
        with self.lock:
            session = self._objects.get("checkout.session", {}).get(session_id)
            if session is None:
                raise KeyError(session_id)
            if session["status"] != "open" or session["expires_at"] <= self.now():
                raise errors.StripeError("This Checkout Session is no longer open.", code="checkout_session_expired")
            pm = self._card_from_number(str(number).replace(" ", ""), int(exp_month), int(exp_year), cvc,
                                        {"email": email, "name": name})
            problem = self._charge_problem(pm)
            if problem is not None:
                raise problem
            customer = self._objects["customer"].get(session["customer"] or "")
            if customer is None:
                customer = self.create_customer({"email": email, "name": name})
            self._attach(pm, customer)
            self.update_customer(customer["id"], {"invoice_settings": {"default_payment_method": pm["id"]}})
            prices = [(self._objects["price"][i["price"]["id"]], i["quantity"], None) for i in session["_line_items"]]
            wanted = session["_subscription_data"]
            sub = self._start_subscription(customer, prices, pm, self.now(), charge_to=pm,
                                           metadata=wanted["metadata"], trial_days=wanted["trial_period_days"])
            if sub["status"] not in ("active", "trialing"):
                raise CardError("Your card was declined.", payment_method=pm["id"])
            before = copy.deepcopy(session)
            session.update(status="complete", payment_status="paid", customer=customer["id"], subscription=sub["id"],
                           invoice=sub["latest_invoice"], url=None,
                           customer_details={"email": email, "name": name or None, "phone": None, "address": None,
                                             "tax_exempt": "none", "tax_ids": [], "business_name": None,
                                             "individual_name": None})
            self._emit("checkout.session.completed", session, diff(before, session))
            return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])


def require_flow(section: Any, param: str) -> Any:
    if not isinstance(section, dict) or not section.get("subscription"):
        raise errors.missing(param)
    return section["subscription"]
