"""Credits, the next bill, scheduled changes and past due, told truthfully (issue 6 §4), over real HTTP
on SQLite and PostgreSQL: the next bill is Stripe's own preview (credit included), "Keep Pro" undoes a
scheduled downgrade, a plan set to end shows no downgrade and no bill, "Pay now" pays a failed invoice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from stripe_sandbox.billing.renewals import DRAFT_FOR
from tests.support.billing_loop import portal, settle, submit
from tests.support.money import add_card, stack_on, subscribed_owner


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from stack_on(request.param, tmp_path_factory.mktemp("next-bill"), downgrade_at_period_end=False)


# First in the file: its upgrade preview needs the sandbox clock where the bridge's is (the later tests
# move the sandbox's clock on by months).
def test_a_plan_set_to_end_shows_no_downgrade_and_no_bill(stack: Any,
                                                          client_for: Callable[..., httpx.Client]) -> None:
    stack.app.state.settings.downgrade_at_period_end = True
    try:
        owner, customer, sub_id = subscribed_owner(stack, client_for, "ending@demo.test", "pro")
        preview = owner.post("/v1/billing/plan-change/preview", json={"plan": "starter"}).json()
        owner.post("/v1/billing/plan-change", json={"plan": "starter", "proration_date": preview["proration_date"]})
        # Cancelling in the portal: the schedule is released by Stripe's rules, the plan ends at period end.
        done = submit(portal(owner, "subscription_cancel"), "cancel", {"reason": "unused", "comment": ""})
        assert done.status_code == 303, done.text
        summary = settle(stack, owner, lambda s: s["cancel_at"] is not None)
        assert summary["pending_change"] is None and summary["next_invoice"] is None
        plans = {p["key"]: p for p in owner.get("/v1/billing/plans").json()["plans"]}
        assert plans["starter"]["scheduled"] is False
        down = owner.post("/v1/billing/plan-change/preview", json={"plan": "starter"})
        assert down.status_code == 409 and down.json()["error"]["code"] == "plan_ending"
        stack.app.state.settings.downgrade_at_period_end = False
        up_preview = owner.post("/v1/billing/plan-change/preview", json={"plan": "starter"}).json()
        assert up_preview["next_amount"] is None and up_preview["next_date"] is None   # no bill will come
    finally:
        stack.app.state.settings.downgrade_at_period_end = False


def test_a_downgrade_credit_is_kept_and_used_by_the_next_bills(stack: Any,
                                                                client_for: Callable[..., httpx.Client]) -> None:
    owner, customer, _ = subscribed_owner(stack, client_for, "credit@demo.test", "pro")
    preview = owner.post("/v1/billing/plan-change/preview", json={"plan": "starter"}).json()
    assert preview["effective"] == "now" and preview["amount_due_now"] == 0
    summary = owner.post("/v1/billing/plan-change",
                         json={"plan": "starter", "proration_date": preview["proration_date"]}).json()
    balance = stack.sandbox.get("customer", customer)["balance"]
    assert balance < -1000   # most of a month of Pro back, minus most of a month of Starter
    assert summary["credit"] == {"amount": -balance, "currency": "usd"}
    assert summary["next_invoice"]["amount"] == max(1000 + balance, 0)   # Stripe's figure, not 1 x $10
    assert preview["next_amount"] == summary["next_invoice"]["amount"]
    latest = stack.sandbox.list("invoice", customer=customer)[0]
    assert latest["total"] < 0 and latest["amount_due"] == 0 and latest["ending_balance"] == balance

    stack.sandbox.wait_for_deliveries(15)   # the webhooks' own follow-ups call Stripe; the read does not
    calls = stack.sandbox.request_count()
    assert owner.get("/v1/billing/summary").json()["credit"]["amount"] == -balance
    assert stack.sandbox.request_count() == calls   # a warm read asks Stripe nothing

    stack.sandbox.advance_clock(summary["current_period_end"] - stack.sandbox.now() + DRAFT_FOR + 60)
    renewal = stack.sandbox.list("invoice", customer=customer)[0]
    assert renewal["billing_reason"] == "subscription_cycle" and renewal["starting_balance"] == balance
    assert renewal["amount_due"] == 0 and renewal["status"] == "paid" and renewal["ending_balance"] == balance + 1000
    after = settle(stack, owner, lambda s: s["credit"] is None or s["credit"]["amount"] == -(balance + 1000))
    assert after["next_invoice"]["amount"] == max(1000 + balance + 1000, 0)


def test_keep_pro_undoes_a_scheduled_downgrade(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    stack.app.state.settings.downgrade_at_period_end = True
    try:
        owner, customer, sub_id = subscribed_owner(stack, client_for, "keep@demo.test", "pro")
        preview = owner.post("/v1/billing/plan-change/preview", json={"plan": "starter"}).json()
        assert preview["effective"] == "period_end" and preview["next_amount"] == 1000
        summary = owner.post("/v1/billing/plan-change",
                             json={"plan": "starter", "proration_date": preview["proration_date"]}).json()
        assert summary["pending_change"]["plan"]["key"] == "starter"
        assert summary["next_invoice"]["amount"] == 1000
        stack.sandbox.wait_for_deliveries(15)
        plans = {p["key"]: p for p in owner.get("/v1/billing/plans").json()["plans"]}
        assert plans["starter"]["scheduled"] is True and plans["pro"]["current"] is True
        again = owner.post("/v1/billing/plan-change/preview", json={"plan": "starter"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "change_scheduled"

        kept = owner.delete("/v1/billing/pending-change")
        assert kept.status_code == 200, kept.text
        assert kept.json()["pending_change"] is None and kept.json()["plan"]["key"] == "pro"
        assert kept.json()["next_invoice"]["amount"] == 2500
        assert stack.sandbox.get("subscription", sub_id)["schedule"] is None
        assert [s["status"] for s in stack.sandbox.list("subscription_schedule", customer=customer)] == ["released"]
        plans = {p["key"]: p for p in owner.get("/v1/billing/plans").json()["plans"]}
        assert plans["starter"]["scheduled"] is False
        nothing = owner.delete("/v1/billing/pending-change")
        assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "no_pending_change"
        stack.sandbox.advance_clock(kept.json()["current_period_end"] - stack.sandbox.now() + 60)
        assert stack.sandbox.get("subscription", sub_id)["items"]["data"][0]["price"]["id"] == \
            stack.app.state.settings.plans["pro"]
    finally:
        stack.app.state.settings.downgrade_at_period_end = False


def test_past_due_says_what_is_owed_and_pay_now_pays_it(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    owner, customer, sub_id = subscribed_owner(stack, client_for, "late@demo.test", "starter")
    add_card(stack, customer, "4000000000000341")   # attaches, every charge declined
    end = owner.get("/v1/billing/summary").json()["current_period_end"]
    stack.sandbox.advance_clock(end - stack.sandbox.now() + DRAFT_FOR + 60)   # the renewal is charged when finalized
    summary = settle(stack, owner, lambda s: s["status"] == "past_due")
    due = summary["payment_due"]
    failed = stack.sandbox.list("invoice", customer=customer)[0]
    assert due == {"invoice_id": failed["id"], "amount": 1000, "currency": "usd",
                   "next_attempt": failed["next_payment_attempt"]}
    assert due["next_attempt"] > stack.sandbox.now() and summary["if_unpaid"] == "cancel"
    listed = {i["id"]: i for i in owner.get("/v1/billing/invoices").json()["data"]}
    assert listed[failed["id"]]["payment_failed"] is True and listed[failed["id"]]["status"] == "open"

    declined = owner.post(f"/v1/billing/invoices/{failed['id']}/pay")
    assert declined.status_code == 402 and declined.json()["error"]["code"] == "payment_failed"
    assert stack.sandbox.get("invoice", failed["id"])["attempt_count"] == 2

    add_card(stack, customer)
    paid = owner.post(f"/v1/billing/invoices/{failed['id']}/pay")
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid" and paid.json()["payment_failed"] is False
    summary = owner.get("/v1/billing/summary").json()
    assert summary["status"] == "active" and summary["payment_due"] is None
    again = owner.post(f"/v1/billing/invoices/{failed['id']}/pay")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invoice_not_payable"
    other = client_for(stack, "pro@demo.test").post(f"/v1/billing/invoices/{failed['id']}/pay")
    assert other.status_code == 404


def test_an_ended_plan_is_named_as_the_plan_it_was(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    """The owner of the first test: Pro, a downgrade scheduled, then cancelled; the clock has passed the end."""
    owner = client_for(stack, "ending@demo.test")
    stack.sandbox.advance_clock(60)
    ended = settle(stack, owner, lambda s: s["status"] == "canceled")
    assert ended["plan"]["key"] == "pro" and ended["plan"]["name"] == "Pro"
    assert ended["next_invoice"] is None and ended["pending_change"] is None and ended["cancel_at"] is None
