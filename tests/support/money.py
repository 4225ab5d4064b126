"""Helpers for the money tests: a stack per database kind, and owners made through Stripe's API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import stripe

from tests.support.billing_loop import settle
from tests.support.databases import postgres_database
from tests.support.stacks import sandbox_stack


def stack_on(kind: str, folder: Any, **settings: Any) -> Iterator[Any]:
    """A stack on `kind`'s database; pro@demo.test's Connect year seeded small (these tests look at plans)."""
    settings.setdefault("demo_sales", 50)
    if kind == "sqlite":
        with sandbox_stack(folder, **settings) as started:
            yield started
        return
    with postgres_database(migrate=True) as url, sandbox_stack(folder, url, **settings) as started:
        yield started


def sandbox_client(stack: Any) -> stripe.StripeClient:
    return stripe.StripeClient(stack.sandbox.api_key, base_addresses={"api": stack.sandbox_url})


def new_owner(stack: Any, client_for: Callable[..., httpx.Client], email: str) -> tuple[httpx.Client, str]:
    """A signed-in owner with a Stripe customer and no plan."""
    from server_bridge.auth import owners

    customer = sandbox_client(stack).v1.customers.create({"email": email})
    with stack.app.state.sessions() as session:
        owners.add_owner(session, email, "demo", customer_id=customer.id)
        session.commit()
    return client_for(stack, email), customer.id


def add_card(stack: Any, customer: str, number: str = "4242424242424242") -> str:
    """Attach a card and make it the customer's default; its id."""
    api = sandbox_client(stack)
    card = api.v1.payment_methods.create({"type": "card", "card": {"number": number, "exp_month": 12,
                                                                    "exp_year": 2034, "cvc": "123"}})
    api.v1.payment_methods.attach(card.id, {"customer": customer})
    api.v1.customers.update(customer, {"invoice_settings": {"default_payment_method": card.id}})
    return card.id


def subscribed_owner(stack: Any, client_for: Callable[..., httpx.Client], email: str,
                     plan: str = "pro") -> tuple[httpx.Client, str, str]:
    """(client, customer id, subscription id) for an owner on `plan`, paid with a 4242 card."""
    owner, customer = new_owner(stack, client_for, email)
    add_card(stack, customer)
    sub = sandbox_client(stack).v1.subscriptions.create(
        {"customer": customer, "items": [{"price": stack.app.state.settings.plans[plan]}]})
    settle(stack, owner, lambda s: s["status"] == "active" and s["next_invoice"] is not None)
    return owner, customer, sub.id

