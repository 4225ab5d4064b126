"""Customers, products, prices and cards: the objects billing is built from."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import secrets
import string
from typing import Any

from server_bridge.sandbox import errors
from server_bridge.sandbox.core import SandboxState, diff
from server_bridge.sandbox.errors import CardError
from server_bridge.sandbox.params import as_bool, as_int, as_list, choice, merge_metadata, require

#: Stripe's test card numbers: brand, what happens when it is attached, what happens when charged.
TEST_CARDS: dict[str, tuple[str, str | None, str | None]] = {
    "4242424242424242": ("visa", None, None),
    "4000056655665556": ("visa", None, None),
    "5555555555554444": ("mastercard", None, None),
    "378282246310005": ("amex", None, None),
    "4000000000000002": ("visa", "generic_decline", "generic_decline"),
    "4000000000009995": ("visa", "insufficient_funds", "insufficient_funds"),
    "4000000000000341": ("visa", None, "generic_decline"),
}
#: Stripe's test payment method ids, usable wherever a payment method id is.
TEST_TOKENS: dict[str, str] = {
    "pm_card_visa": "4242424242424242",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeCustomerFail": "4000000000000341",
}
DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
}


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return total % 10 == 0


def brand_of(number: str) -> str:
    if number in TEST_CARDS:
        return TEST_CARDS[number][0]
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or number[:1] == "2":
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "unknown"


def _features(given: Any) -> list[dict[str, str]]:
    """A product's marketing features ("" clears them)."""
    if given in (None, ""):
        return []
    if not isinstance(given, list) or not all(isinstance(f, dict) and f.get("name") for f in given):
        raise errors.invalid("marketing_features", "Each marketing feature needs a name.")
    return [{"name": str(f["name"])} for f in given]


def card_expired(exp_month: int, exp_year: int, at: int) -> bool:
    """A card works through the last day of its expiry month."""
    today = dt.datetime.fromtimestamp(at, dt.timezone.utc)
    return (exp_year, exp_month) < (today.year, today.month)


class CatalogMixin(SandboxState):
    # customers -----------------------------------------------------------------------------
    def create_customer(self, params: dict[str, Any], *, created: int | None = None,
                        emit: bool = True) -> dict[str, Any]:
        with self.lock:
            pm = self._payment_method(params["payment_method"], "payment_method") \
                if params.get("payment_method") else None
            if pm is not None:
                self._refuse_declined_attach(pm)
            customer = self._new("customer", {
                "email": params.get("email") or None,
                "name": params.get("name") or None,
                "description": params.get("description") or None,
                "phone": params.get("phone") or None,
                "metadata": merge_metadata({}, params.get("metadata")),
                "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None,
                                     "rendering_options": None},
                "invoice_prefix": "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(8)),
                "next_invoice_sequence": 1,
                "balance": 0,
                "currency": None,
                "delinquent": False,
                "tax_exempt": "none",
                "preferred_locales": [],
            }, created=created)
            if emit:
                self._emit("customer.created", customer)
            default = (params.get("invoice_settings") or {}).get("default_payment_method")
            if pm is not None:
                self._attach(pm, customer, emit=emit)
                if default == params["payment_method"]:
                    default = pm["id"]
            if default:
                self.update_customer(customer["id"], {"invoice_settings": {"default_payment_method": default}},
                                     emit=emit)
            return customer

    def update_customer(self, customer_id: str, params: dict[str, Any], *, emit: bool = True) -> dict[str, Any]:
        with self.lock:
            customer = self._find("customer", customer_id)
            before = copy.deepcopy(customer)
            for name in ("email", "name", "description", "phone"):
                if name in params:
                    customer[name] = params[name] or None
            if "metadata" in params:
                customer["metadata"] = merge_metadata(customer["metadata"], params["metadata"])
            settings = params.get("invoice_settings")
            if isinstance(settings, dict) and "default_payment_method" in settings:
                pm_id = settings["default_payment_method"]
                if pm_id:
                    pm = self._payment_method(pm_id, "invoice_settings[default_payment_method]")
                    if pm.get("customer") != customer["id"]:
                        raise errors.invalid("invoice_settings[default_payment_method]",
                                             f"The customer does not have a payment method with the ID {pm['id']}. "
                                             "The payment method must be attached to the customer.")
                    customer["invoice_settings"]["default_payment_method"] = pm["id"]
                else:
                    customer["invoice_settings"]["default_payment_method"] = None
            previous = diff(before, customer)
            if previous and emit:
                self._emit("customer.updated", customer, previous)
            return customer

    def delete_customer(self, customer_id: str) -> dict[str, Any]:
        with self.lock:
            customer = self._find("customer", customer_id)
            for sub in list(self._all("subscription")):
                if sub["customer"] == customer_id and sub["status"] not in ("canceled", "incomplete_expired"):
                    self.cancel_subscription(sub["id"], {})  # type: ignore[attr-defined]
            customer["deleted"] = True
            self._emit("customer.deleted", customer)
            return {"id": customer_id, "object": "customer", "deleted": True}

    # products and prices -------------------------------------------------------------------
    def create_product(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            product = self._new("product", {
                "name": require(params, "name"),
                "active": as_bool(params, "active", True),
                "description": params.get("description") or None,
                "metadata": merge_metadata({}, params.get("metadata")),
                "default_price": None,
                "images": [],
                "marketing_features": _features(params.get("marketing_features")),
                "type": "service",
                "updated": self.now(),
                "url": None,
            })
            self._emit("product.created", product)
            return product

    def update_product(self, product_id: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            product = self._find("product", product_id)
            before = copy.deepcopy(product)
            for name in ("name", "description"):
                if params.get(name):
                    product[name] = params[name]
            if "active" in params:
                product["active"] = as_bool(params, "active")
            if "metadata" in params:
                product["metadata"] = merge_metadata(product["metadata"], params["metadata"])
            if "marketing_features" in params:
                product["marketing_features"] = _features(params["marketing_features"])
            product["updated"] = self.now()
            self._emit("product.updated", product, diff(before, product))
            return product

    def create_price(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            product_id = params.get("product")
            if not product_id and isinstance(params.get("product_data"), dict):
                product_id = self.create_product(params["product_data"])["id"]
            product = self._find("product", product_id, "product")
            currency = str(require(params, "currency")).lower()
            amount = as_int(params, "unit_amount", minimum=0)
            if amount is None:
                raise errors.missing("unit_amount")
            recurring = params.get("recurring")
            recurring_out = None
            if isinstance(recurring, dict):
                interval = choice(recurring, "interval", ("day", "week", "month", "year"))
                if interval is None:
                    raise errors.missing("recurring[interval]")
                recurring_out = {"interval": interval,
                                 "interval_count": as_int(recurring, "interval_count", 1, minimum=1),
                                 "usage_type": "licensed", "meter": None, "trial_period_days": None}
            lookup_key = params.get("lookup_key") or None
            if lookup_key:
                holders = [p for p in self._all("price") if p.get("lookup_key") == lookup_key]
                if holders and not as_bool(params, "transfer_lookup_key", False):
                    raise errors.invalid("lookup_key", f"A price ({holders[0]['id']}) already uses that lookup key.")
                for holder in holders:
                    holder["lookup_key"] = None
            price = self._new("price", {
                "product": product["id"],
                "active": as_bool(params, "active", True),
                "currency": currency,
                "unit_amount": amount,
                "unit_amount_decimal": str(amount),
                "recurring": recurring_out,
                "type": "recurring" if recurring_out else "one_time",
                "lookup_key": lookup_key,
                "nickname": params.get("nickname") or None,
                "metadata": merge_metadata({}, params.get("metadata")),
                "billing_scheme": "per_unit",
                "tax_behavior": "unspecified",
                "custom_unit_amount": None,
                "tiers_mode": None,
                "transform_quantity": None,
            })
            if product.get("default_price") is None:
                product["default_price"] = price["id"]
            self._emit("price.created", price)
            return price

    def update_price(self, price_id: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            price = self._find("price", price_id)
            before = copy.deepcopy(price)
            if "active" in params:
                price["active"] = as_bool(params, "active")
            if "nickname" in params:
                price["nickname"] = params["nickname"] or None
            if "lookup_key" in params:
                price["lookup_key"] = params["lookup_key"] or None
            if "metadata" in params:
                price["metadata"] = merge_metadata(price["metadata"], params["metadata"])
            self._emit("price.updated", price, diff(before, price))
            return price

    def list_prices(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        keys = as_list(params, "lookup_keys")
        active = as_bool(params, "active")
        out = []
        for price in self._all("price"):
            if keys and price.get("lookup_key") not in keys:
                continue
            if active is not None and price["active"] != active:
                continue
            if params.get("product") and price["product"] != params["product"]:
                continue
            if params.get("currency") and price["currency"] != params["currency"]:
                continue
            if params.get("type") and price["type"] != params["type"]:
                continue
            out.append(price)
        return out

    # cards ---------------------------------------------------------------------------------
    def create_payment_method(self, params: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
        with self.lock:
            if params.get("type", "card") != "card":
                raise errors.invalid("type", "The sandbox supports payment methods of type card.")
            card = params.get("card")
            if isinstance(card, dict) and card.get("token"):
                raise errors.invalid("card[token]", "Card tokens are not supported by the sandbox; use card[number].")
            if not isinstance(card, dict):
                raise errors.missing("card")
            number = str(require(card, "number")).replace(" ", "")
            exp_month = as_int(card, "exp_month")
            exp_year = as_int(card, "exp_year")
            return self._card_from_number(number, exp_month, exp_year, card.get("cvc"),
                                          params.get("billing_details") or {}, params.get("metadata"), created)

    def _card_from_number(self, number: str, exp_month: int | None, exp_year: int | None, cvc: Any,
                          billing: dict[str, Any], metadata: Any = None, created: int | None = None) -> dict[str, Any]:
        if not number.isdigit() or not 13 <= len(number) <= 19 or not luhn_ok(number):
            raise CardError("Your card number is incorrect.", code="incorrect_number", decline_code=None,
                            param="card[number]")
        if exp_month is None or not 1 <= exp_month <= 12:
            raise CardError("Your card's expiration month is invalid.", code="invalid_expiry_month",
                            decline_code=None, param="card[exp_month]")
        if exp_year is None:
            raise CardError("Your card's expiration year is invalid.", code="invalid_expiry_year",
                            decline_code=None, param="card[exp_year]")
        if exp_year < 100:
            exp_year += 2000
        if card_expired(exp_month, exp_year, self.now() if created is None else created):
            raise CardError("Your card's expiration year is invalid.", code="invalid_expiry_year",
                            decline_code=None, param="card[exp_year]")
        if cvc is not None and cvc != "" and (not str(cvc).isdigit() or not 3 <= len(str(cvc)) <= 4):
            raise CardError("Your card's security code is invalid.", code="invalid_cvc", decline_code=None,
                            param="card[cvc]")
        brand = brand_of(number)
        pm = self._new("payment_method", {
            "type": "card",
            "customer": None,
            "billing_details": {"address": None, "email": billing.get("email") or None,
                                "name": billing.get("name") or None, "phone": billing.get("phone") or None,
                                "tax_id": None},
            "card": {"brand": brand, "display_brand": brand, "last4": number[-4:], "exp_month": exp_month,
                     "exp_year": exp_year, "funding": "credit", "country": "US",
                     "fingerprint": hashlib.sha256(number.encode()).hexdigest()[:16],
                     "checks": {"address_line1_check": None, "address_postal_code_check": None,
                                "cvc_check": "pass" if cvc else None},
                     "networks": {"available": [brand], "preferred": None}, "wallet": None,
                     "generated_from": None, "regulated_status": "unregulated",
                     "three_d_secure_usage": {"supported": True}},
            "metadata": merge_metadata({}, metadata),
            "allow_redisplay": "unspecified",
            "_number": number,
        }, created=created)
        return pm

    def _payment_method(self, pm_id: Any, param: str | None = None) -> dict[str, Any]:
        """A stored card, or a fresh one for one of Stripe's test ids (pm_card_visa, ...)."""
        if isinstance(pm_id, str) and pm_id in TEST_TOKENS:
            return self._card_from_number(TEST_TOKENS[pm_id], 12, dt.date.today().year + 5, "123", {})
        return self._find("payment_method", pm_id, param)

    def attach_payment_method(self, pm_id: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            pm = self._payment_method(pm_id)
            customer = self._find("customer", require(params, "customer"), "customer")
            if pm.get("customer") and pm["customer"] != customer["id"]:
                raise errors.invalid("payment_method", "This PaymentMethod is already attached to another customer.")
            self._attach(pm, customer)
            return pm

    def _attach(self, pm: dict[str, Any], customer: dict[str, Any], *, emit: bool = True) -> None:
        if pm.get("customer") == customer["id"]:
            return
        self._refuse_declined_attach(pm)
        before = copy.deepcopy(pm)
        pm["customer"] = customer["id"]
        if emit:
            self._emit("payment_method.attached", pm, diff(before, pm))

    @staticmethod
    def _refuse_declined_attach(pm: dict[str, Any]) -> None:
        """Cards that decline are refused when saved to a customer, as Stripe checks them then."""
        behavior = TEST_CARDS.get(pm.get("_number", ""), ("", None, None))[1]
        if behavior:
            raise CardError(DECLINE_MESSAGES[behavior], decline_code=behavior, payment_method=pm["id"])

    def detach_payment_method(self, pm_id: str) -> dict[str, Any]:
        with self.lock:
            pm = self._find("payment_method", pm_id)
            if not pm.get("customer"):
                raise errors.invalid("payment_method", "The payment method you provided is not attached to a customer "
                                     "so detachment is impossible.")
            before = copy.deepcopy(pm)
            customer = self._objects["customer"].get(pm["customer"])
            pm["customer"] = None
            if customer and customer["invoice_settings"].get("default_payment_method") == pm["id"]:
                self.update_customer(customer["id"], {"invoice_settings": {"default_payment_method": ""}})
            self._emit("payment_method.detached", pm, diff(before, pm))
            return pm

    def update_payment_method(self, pm_id: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            pm = self._find("payment_method", pm_id)
            before = copy.deepcopy(pm)
            card = params.get("card")
            if isinstance(card, dict):
                for name in ("exp_month", "exp_year"):
                    if card.get(name):
                        pm["card"][name] = as_int(card, name)
            if "metadata" in params:
                pm["metadata"] = merge_metadata(pm["metadata"], params["metadata"])
            billing = params.get("billing_details")
            if isinstance(billing, dict):
                for name in ("email", "name", "phone"):
                    if name in billing:
                        pm["billing_details"][name] = billing[name] or None
            self._emit("payment_method.updated", pm, diff(before, pm))
            return pm

    def list_payment_methods(self, params: dict[str, Any], customer_id: str | None = None) -> list[dict[str, Any]]:
        """Cards, optionally of one customer (from the path, or the `customer` param)."""
        if customer_id is None and params.get("customer"):
            customer_id = self._find("customer", params["customer"], "customer")["id"]
        kind = params.get("type")
        return [pm for pm in self._all("payment_method")
                if (not customer_id or pm.get("customer") == customer_id) and (not kind or pm["type"] == kind)]

    def _charge_problem(self, pm: dict[str, Any] | None) -> errors.StripeError | None:
        """Why charging this card now fails (None when it succeeds): a decline, or no card at all."""
        if pm is None:
            return errors.StripeError("This customer has no attached payment source or default payment method.",
                                      code="resource_missing")
        number = pm.get("_number", "")
        behavior = TEST_CARDS.get(number, ("", None, None))[2]
        if behavior:
            return CardError(DECLINE_MESSAGES[behavior], decline_code=behavior, payment_method=pm["id"])
        card = pm.get("card") or {}
        if card and card_expired(card["exp_month"], card["exp_year"], self.now()):
            return CardError("Your card has expired.", code="expired_card", decline_code="expired_card",
                             payment_method=pm["id"])
        return None
