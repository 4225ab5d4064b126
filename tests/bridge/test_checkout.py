"""Checkout for an owner without a plan: one session per click-minute, URLs from settings, a declined
card leaves nothing behind, a paid one subscribes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.billing_loop import GOOD, settle, submit


@pytest.fixture(scope="module")
def stack(module_stack: Any) -> Any:
    return module_stack


def test_an_owner_with_a_plan_cannot_check_out(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    pro = client_for(stack, "pro@demo.test")
    before = stack.sandbox.request_count()
    answer = pro.post("/v1/billing/checkout-session", json={"plan": "starter"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "already_subscribed"
    assert stack.sandbox.request_count() == before


def test_checkout_declined_then_paid(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    new = client_for(stack, "new@demo.test")
    customer = stack.demo_owners["new@demo.test"]
    url = new.post("/v1/billing/checkout-session", json={"plan": "pro"}).json()["url"]
    again = new.post("/v1/billing/checkout-session", json={"plan": "pro"}).json()["url"]
    assert again == url   # a double click is one session
    sessions = stack.sandbox.list("checkout.session", customer=customer)
    assert len(sessions) == 1
    assert sessions[0]["success_url"].startswith(f"{stack.bridge_url}/return/checkout/success")
    assert sessions[0]["cancel_url"] == f"{stack.bridge_url}/return/checkout/cancel"

    declined = submit(url, "pay", {**GOOD, "number": "4000000000000002"})
    assert declined.status_code == 402
    stack.sandbox.wait_for_deliveries(10)
    assert new.get("/v1/billing/summary").json()["status"] == "none"
    assert stack.sandbox.list("subscription", customer=customer) == []

    paid = submit(url, "pay", GOOD)
    assert paid.status_code == 303
    landing = httpx.get(paid.headers["location"], timeout=10)
    assert landing.status_code == 200 and "Billing Manager" in landing.text
    summary = settle(stack, new, lambda s: s["status"] == "active")
    assert summary["plan"]["key"] == "pro" and summary["next_invoice"]["amount"] == 2500
    assert len(stack.sandbox.list("subscription", customer=customer)) == 1

    answer = new.post("/v1/billing/checkout-session", json={"plan": "starter"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "already_subscribed"


def test_an_owner_without_a_stripe_customer_gets_one_at_checkout(stack: Any,
                                                                  client_for: Callable[..., httpx.Client]) -> None:
    from server_bridge.auth import owners

    with stack.app.state.sessions() as session:
        owners.add_owner(session, "fresh@demo.test", "demo")
        session.commit()
    fresh = client_for(stack, "fresh@demo.test")
    assert fresh.get("/v1/billing/summary").json()["status"] == "none"
    assert fresh.get("/v1/billing/invoices").json() == {"data": [], "has_more": False}
    portal = fresh.post("/v1/billing/portal-session", json={})
    assert portal.status_code == 409 and portal.json()["error"]["code"] == "no_subscription"

    url = fresh.post("/v1/billing/checkout-session", json={"plan": "starter"}).json()["url"]
    with stack.app.state.sessions() as session:
        customer_id = owners.find_owner(session, "fresh@demo.test").stripe_customer_id
    assert customer_id and stack.sandbox.get("customer", customer_id)["email"] == "fresh@demo.test"
    assert submit(url, "pay", {**GOOD, "email": "fresh@demo.test"}).status_code == 303
    summary = settle(stack, fresh, lambda s: s["status"] == "active")
    assert summary["plan"]["key"] == "starter"
