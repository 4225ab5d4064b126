"""One live subscription per owner (issue 6 §1), over real HTTP on SQLite and PostgreSQL: a new Checkout
expires the owner's other open ones; two pages paid in a race leave one live subscription, the newer
one cancelled and refunded in full; `billing-bridge sync` names every owner who had a duplicate."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.support.billing_loop import GOOD, settle, submit
from tests.support.money import add_card, new_owner, sandbox_client, stack_on


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from stack_on(request.param, tmp_path_factory.mktemp("one-subscription"))


def test_a_new_checkout_expires_the_owners_other_open_ones(stack: Any,
                                                           client_for: Callable[..., httpx.Client]) -> None:
    owner, customer = new_owner(stack, client_for, "twotabs@demo.test")
    pro = owner.post("/v1/billing/checkout-session", json={"plan": "pro"}).json()["url"]
    starter = owner.post("/v1/billing/checkout-session", json={"plan": "starter"}).json()["url"]
    sessions = {s["id"]: s for s in stack.sandbox.list("checkout.session", customer=customer)}
    assert sorted(s["status"] for s in sessions.values()) == ["expired", "open"]
    assert httpx.get(pro, timeout=10).status_code == 410   # the page says it has expired
    assert submit(starter, "pay", {**GOOD, "email": "twotabs@demo.test"}).status_code == 303
    summary = settle(stack, owner, lambda s: s["status"] == "active")
    assert summary["plan"]["key"] == "starter"
    assert len(stack.sandbox.list("subscription", customer=customer)) == 1


def test_abandoning_a_checkout_expires_it(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    owner, customer = new_owner(stack, client_for, "abandon@demo.test")
    url = owner.post("/v1/billing/checkout-session", json={"plan": "pro"}).json()["url"]
    assert owner.delete("/v1/billing/checkout-session").status_code == 204
    assert [s["status"] for s in stack.sandbox.list("checkout.session", customer=customer)] == ["expired"]
    assert httpx.get(url, timeout=10).status_code == 410
    assert owner.delete("/v1/billing/checkout-session").status_code == 204   # nothing open: still fine
    again = owner.post("/v1/billing/checkout-session", json={"plan": "pro"})
    assert again.status_code == 200 and again.json()["url"] != url


def test_two_checkouts_paid_in_a_race_leave_one_plan_and_a_full_refund(
        stack: Any, client_for: Callable[..., httpx.Client], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    owner, customer = new_owner(stack, client_for, "race@demo.test")
    first = owner.post("/v1/billing/checkout-session", json={"plan": "pro"}).json()["url"]
    # A second page made while the first is open (another bridge instance, the Dashboard, an old tab):
    # the bridge cannot expire what it never saw, so both can be paid.
    plans = stack.app.state.settings.plans
    second = sandbox_client(stack).v1.checkout.sessions.create({
        "mode": "subscription", "customer": customer, "line_items": [{"price": plans["starter"], "quantity": 1}],
        "success_url": f"{stack.bridge_url}/return/checkout/success"}).url
    assert submit(first, "pay", {**GOOD, "email": "race@demo.test"}).status_code == 303
    assert submit(second, "pay", {**GOOD, "email": "race@demo.test"}).status_code == 303

    summary = settle(stack, owner, lambda s: s["status"] == "active" and s["plan"]["key"] == "pro")
    stack.sandbox.wait_for_deliveries(15)
    subs = stack.sandbox.list("subscription", customer=customer)
    assert sorted(s["status"] for s in subs) == ["active", "canceled"]
    kept = next(s for s in subs if s["status"] == "active")
    ended = next(s for s in subs if s["status"] == "canceled")
    assert kept["items"]["data"][0]["price"]["id"] == plans["pro"]   # the older one stays
    refunds = stack.sandbox.list("refund")
    ended_invoice = ended["latest_invoice"]
    payments = [p for p in stack.sandbox.list("invoice_payment") if p["invoice"] == ended_invoice]
    assert len(payments) == 1
    mine = [r for r in refunds if r["payment_intent"] == payments[0]["payment"]["payment_intent"]]
    assert [(r["amount"], r["reason"], r["status"]) for r in mine] == [(1000, "duplicate", "succeeded")]
    charge = stack.sandbox.get("charge", mine[0]["charge"])
    assert charge["refunded"] is True and charge["amount_refunded"] == 1000

    summary = owner.get("/v1/billing/summary").json()
    assert summary["plan"]["key"] == "pro" and summary["status"] == "active"
    assert summary["next_invoice"]["amount"] == 2500
    invoices = {i["id"]: i for i in owner.get("/v1/billing/invoices").json()["data"]}
    assert invoices[ended_invoice]["amount_refunded"] == 1000 and invoices[ended_invoice]["amount_paid"] == 1000
    assert invoices[kept["latest_invoice"]]["amount_refunded"] == 0
    plans_page = owner.get("/v1/billing/plans").json()["plans"]
    assert [p["key"] for p in plans_page if p["current"]] == ["pro"]

    # The operator's sync names the owner who had a duplicate (resolved already: nothing more to refund).
    report = run_sync(stack, monkeypatch, capsys)
    assert "race@demo.test" in report and ended["id"] in report
    assert len(stack.sandbox.list("refund")) == len(refunds)


def test_sync_ends_a_duplicate_made_while_the_bridge_was_not_listening(
        stack: Any, client_for: Callable[..., httpx.Client], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    owner, customer = new_owner(stack, client_for, "dashboard@demo.test")
    api = sandbox_client(stack)
    plans = stack.app.state.settings.plans
    add_card(stack, customer)
    endpoint = stack.sandbox.list("webhook_endpoint")[0]
    api.v1.webhook_endpoints.update(endpoint["id"], {"disabled": True})   # the bridge hears nothing of these
    try:
        older = api.v1.subscriptions.create({"customer": customer, "items": [{"price": plans["starter"]}]})
        newer = api.v1.subscriptions.create({"customer": customer, "items": [{"price": plans["pro"]}]})
    finally:
        api.v1.webhook_endpoints.update(endpoint["id"], {"disabled": False})
    report = run_sync(stack, monkeypatch, capsys)
    assert "dashboard@demo.test" in report and newer.id in report
    assert stack.sandbox.get("subscription", newer.id)["status"] == "canceled"
    assert stack.sandbox.get("subscription", older.id)["status"] == "active"
    intent = [p for p in stack.sandbox.list("invoice_payment") if p["invoice"] == newer.latest_invoice][0]
    assert [r["amount"] for r in stack.sandbox.list("refund")
            if r["payment_intent"] == intent["payment"]["payment_intent"]] == [2500]
    summary = owner.get("/v1/billing/summary").json()
    assert summary["plan"]["key"] == "starter" and summary["status"] == "active"


def run_sync(stack: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    import json

    from server_bridge.cli import main

    settings = stack.app.state.settings
    for name in list(os.environ):
        if name.startswith("BRIDGE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BRIDGE_STRIPE_SECRET_KEY", stack.sandbox.api_key)
    monkeypatch.setenv("BRIDGE_STRIPE_API_BASE", stack.sandbox_url)
    monkeypatch.setenv("BRIDGE_PLANS", json.dumps(settings.plans))
    # the sandbox has no rate limit: paced as the stack paces it, not as Stripe's 25 requests/s
    monkeypatch.setenv("BRIDGE_STRIPE_RATE_LIMIT", str(settings.stripe_rate_limit))
    monkeypatch.setenv("BRIDGE_CONNECT_REQUESTS_PER_SECOND", str(settings.connect_requests_per_second))
    capsys.readouterr()
    assert main(["sync"]) == 0
    return capsys.readouterr().out
