"""Plan changes: the preview's figures, the commit's freshness check, a declined upgrade changing
nothing, a downgrade scheduled for the period end and taking effect there."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.billing_loop import settle


@pytest.fixture(scope="module")
def stack(module_stack: Any) -> Any:
    return module_stack


def test_changes_that_make_no_sense(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    pro = client_for(stack, "pro@demo.test")
    same = pro.post("/v1/billing/plan-change/preview", json={"plan": "pro"})
    assert same.status_code == 409 and same.json()["error"]["code"] == "same_plan"
    new = client_for(stack, "new@demo.test")
    none = new.post("/v1/billing/plan-change/preview", json={"plan": "pro"})
    assert none.status_code == 409 and none.json()["error"]["code"] == "no_subscription"


@pytest.mark.parametrize("offset", [-3601, 600])
def test_an_old_or_future_preview_is_stale(stack: Any, client_for: Callable[..., httpx.Client], offset: int) -> None:
    starter = client_for(stack, "starter@demo.test")
    before = stack.sandbox.request_count()
    answer = starter.post("/v1/billing/plan-change", json={"plan": "pro", "proration_date": int(time.time()) + offset})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "stale_preview"
    assert stack.sandbox.request_count() == before


def test_an_upgrade_charges_the_proration_now(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    starter = client_for(stack, "starter@demo.test")
    invoices_before = starter.get("/v1/billing/invoices").json()["data"]
    preview = starter.post("/v1/billing/plan-change/preview", json={"plan": "pro"}).json()
    assert preview["plan"]["key"] == "pro" and preview["currency"] == "usd"
    assert preview["amount_due_now"] == sum(line["amount"] for line in preview["lines"])
    assert preview["next_date"] == starter.get("/v1/billing/summary").json()["current_period_end"]
    summary = starter.post("/v1/billing/plan-change",
                           json={"plan": "pro", "proration_date": preview["proration_date"]}).json()
    assert summary["plan"]["key"] == "pro" and summary["next_invoice"]["amount"] == 2500
    invoices = starter.get("/v1/billing/invoices").json()["data"]
    assert len(invoices) == len(invoices_before) + 1
    assert invoices[0]["total"] == preview["amount_due_now"]
    settled = settle(stack, starter, lambda s: s["plan"]["key"] == "pro")
    assert settled["pending_change"] is None


def test_a_declined_upgrade_changes_nothing(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    owner = client_for(stack, "pastdue@demo.test")
    before = owner.get("/v1/billing/summary").json()
    target = "pro" if before["plan"]["key"] == "starter" else "starter"
    preview = owner.post("/v1/billing/plan-change/preview", json={"plan": target}).json()
    if preview["direction"] != "upgrade":
        pytest.fail("the past-due demo owner is expected on Starter")
    answer = owner.post("/v1/billing/plan-change", json={"plan": target, "proration_date": preview["proration_date"]})
    assert answer.status_code == 402 and answer.json()["error"]["code"] == "payment_failed"
    stack.sandbox.wait_for_deliveries(10)
    assert owner.get("/v1/billing/summary").json()["plan"] == before["plan"]


def test_a_downgrade_waits_for_the_period_end(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    pro = client_for(stack, "pro@demo.test")
    preview = pro.post("/v1/billing/plan-change/preview", json={"plan": "starter"}).json()
    assert (preview["direction"], preview["effective"], preview["amount_due_now"]) == ("downgrade", "period_end", 0)
    assert preview["next_amount"] == 1000
    summary = pro.post("/v1/billing/plan-change",
                       json={"plan": "starter", "proration_date": preview["proration_date"]}).json()
    assert summary["plan"]["key"] == "pro" and summary["pending_change"]["plan"]["key"] == "starter"
    assert summary["pending_change"]["effective_at"] == summary["current_period_end"]
    again = pro.post("/v1/billing/plan-change/preview", json={"plan": "pro"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "same_plan"

    stack.sandbox.advance_clock(summary["current_period_end"] - stack.sandbox.now() + 60)
    after = settle(stack, pro, lambda s: s["plan"]["key"] == "starter")
    assert after["pending_change"] is None and after["next_invoice"]["amount"] == 1000
    assert after["current_period_end"] == preview["lines"][0]["period_end"]   # the period the preview showed


def test_a_failed_payment_never_fixed_ends_the_plan(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    """Stripe's retries fail, the invoice goes uncollectible and the subscription ends: webhooks only."""
    owner = client_for(stack, "pastdue@demo.test")
    stack.sandbox.advance_clock(12 * 86400)   # past every retry (earlier tests may have moved time on too)
    summary = settle(stack, owner, lambda s: s["status"] == "canceled")
    assert summary["next_invoice"] is None and summary["current_period_end"] is None
    assert owner.get("/v1/billing/invoices").json()["data"][0]["status"] in ("uncollectible", "void", "open")
    retry = owner.post("/v1/billing/checkout-session", json={"plan": "starter"})
    assert retry.status_code == 200   # no live plan any more: the owner may subscribe again
