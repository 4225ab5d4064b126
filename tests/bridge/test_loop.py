"""Issue #2's whole loop over real HTTP, on SQLite and PostgreSQL: every demo owner's summary,
plans, invoices and PDF; the portal cancels; Checkout subscribes; Starter -> Pro and back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.support.billing_loop import all_invoices, settle, submit
from tests.support.databases import postgres_database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def any_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One stack per database for the whole loop; the tests below touch different owners, in order."""
    from server_bridge.stack import start_sandbox_stack

    data_dir = tmp_path_factory.mktemp(f"loop-{request.param}")
    if request.param == "sqlite":
        with start_sandbox_stack(data_dir=data_dir, webhook_retry_delays=(0.05, 0.1, 0.2)) as started:
            yield started
        return
    with postgres_database(migrate=True) as url, start_sandbox_stack(
            data_dir=data_dir, database_url=url, webhook_retry_delays=(0.05, 0.1, 0.2)) as started:
        yield started


def test_every_demo_owner_sees_their_billing(any_stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    pro = client_for(any_stack, "pro@demo.test")
    summary = pro.get("/v1/billing/summary").json()
    assert summary["plan"]["key"] == "pro" and summary["plan"]["name"] == "Pro" and summary["plan"]["amount"] == 2500
    assert summary["status"] == "active" and summary["cancel_at_period_end"] is False
    assert summary["next_invoice"]["amount"] == 2500 and summary["next_invoice"]["date"] == summary["current_period_end"]
    assert summary["card"]["last4"] and summary["as_of"] > 0
    plans = pro.get("/v1/billing/plans").json()["plans"]
    assert [(p["key"], p["amount"], p["current"]) for p in plans] == [("starter", 1000, False), ("pro", 2500, True)]
    assert all(p["features"] for p in plans)

    invoices = all_invoices(pro, limit=5)
    assert len(invoices) >= 12 and len({i["id"] for i in invoices}) == len(invoices)
    assert [i["created"] for i in invoices] == sorted((i["created"] for i in invoices), reverse=True)
    paid = next(i for i in invoices if i["status"] == "paid" and i["has_pdf"])
    pdf = pro.get(f"/v1/billing/invoices/{paid['id']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    name = f'invoice-{paid["number"]}.pdf'
    assert pdf.headers["content-disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"

    starter = client_for(any_stack, "starter@demo.test").get("/v1/billing/summary").json()
    assert starter["plan"]["key"] == "starter" and starter["card"]["expires_before_next_bill"] is True

    new = client_for(any_stack, "new@demo.test")
    assert new.get("/v1/billing/summary").json()["status"] == "none"
    assert new.get("/v1/billing/invoices").json() == {"data": [], "has_more": False}
    assert not any(p["current"] for p in new.get("/v1/billing/plans").json()["plans"])

    pastdue = client_for(any_stack, "pastdue@demo.test").get("/v1/billing/summary").json()
    assert pastdue["last_payment_failed"] is True and pastdue["status"] in ("past_due", "unpaid")


def test_warm_reads_make_no_stripe_calls(any_stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    clients = [client_for(any_stack, email) for email in ("pro@demo.test", "starter@demo.test", "new@demo.test")]
    before = any_stack.sandbox.request_count()
    for client in clients:
        for path in ("/v1/billing/summary", "/v1/billing/plans", "/v1/billing/invoices?limit=3"):
            assert client.get(path).status_code == 200
    assert any_stack.sandbox.request_count() == before


def test_the_portal_cancels_at_period_end(any_stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    pro = client_for(any_stack, "pro@demo.test")
    url = pro.post("/v1/billing/portal-session", json={"flow": "subscription_cancel"}).json()["url"]
    assert url.startswith(any_stack.sandbox_url)
    done = submit(url, "cancel", {"reason": "too_expensive", "comment": "from the tests"})
    # The flow's completion goes to the bridge's return page, which names what was done.
    assert done.status_code == 303
    assert done.headers["location"] == f"{any_stack.bridge_url}/return/portal?done=subscription_cancel"
    summary = settle(any_stack, pro, lambda s: s["cancel_at_period_end"])
    assert summary["status"] == "active" and summary["next_invoice"] is None
    assert summary["cancel_at"] == summary["current_period_end"] or summary["cancel_at"] is None


def test_checkout_subscribes_a_new_owner(any_stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    new = client_for(any_stack, "new@demo.test")
    url = new.post("/v1/billing/checkout-session", json={"plan": "starter"}).json()["url"]
    paid = submit(url, "pay", {"email": "new@demo.test", "name": "New Owner", "number": "4242424242424242",
                               "exp_month": 12, "exp_year": 2034, "cvc": "123"})
    assert paid.status_code == 303
    assert paid.headers["location"].startswith(f"{any_stack.bridge_url}/return/checkout/success")
    summary = settle(any_stack, new, lambda s: s["status"] == "active")
    assert summary["plan"]["key"] == "starter" and summary["card"]["last4"] == "4242"
    invoices = new.get("/v1/billing/invoices").json()["data"]
    assert invoices and invoices[0]["status"] == "paid" and invoices[0]["total"] == 1000


def test_starter_to_pro_and_pro_to_starter(any_stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    starter = client_for(any_stack, "starter@demo.test")
    preview = starter.post("/v1/billing/plan-change/preview", json={"plan": "pro"}).json()
    assert preview["direction"] == "upgrade" and preview["effective"] == "now"
    assert 0 < preview["amount_due_now"] <= 1500 and preview["lines"]
    assert preview["next_amount"] == 2500
    changed = starter.post("/v1/billing/plan-change",
                           json={"plan": "pro", "proration_date": preview["proration_date"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["plan"]["key"] == "pro"   # at once, before any webhook

    pro = starter   # now on Pro; back to Starter at the period end
    down = pro.post("/v1/billing/plan-change/preview", json={"plan": "starter"}).json()
    assert down["direction"] == "downgrade" and down["effective"] == "period_end" and down["amount_due_now"] == 0
    summary = pro.post("/v1/billing/plan-change",
                       json={"plan": "starter", "proration_date": down["proration_date"]}).json()
    assert summary["plan"]["key"] == "pro"
    assert summary["pending_change"]["plan"]["key"] == "starter"
    assert summary["pending_change"]["effective_at"] == summary["current_period_end"] == down["next_date"]
    assert summary["next_invoice"]["amount"] == 1000
    after_webhooks = settle(any_stack, pro, lambda s: s["pending_change"] is not None)
    assert after_webhooks["plan"]["key"] == "pro"


def test_sync_backfills_every_owner_one_bridge_at_a_time(any_stack: Any,
                                                         client_for: Callable[..., httpx.Client]) -> None:
    from sqlalchemy import text

    from server_bridge.mirror import sync

    app, gateway = any_stack.app, any_stack.app.state.gateway
    before = any_stack.sandbox.request_count()
    assert sync.sync_all(app.state.sessions, gateway, plans=any_stack.settings.plans).synced == 4
    assert any_stack.sandbox.request_count() > before
    pro = client_for(any_stack, "pro@demo.test").get("/v1/billing/summary").json()
    assert pro["status"] == "active"
    if any_stack.engine.dialect.name != "postgresql":
        return
    with any_stack.engine.connect() as other_bridge:
        other_bridge.execute(text("SELECT pg_advisory_lock(:key)"), {"key": sync.BACKFILL_LOCK})
        assert sync.sync_all(app.state.sessions, gateway).skipped
        other_bridge.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": sync.BACKFILL_LOCK})
    assert sync.sync_all(app.state.sessions, gateway).synced == 4
