"""Connect in the sandbox through the SDK: an Express account's parameters, an onboarded account, a sale on it."""

from __future__ import annotations

from typing import Any

import stripe

from stripe_sandbox import Sandbox

DAY = 86_400

EXPRESS = {"controller": {"stripe_dashboard": {"type": "express"}, "fees": {"payer": "account"},
                          "losses": {"payments": "stripe"}, "requirement_collection": "stripe"},
           "country": "US", "email": "owner@example.test",
           "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}}}


def active_account(client: stripe.StripeClient, sandbox: Sandbox, **form: str) -> str:
    """An Express account, onboarded (charges and payouts enabled); `form` overrides onboarding answers."""
    account = client.v1.accounts.create(EXPRESS)
    sandbox.connect.accounts.onboard_account(account.id, **form)
    return account.id


def sell(client: stripe.StripeClient, account: str, amount: int = 10_000, fee: int = 500,
         card: str = "pm_card_visa", currency: str = "usd") -> Any:
    """A confirmed direct charge on `account`, with an application fee for the platform."""
    return client.v1.payment_intents.create(
        {"amount": amount, "currency": currency, "payment_method": card, "confirm": True,
         "application_fee_amount": fee, "description": "Sourdough loaf", "receipt_email": "buyer@example.test"},
        options={"stripe_account": account})
