"""Connect end to end: the bridge over HTTP on the sandbox through the official SDK, on SQLite and PostgreSQL.

Onboarding through the hosted page turns an account active; a sale, a refund and a dispute arrive by
webhook; every paid payout's breakdown adds up exactly; another owner's ids answer 404; an import
interrupted halfway resumes without duplicates; Stripe faults give the usual errors.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
import stripe
from sqlalchemy import func, select

from server_bridge.connect import backfill
from server_bridge.db.models import ConnectCharge, ConnectImport, Owner
from server_bridge.gateway import StripeUnavailable
from stripe_sandbox.connect.accounts import TEST_VALUES
from tests.support.databases import postgres_database
from tests.support.stacks import sandbox_stack
from tests.support.waiting import wait_until


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with ExitStack() as running:
        url = running.enter_context(postgres_database(migrate=True)) if request.param == "postgresql" else None
        yield running.enter_context(sandbox_stack(tmp_path_factory.mktemp("connect"), url, connect_requests_per_second=500))


@pytest.fixture(scope="module")
def platform(stack: Any) -> Iterator[stripe.StripeClient]:
    """The platform's sites, taking payments on the owners' accounts."""
    yield stripe.StripeClient(stack.sandbox.api_key, base_addresses={"api": stack.sandbox_url})


def account_of(stack: Any, email: str) -> str:
    with stack.app.state.sessions() as session:
        return session.execute(select(Owner.stripe_account_id).where(Owner.email == email)).scalar_one()


def all_pages(client: httpx.Client, path: str, **params: Any) -> list[dict]:
    items: list[dict] = []
    while True:
        page = client.get(path, params={"limit": 100, **params, **({"starting_after": items[-1]["id"]} if items else {})})
        assert page.status_code == 200, page.text
        items += page.json()["data"]
        if not page.json()["has_more"]:
            return items


def imported(client: httpx.Client) -> dict:
    client.get("/v1/connect/account")
    return wait_until(lambda: (lambda body: body if body["state"] == "done" else None)(
        client.get("/v1/connect/account").json()["sales_import"]), timeout=120)


def test_onboarding_through_the_hosted_page_turns_the_account_active(stack: Any, client_for: Callable) -> None:
    owner = client_for(stack, "new@demo.test")
    assert owner.get("/v1/connect/account").json()["status"] == "not_started"
    link = owner.post("/v1/connect/onboarding-link").json()["url"]
    assert owner.get("/v1/connect/account").json()["status"] == "onboarding"
    page = httpx.get(link)
    assert page.status_code == 200 and 'name="first_name"' in page.text
    submitted = httpx.post(link, data=TEST_VALUES)
    assert submitted.status_code == 303 and submitted.headers["location"] == f"{stack.bridge_url}/return/connect"
    assert httpx.get(submitted.headers["location"]).status_code == 200
    body = wait_until(lambda: (lambda b: b if b["status"] == "active" else None)(owner.get("/v1/connect/account").json()))
    assert body["charges_enabled"] and body["payouts_enabled"] and body["requirements"] == []


def test_a_sale_a_refund_and_a_dispute_arrive_by_webhook(stack: Any, client_for: Callable,
                                                         platform: stripe.StripeClient) -> None:
    owner = client_for(stack, "starter@demo.test")
    imported(owner)
    account = account_of(stack, "starter@demo.test")
    tag = f"e2e {uuid.uuid4().hex[:8]}"
    on = {"stripe_account": account}

    def sell(card: str) -> str:
        intent = platform.v1.payment_intents.create(
            {"amount": 4200, "currency": "usd", "payment_method": card, "confirm": True,
             "application_fee_amount": 210, "description": tag, "receipt_email": "e2e@example.test"}, options=on)
        return str(intent.latest_charge)

    def sale(charge_id: str, check: Callable[[dict], bool]) -> dict:
        def found() -> dict | None:
            for item in owner.get("/v1/connect/sales", params={"q": tag}).json()["data"]:
                if item["id"] == charge_id and check(item):
                    return item
            return None
        return wait_until(found)

    sold = sell("pm_card_visa")
    first = sale(sold, lambda s: s["stripe_fee"] is not None)
    assert (first["gross"], first["platform_fee"], first["status"]) == (4200, 210, "succeeded")
    assert first["net"] == 4200 - 210 - first["stripe_fee"] and first["customer_email"] == "e2e@example.test"
    platform.v1.refunds.create({"charge": sold, "amount": 1200}, options=on)
    refunded = sale(sold, lambda s: s["status"] == "partially_refunded")
    assert refunded["refunded"] == 1200 and refunded["net"] == first["net"] - 1200

    disputed_id = sell("pm_card_createDispute")
    disputed = sale(disputed_id, lambda s: s["status"] == "disputed" and s["dispute"] is not None)
    dispute = platform.v1.disputes.list(options=on).data[0]
    assert disputed["dispute"]["id"] == dispute.id
    assert disputed["dispute"]["evidence_due_by"] == dispute.evidence_details.due_by


@pytest.mark.parametrize("email", ["starter@demo.test"])
def test_every_paid_payouts_breakdown_adds_up_exactly(stack: Any, client_for: Callable,
                                                      platform: stripe.StripeClient, email: str) -> None:
    owner = client_for(stack, email)
    progress = imported(owner)
    on = {"stripe_account": account_of(stack, email)}
    charges = [c for c in platform.v1.charges.list({"limit": 100}, options=on).auto_paging_iter()
               if c.status == "succeeded"]
    assert progress["imported"] >= 50 and len(charges) >= 50
    assert len(all_pages(owner, "/v1/connect/sales")) == len(charges)
    paid = all_pages(owner, "/v1/connect/payouts", status="paid")
    assert len(paid) == len([p for p in platform.v1.payouts.list({"limit": 100}, options=on).auto_paging_iter()
                             if p.status == "paid"]) >= 5
    for payout in paid:
        body = owner.get(f"/v1/connect/payouts/{payout['id']}").json()
        assert sum(line["amount"] for line in body["breakdown"]) == payout["amount"], body
        assert "unexplained" not in [line["category"] for line in body["breakdown"]], body
        assert body["breakdown"][0]["category"] == "sales"
    in_transit = all_pages(owner, "/v1/connect/payouts", status="in_transit")
    balance = owner.get("/v1/connect/balance").json()["balances"]
    assert [b["in_transit"] for b in balance if b["currency"] == "usd"] in ([], [sum(p["amount"] for p in in_transit)])


def test_another_owners_ids_answer_404(stack: Any, client_for: Callable) -> None:
    pro, pastdue = client_for(stack, "pro@demo.test"), client_for(stack, "pastdue@demo.test")
    imported(pastdue)
    theirs = pastdue.get("/v1/connect/payouts", params={"limit": 1}).json()["data"][0]["id"]
    sale = pastdue.get("/v1/connect/sales", params={"limit": 1}).json()["data"][0]["id"]
    for path in (f"/v1/connect/payouts/{theirs}", f"/v1/connect/payouts/{theirs}/transactions"):
        assert pro.get(path).status_code == 404 and pro.get(path).json()["error"]["code"] == "not_found"
    assert pro.get("/v1/connect/sales", params={"starting_after": sale}).status_code == 404
    failed = pastdue.get("/v1/connect/payouts", params={"status": "failed"}).json()["data"]
    assert failed and failed[0]["failure_code"] and failed[0]["failure_message"]
    assert pastdue.get("/v1/connect/account").json()["dashboard"] == "full"


def test_an_import_interrupted_halfway_resumes_without_duplicates(stack: Any, platform: stripe.StripeClient,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backfill, "PAGE", 10)
    account = platform.v1.accounts.create({"controller": {"stripe_dashboard": {"type": "express"},
                                                          "fees": {"payer": "account"},
                                                          "losses": {"payments": "stripe"}}}).id
    httpx.post(f"{stack.sandbox_url}/_sandbox/connect/onboard", json={"account": account}).raise_for_status()
    httpx.post(f"{stack.sandbox_url}/_sandbox/connect/sales",
               json={"account": account, "count": 95, "days": 60, "seed": 3}).raise_for_status()
    sessions, gateway = stack.app.state.sessions, stack.app.state.gateway
    with sessions() as session:
        for _ in range(5):
            assert backfill.step(session, gateway, account, lambda: None)
        stack.sandbox.inject_fault("500", count=stack.settings.stripe_max_retries + 1)
        with pytest.raises(StripeUnavailable):
            backfill.step(session, gateway, account, lambda: None)
        row = session.get(ConnectImport, account)
        assert (row.state, row.phase) == ("failed", "charges") and 0 < row.imported < 95
        while backfill.step(session, gateway, account, lambda: None):
            pass
        row = session.get(ConnectImport, account)
        session.refresh(row)
        assert (row.state, row.imported) == ("done", 95)
        stored = session.scalar(select(func.count()).select_from(ConnectCharge).where(ConnectCharge.account_id == account))
    assert stored == 95


def test_stripe_faults_give_the_usual_errors(stack: Any, client_for: Callable) -> None:
    owner = client_for(stack, "pastdue@demo.test")
    worker = stack.app.state.connect_worker
    wait_until(worker.idle, timeout=60)
    stack.sandbox.inject_fault("500", count=stack.settings.stripe_max_retries + 1)
    answer = owner.post("/v1/connect/onboarding-link")
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "stripe_unavailable"
    assert owner.post("/v1/connect/onboarding-link").status_code == 200
