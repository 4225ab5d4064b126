"""Small builders shared by the sandbox tests."""

from __future__ import annotations

from typing import Any

import stripe


def plan_prices(client: stripe.StripeClient) -> dict[str, str]:
    """Starter ($10) and Pro ($25) monthly prices, as `stripe setup` makes them."""
    product = client.v1.products.create({"name": "Site plans"})
    starter = client.v1.prices.create({"product": product.id, "unit_amount": 1000, "currency": "usd",
                                       "recurring": {"interval": "month"}, "lookup_key": "starter",
                                       "nickname": "Starter"})
    pro = client.v1.prices.create({"product": product.id, "unit_amount": 2500, "currency": "usd",
                                   "recurring": {"interval": "month"}, "lookup_key": "pro", "nickname": "Pro"})
    return {"starter": starter.id, "pro": pro.id}


def customer_with_card(client: stripe.StripeClient, token: str = "pm_card_visa",
                       email: str = "owner@example.test") -> tuple[Any, Any]:
    customer = client.v1.customers.create({"email": email, "name": "Ada's Bakery"})
    card = client.v1.payment_methods.attach(token, {"customer": customer.id})
    client.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": card.id}})
    return customer, card
