"""Payments on any account: PaymentIntents, Charges, Refunds and the platform's application fees.

A payment made with `Stripe-Account` is a direct charge on that connected account: the charge, its
balance transaction (gross, Stripe's fee and the application fee in `fee_details`) and its refunds
live there; the `application_fee_amount` becomes an `application_fee` on the platform, with its own
balance transaction. Without the header the payment is the platform's own.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from stripe_sandbox import errors
from stripe_sandbox.billing import cards
from stripe_sandbox.billing.cards import TEST_TOKENS
from stripe_sandbox.connect.disputes import Disputes
from stripe_sandbox.connect.ledger import Ledger, equals, snapshot
from stripe_sandbox.params import as_bool, as_int, choice, merge_metadata, require
from stripe_sandbox.periods import DAY, day_start
from stripe_sandbox.store import diff

CURRENCIES = ("usd", "eur", "gbp", "cad", "aud")
MINIMUM_AMOUNT = 50
#: Stripe's test card that makes every charge disputed (fraudulent), and its test payment method id.
DISPUTE_CARD = "4000000000000259"
DISPUTE_TOKEN = "pm_card_createDispute"


def stripe_fee(amount: int, currency: str) -> int:
    """Stripe's standard card pricing: 2.9% (half a cent rounds up) + 30 (in the currency's minor unit)."""
    return (amount * 29 + 500) // 1000 + 30


class Payments:
    """Card payments on the ledger (a dispute card's charges open a dispute at once)."""

    def __init__(self, ledger: Ledger, disputes: Disputes) -> None:
        self.ledger = ledger
        self.disputes = disputes

    # payment intents -----------------------------------------------------------------------
    def create_payment_intent(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.ledger.lock:
            account = self.ledger.scope()
            amount = as_int(params, "amount")
            if amount is None:
                raise errors.missing("amount")
            currency = _currency(params)
            if amount < MINIMUM_AMOUNT:
                raise errors.StripeError("Amount must be at least $0.50 usd", code="amount_too_small", param="amount")
            fee = self._fee_amount(params, amount, account)
            customer = params.get("customer") or None
            if customer:
                self.ledger.store.find("customer", customer, "customer")
            intent = self._new_intent(account, amount, currency, customer=customer, fee=fee,
                                      description=params.get("description") or None,
                                      email=params.get("receipt_email") or None, metadata=params.get("metadata"))
            if params.get("payment_method"):
                intent["payment_method"] = self._pm(params["payment_method"])["id"]
                intent["status"] = "requires_confirmation"
            self.ledger.emit("payment_intent.created", intent)
            if as_bool(params, "confirm", False):
                return self._confirm(intent, self._by_pm(intent, params))
            return intent

    def card_payment(self, *, amount: int, currency: str, pm: dict[str, Any], customer: str | None = None,
                     description: str | None = None, at: int | None = None, emit: bool = True) -> dict[str, Any]:
        """A card payment the sandbox makes itself on the current account (an invoice paid with the
        customer's card): a succeeded PaymentIntent with its Charge and balance transaction. Raises the
        card's decline (the PaymentIntent then waits for another payment method)."""
        with self.ledger.lock:
            account = self.ledger.scope()
            intent = self._new_intent(account, amount, currency, customer=customer, description=description,
                                      created=at)
            intent["payment_method"], intent["status"] = pm["id"], "requires_confirmation"
            if emit:
                self.ledger.emit("payment_intent.created", intent)
            return self._confirm(intent, pm, at=at, emit=emit)

    def _new_intent(self, account: str | None, amount: int, currency: str, *, customer: str | None = None,
                    fee: int | None = None, description: str | None = None, email: str | None = None,
                    metadata: Any = None, created: int | None = None) -> dict[str, Any]:
        intent = self.ledger.add("payment_intent", {
            "amount": amount, "amount_capturable": 0, "amount_received": 0, "currency": currency,
            "application": None, "application_fee_amount": fee, "capture_method": "automatic",
            "confirmation_method": "automatic", "customer": customer, "customer_account": None,
            "description": description, "latest_charge": None, "last_payment_error": None,
            "metadata": merge_metadata({}, metadata), "payment_method": None, "payment_method_types": ["card"],
            "receipt_email": email, "status": "requires_payment_method", "client_secret": None, "canceled_at": None,
            "cancellation_reason": None, "next_action": None, "on_behalf_of": None, "setup_future_usage": None,
            "shipping": None, "source": None, "statement_descriptor": None, "statement_descriptor_suffix": None,
            "transfer_data": None, "transfer_group": None, "processing": None, "review": None,
            "automatic_payment_methods": None, "excluded_payment_method_types": None, "payment_method_options": {},
            "amount_details": None, "payment_details": None, "presentment_details": None,
            "payment_method_configuration_details": None, "allowed_payment_method_types": None, "hooks": None,
            "managed_payments": None, "payment_record": None,
        }, account, created=created)
        intent["client_secret"] = f"{intent['id']}_secret_{intent['id'][-12:]}"
        return intent

    def _by_pm(self, intent: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """The card a confirmation pays with: the one given now, else the one given at creation."""
        if params.get("payment_method"):
            return self._pm(params["payment_method"])
        if intent["payment_method"]:
            return self._pm(intent["payment_method"])
        raise errors.StripeError("You cannot confirm this PaymentIntent because it's missing a payment method.",
                                 code="payment_intent_unexpected_state")

    def confirm_payment_intent(self, intent_id: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.ledger.lock:
            intent = self.ledger.find("payment_intent", intent_id)
            if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
                raise errors.StripeError(f"This PaymentIntent's status is {intent['status']}; it cannot be confirmed.",
                                         code="payment_intent_unexpected_state")
            return self._confirm(intent, self._by_pm(intent, params))

    def _confirm(self, intent: dict[str, Any], pm: dict[str, Any], *, at: int | None = None,
                 emit: bool = True) -> dict[str, Any]:
        before = snapshot(intent)
        intent["payment_method"] = pm["id"]
        problem = cards.charge_problem(self.ledger.store, pm)
        charge = self.charge(intent["_account"], amount=intent["amount"], currency=intent["currency"], pm=pm,
                             fee_amount=intent["application_fee_amount"], description=intent["description"],
                             email=intent["receipt_email"], customer=intent["customer"], intent=intent,
                             problem=problem, metadata=intent["metadata"], created=at, emit=emit)
        intent["latest_charge"] = charge["id"]
        if problem is not None:
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {"type": "card_error", "code": problem.code,
                                            "decline_code": problem.decline_code, "message": problem.message,
                                            "charge": charge["id"], "payment_method": copy.deepcopy(pm)}
            if emit:
                self.ledger.emit("payment_intent.payment_failed", intent, diff(before, intent))
            raise errors.CardError(problem.message, code=problem.code or "card_declined",
                                   decline_code=problem.decline_code, payment_method=pm["id"])
        intent["status"] = "succeeded"
        intent["amount_received"] = intent["amount"]
        if emit:
            self.ledger.emit("payment_intent.succeeded", intent, diff(before, intent))
        return intent

    def _pm(self, token: Any) -> dict[str, Any]:
        if token == DISPUTE_TOKEN:
            return cards.card_from_number(self.ledger.store, DISPUTE_CARD, 12, dt.date.today().year + 5, "123", {})
        if isinstance(token, str) and token.startswith("tok_"):
            token = "pm_card_" + token[4:]
        if isinstance(token, str) and token.startswith("pm_card_") and token not in TEST_TOKENS:
            raise errors.no_such("payment_method", token, "payment_method")
        return cards.payment_method(self.ledger.store, token, "payment_method")

    def _fee_amount(self, params: dict[str, Any], amount: int, account: str | None) -> int | None:
        fee = as_int(params, "application_fee_amount", minimum=0)
        if fee is None:
            return None
        if account is None:
            raise errors.invalid("application_fee_amount",
                                 "Can only apply an application_fee_amount when the PaymentIntent is attempting a "
                                 "direct payment (using an OAuth key or Stripe-Account header) or destination "
                                 "payment (using `transfer_data[destination]`).")
        if fee > amount:
            raise errors.invalid("application_fee_amount", "The application fee cannot exceed the amount.")
        return fee

    # charges -------------------------------------------------------------------------------
    def create_charge(self, params: dict[str, Any]) -> dict[str, Any]:
        """The legacy Charges API (`source=tok_visa`), kept for integrations that still use it."""
        with self.ledger.lock:
            account = self.ledger.scope()
            amount = as_int(params, "amount")
            if amount is None:
                raise errors.missing("amount")
            currency = _currency(params)
            fee = self._fee_amount(params, amount, account)
            pm = self._pm(require(params, "source"))
            problem = cards.charge_problem(self.ledger.store, pm)
            charge = self.charge(account, amount=amount, currency=currency, pm=pm, fee_amount=fee,
                                 description=params.get("description") or None,
                                 email=params.get("receipt_email") or None, customer=params.get("customer") or None,
                                 problem=problem, metadata=merge_metadata({}, params.get("metadata")))
            if problem is not None:
                raise errors.CardError(problem.message, code=problem.code or "card_declined",
                                       decline_code=problem.decline_code)
            return charge

    def charge(self, account: str | None, *, amount: int, currency: str, pm: dict[str, Any], fee_amount: int | None,
               description: str | None, email: str | None, customer: str | None, problem: Any = None,
               intent: dict[str, Any] | None = None, metadata: dict[str, str] | None = None,
               created: int | None = None, emit: bool = True) -> dict[str, Any]:
        """One card payment on an account: the charge, then (if it succeeded) its money."""
        at = self.ledger.now() if created is None else created
        card = pm.get("card") or {}
        fields = _charge_fields(amount, currency, description, email, customer, card, pm["id"], fee_amount,
                                intent["id"] if intent else None, metadata)
        charge = self.ledger.add("charge", fields, account, created=at)
        if problem is not None:
            charge.update(status="failed", paid=False, captured=False, amount_captured=0,
                          failure_code=problem.code or "card_declined", failure_message=problem.message,
                          outcome=_outcome(problem.decline_code))
            if emit:
                self.ledger.emit("charge.failed", charge)
            return charge
        self._settle_charge(charge, at, emit=emit)
        if emit:
            self.ledger.emit("charge.succeeded", charge)
            if charge["application_fee"]:
                self.ledger.emit("application_fee.created", self.ledger.stored(charge["application_fee"]))
        if pm.get("_number") == DISPUTE_CARD:
            self.disputes.open_dispute(charge, reason="fraudulent", at=at, emit=emit)
        return charge

    def _settle_charge(self, charge: dict[str, Any], at: int, *, emit: bool = True) -> None:
        """The charge's balance transaction on its account, and the application fee on the platform."""
        account, amount, currency = charge["_account"], charge["amount"], charge["currency"]
        fees: list[tuple[str, int, str]] = []
        if self._pays_stripe_fees(account):
            fees.append(("stripe_fee", stripe_fee(amount, currency), "Stripe processing fees"))
        fee_amount = charge["application_fee_amount"] or 0
        if fee_amount:
            fees.append(("application_fee", fee_amount, "Application fee"))
        txn = self.ledger.txn(account, amount=amount, currency=currency, type="charge", category="charge",
                              source=charge["id"], created=at, available_on=self._available_on(account, at), fees=fees,
                              description=charge["description"])
        charge["balance_transaction"] = txn["id"]
        if fee_amount and account is not None:
            fee = self.ledger.add("application_fee", {
                "account": account, "amount": fee_amount, "amount_refunded": 0, "application": "ca_sandbox",
                "balance_transaction": None, "charge": charge["id"], "currency": currency,
                "fee_source": {"charge": charge["id"], "payout": None, "type": "charge"},
                "originating_transaction": None, "refunded": False,
                "refunds": {"object": "list", "data": [], "has_more": False, "total_count": 0, "url": ""},
            }, None, created=at)
            fee["refunds"]["url"] = f"/v1/application_fees/{fee['id']}/refunds"
            fee_txn = self.ledger.txn(None, amount=fee_amount, currency=currency, type="application_fee",
                                      category="platform_earning", source=fee["id"], created=at,
                                      available_on=self._available_on(None, at), description=None)
            fee["balance_transaction"] = fee_txn["id"]
            charge["application_fee"] = fee["id"]

    def _pays_stripe_fees(self, account: str | None) -> bool:
        """Direct charges: the connected account pays Stripe's fee unless the platform does (controller.fees)."""
        if account is None:
            return True
        payer = self.ledger.stored(account)["controller"]["fees"]["payer"]
        return payer == "account"

    def _available_on(self, account: str | None, at: int) -> int:
        delay = 2
        if account is not None:
            delay = self.ledger.stored(account)["settings"]["payouts"]["schedule"]["delay_days"]
        return day_start(at) + delay * DAY

    def update_charge(self, charge_id: str, params: dict[str, Any]) -> dict[str, Any]:
        def apply(charge: dict[str, Any]) -> None:
            for name in ("description", "receipt_email"):
                if name in params:
                    charge[name] = params[name] or None

        return self.ledger.update("charge", charge_id, params, apply)

    def charges_page(self, params: dict[str, Any]) -> Any:
        filters = {k: params[k] for k in ("customer", "payment_intent", "transfer_group") if params.get(k)}
        return self.ledger.window("charge", params, "/v1/charges", equals(filters))

    def payment_intents_page(self, params: dict[str, Any]) -> Any:
        filters = {k: params[k] for k in ("customer",) if params.get(k)}
        return self.ledger.window("payment_intent", params, "/v1/payment_intents", equals(filters))

    # refunds -------------------------------------------------------------------------------
    def create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.ledger.lock:
            if params.get("charge"):
                charge = self.ledger.find("charge", params["charge"], "charge")
            elif params.get("payment_intent"):
                intent = self.ledger.find("payment_intent", params["payment_intent"], "payment_intent")
                if not intent["latest_charge"] or intent["status"] != "succeeded":
                    raise errors.StripeError(f"This PaymentIntent ({intent['id']}) does not have a successful charge "
                                             "to refund.", code="charge_not_refundable", param="payment_intent")
                charge = self.ledger.stored(intent["latest_charge"])
            else:
                raise errors.StripeError("One of the following params should be provided for this request: "
                                         "payment_intent or charge.", code="parameter_missing")
            if as_bool(params, "refund_application_fee", False):
                raise errors.invalid("refund_application_fee", "The sandbox does not refund application fees.")
            reason = choice(params, "reason", ("duplicate", "fraudulent", "requested_by_customer"))
            left = charge["amount_captured"] - charge["amount_refunded"]
            amount = as_int(params, "amount", left, minimum=1)
            if charge["status"] != "succeeded":
                raise errors.StripeError(f"Charge {charge['id']} has no funds to refund.", code="charge_not_refundable")
            if charge["disputed"] and self.disputes.of_charge(charge) and \
                    self.disputes.of_charge(charge)["status"] not in ("won", "lost", "warning_closed"):
                raise errors.StripeError(f"Charge {charge['id']} has been charged back; it cannot be refunded.",
                                         code="charge_disputed")
            if left <= 0:
                raise errors.StripeError(f"Charge {charge['id']} has already been refunded.",
                                         code="charge_already_refunded")
            if amount > left:
                raise errors.invalid("amount", f"Refund amount ({amount}) is greater than unrefunded amount on "
                                     f"charge ({left})")
            return self.refund(charge, amount, reason, metadata=params.get("metadata"))

    def refund(self, charge: dict[str, Any], amount: int, reason: str | None, *, metadata: Any = None,
               at: int | None = None, emit: bool = True) -> dict[str, Any]:
        at = self.ledger.now() if at is None else at
        account = charge["_account"]
        before = snapshot(charge)
        refund = self.ledger.add("refund", {
            "amount": amount, "balance_transaction": None, "charge": charge["id"], "currency": charge["currency"],
            "customer": None, "customer_account": None, "description": None, "destination_details":
            {"type": "card", "card": {"type": "refund", "reference": None, "reference_status": "pending",
                                      "reference_type": "acquirer_reference_number"}},
            "failure_balance_transaction": None, "failure_reason": None, "instructions_email": None,
            "metadata": merge_metadata({}, metadata), "next_action": None, "payment_intent": charge["payment_intent"],
            "payment_method": None, "pending_reason": None, "presentment_details": None, "reason": reason,
            "receipt_number": None, "source_transfer_reversal": None, "status": "succeeded",
            "transfer_reversal": None,
        }, account, created=at)
        txn = self.ledger.txn(account, amount=-amount, currency=charge["currency"], type="refund", category="refund",
                              source=refund["id"], created=at, description="REFUND FOR CHARGE")
        refund["balance_transaction"] = txn["id"]
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
        if emit:
            self.ledger.emit("refund.created", refund)
            self.ledger.emit("charge.refunded", charge, diff(before, charge))
        return refund

    def update_refund(self, refund_id: str, params: dict[str, Any]) -> dict[str, Any]:
        return self.ledger.update("refund", refund_id, params)

    def refunds_page(self, params: dict[str, Any]) -> Any:
        filters = {k: params[k] for k in ("charge", "payment_intent") if params.get(k)}
        return self.ledger.window("refund", params, "/v1/refunds", equals(filters))

    # application fees ----------------------------------------------------------------------
    def application_fees_page(self, params: dict[str, Any]) -> Any:
        filters = {k: params[k] for k in ("charge",) if params.get(k)}
        return self.ledger.window("application_fee", params, "/v1/application_fees", equals(filters))


def _currency(params: dict[str, Any]) -> str:
    currency = str(require(params, "currency")).lower()
    if currency not in CURRENCIES:
        raise errors.invalid("currency", f"Invalid currency: {currency}. The sandbox takes "
                             f"{', '.join(CURRENCIES)}.")
    return currency


_APPROVED = {"advice_code": None, "network_advice_code": None, "network_decline_code": None,
             "network_status": "approved_by_network", "reason": None, "risk_level": "normal", "risk_score": 32,
             "rule": None, "seller_message": "Payment complete.", "type": "authorized"}


def _outcome(decline_code: str | None) -> dict[str, Any]:
    """The charge's outcome; every approved charge shares one (never changed in place: replaced)."""
    if decline_code is None:
        return _APPROVED
    return {"advice_code": "try_again_later", "network_advice_code": None, "network_decline_code": None,
            "network_status": "declined_by_network", "reason": decline_code, "risk_level": "normal",
            "risk_score": 40, "rule": None, "seller_message": "The bank did not return any further details with "
            "this decline.", "type": "issuer_declined"}


_DETAILS: dict[str | None, dict[str, Any]] = {}


def _card_details(pm_id: str | None, card: dict[str, Any]) -> dict[str, Any]:
    """payment_method_details for charges on one card: shared by them all (100,000 sales, a few cards)."""
    found = _DETAILS.get(pm_id)
    if found is None or found["card"]["last4"] != card.get("last4"):
        found = {"type": "card", "card": {
            "brand": card.get("brand"), "last4": card.get("last4"), "exp_month": card.get("exp_month"),
            "exp_year": card.get("exp_year"), "country": card.get("country") or "US",
            "funding": card.get("funding") or "credit", "network": card.get("brand"),
            "fingerprint": card.get("fingerprint"), "checks": card.get("checks"), "wallet": None}}
        if len(_DETAILS) > 10_000:
            _DETAILS.clear()
        _DETAILS[pm_id] = found
    return found


def _charge_fields(amount: int, currency: str, description: str | None, email: str | None, customer: str | None,
                   card: dict[str, Any], pm_id: str | None, fee_amount: int | None, intent_id: str | None,
                   metadata: dict[str, str] | None) -> dict[str, Any]:
    return {
        "amount": amount, "amount_captured": amount, "amount_refunded": 0, "application": None,
        "application_fee": None, "application_fee_amount": fee_amount, "authorization_code": None,
        "balance_transaction": None,
        "billing_details": {"address": None, "email": email, "name": None, "phone": None, "tax_id": None},
        "calculated_statement_descriptor": "SANDBOX SITE", "captured": True, "currency": currency,
        "customer": customer, "description": description, "disputed": False, "failure_balance_transaction": None,
        "failure_code": None, "failure_message": None, "fraud_details": {}, "metadata": dict(metadata or {}),
        "on_behalf_of": None, "outcome": _outcome(None), "paid": True, "payment_intent": intent_id,
        "payment_method": pm_id,
        "payment_method_details": _card_details(pm_id, card),
        "receipt_email": email, "receipt_number": None, "receipt_url": None, "refunded": False,
        "review": None, "shipping": None, "source": None, "source_transfer": None,
        "statement_descriptor": None, "statement_descriptor_suffix": None, "status": "succeeded",
        "transfer": None, "transfer_data": None, "transfer_group": None, "level3": None,
        "presentment_details": None, "radar_options": None,
    }
