"""Cards (payment methods of type card): Stripe's test numbers, attaching, and whether a charge succeeds."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from typing import Any

from stripe_sandbox import errors
from stripe_sandbox.errors import CardError
from stripe_sandbox.params import as_int, merge_metadata, require
from stripe_sandbox.store import Store, diff

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


def card_expired(exp_month: int, exp_year: int, at: int) -> bool:
    """A card works through the last day of its expiry month."""
    today = dt.datetime.fromtimestamp(at, dt.timezone.utc)
    return (exp_year, exp_month) < (today.year, today.month)


def create_payment_method(store: Store, params: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
    with store.lock:
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
        return card_from_number(store, number, exp_month, exp_year, card.get("cvc"),
                                      params.get("billing_details") or {}, params.get("metadata"), created)


def card_from_number(store: Store, number: str, exp_month: int | None, exp_year: int | None, cvc: Any,
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
    if card_expired(exp_month, exp_year, store.now() if created is None else created):
        raise CardError("Your card's expiration year is invalid.", code="invalid_expiry_year",
                        decline_code=None, param="card[exp_year]")
    if cvc is not None and cvc != "" and (not str(cvc).isdigit() or not 3 <= len(str(cvc)) <= 4):
        raise CardError("Your card's security code is invalid.", code="invalid_cvc", decline_code=None,
                        param="card[cvc]")
    brand = brand_of(number)
    pm = store.new("payment_method", {
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
                     "description": None, "iin": None, "issuer": None,
                 "three_d_secure_usage": {"supported": True}},
        "metadata": merge_metadata({}, metadata),
        "allow_redisplay": "unspecified",
        "_number": number,
    }, created=created)
    return pm


def payment_method(store: Store, pm_id: Any, param: str | None = None) -> dict[str, Any]:
    """A stored card, or a fresh one for one of Stripe's test ids (pm_card_visa, ...)."""
    if isinstance(pm_id, str) and pm_id in TEST_TOKENS:
        return card_from_number(store, TEST_TOKENS[pm_id], 12, dt.date.today().year + 5, "123", {})
    return store.find("payment_method", pm_id, param)


def attach_payment_method(store: Store, pm_id: str, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        pm = payment_method(store, pm_id)
        customer = store.find("customer", require(params, "customer"), "customer")
        if pm.get("customer") and pm["customer"] != customer["id"]:
            raise errors.invalid("payment_method", "This PaymentMethod is already attached to another customer.")
        attach(store, pm, customer)
        return pm


def attach(store: Store, pm: dict[str, Any], customer: dict[str, Any], *, emit: bool = True) -> None:
    if pm.get("customer") == customer["id"]:
        return
    refuse_declined_attach(pm)
    before = copy.deepcopy(pm)
    pm["customer"] = customer["id"]
    if emit:
        store.emit("payment_method.attached", pm, diff(before, pm))


def refuse_declined_attach(pm: dict[str, Any]) -> None:
    """Cards that decline are refused when saved to a customer, as Stripe checks them then."""
    behavior = TEST_CARDS.get(pm.get("_number", ""), ("", None, None))[1]
    if behavior:
        raise CardError(DECLINE_MESSAGES[behavior], decline_code=behavior, payment_method=pm["id"])


def update_payment_method(store: Store, pm_id: str, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        pm = store.find("payment_method", pm_id)
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
        store.emit("payment_method.updated", pm, diff(before, pm))
        return pm


def list_payment_methods(store: Store, params: dict[str, Any], customer_id: str | None = None) -> list[dict[str, Any]]:
    """Cards, optionally of one customer (from the path, or the `customer` param)."""
    if customer_id is None and params.get("customer"):
        customer_id = store.find("customer", params["customer"], "customer")["id"]
    kind = params.get("type")
    return [pm for pm in store.all("payment_method")
            if (not customer_id or pm.get("customer") == customer_id) and (not kind or pm["type"] == kind)]


def charge_problem(store: Store, pm: dict[str, Any] | None) -> errors.StripeError | None:
    """Why charging this card now fails (None when it succeeds): a decline, or no card at all."""
    if pm is None:
        return errors.StripeError("This customer has no attached payment source or default payment method.",
                                  code="resource_missing")
    number = pm.get("_number", "")
    behavior = TEST_CARDS.get(number, ("", None, None))[2]
    if behavior:
        return CardError(DECLINE_MESSAGES[behavior], decline_code=behavior, payment_method=pm["id"])
    card = pm.get("card") or {}
    if card and card_expired(card["exp_month"], card["exp_year"], store.now()):
        return CardError("Your card has expired.", code="expired_card", decline_code="expired_card",
                         payment_method=pm["id"])
    return None


def card_for(store: Store, sub: dict[str, Any] | None, customer: dict[str, Any]) -> dict[str, Any] | None:
    """The card a charge goes to: the customer's default, else the subscription's."""
    for pm_id in (customer["invoice_settings"].get("default_payment_method"),
                  (sub or {}).get("default_payment_method")):
        if pm_id and pm_id in store.table("payment_method"):
            return store.table("payment_method")[pm_id]
    return None
