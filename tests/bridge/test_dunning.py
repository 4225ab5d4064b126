"""After the last retry of a failed renewal, the bridge shows the state Stripe's retry settings chose
(canceled is in test_plan_change.py): an unpaid plan, or one left past due, with its bill still owed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from stripe_sandbox.billing.dunning import Dunning
from tests.support.billing_loop import settle

DAY = 86_400


@pytest.mark.parametrize(("then", "invoice_then"), [("unpaid", "past_due"), ("past_due", "uncollectible")])
def test_the_last_failed_retry_leaves_the_state_the_settings_chose(
        stack: Any, client_for: Callable[..., httpx.Client], then: str, invoice_then: str) -> None:
    stack.sandbox.store.dunning = Dunning(retry_days=(1, 2), subscription_then=then, invoice_then=invoice_then)
    owner = client_for(stack, "pastdue@demo.test")
    assert owner.get("/v1/billing/summary").json()["status"] == "past_due"
    stack.sandbox.advance_clock(4 * DAY)     # past the demo owner's pending retry and the ones after it
    summary = settle(stack, owner, lambda s: s["status"] == then and s["last_payment_failed"])
    assert summary["plan"]["key"] == "starter"
    failed = owner.get("/v1/billing/invoices").json()["data"][0]
    assert failed["status"] == ("open" if invoice_then == "past_due" else "uncollectible")
    assert failed["amount_due"] == 1000 and failed["number"]
    again = owner.post("/v1/billing/checkout-session", json={"plan": "pro"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_subscribed"
