"""Connect webhooks: a connect=true endpoint hears connected accounts' events (with `account`), a
platform endpoint only the platform's own (application fees)."""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest
import stripe

from stripe_sandbox import Sandbox
from tests.support.sandbox_connect import DAY, active_account, sell
from tests.support.webhooks import Receiver


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    made = (Receiver(), Receiver())
    for receiver in made:
        receiver.server.start()
    yield made
    for receiver in made:
        receiver.server.stop()


def test_connected_account_events_reach_connect_endpoints_only(sandbox: Sandbox, client: stripe.StripeClient,
                                                               receivers: tuple[Receiver, Receiver]) -> None:
    connect, platform = receivers
    hook = client.v1.webhook_endpoints.create({"url": f"{connect.server.url}/hook", "enabled_events": ["*"],
                                               "connect": True})
    plain = client.v1.webhook_endpoints.create({"url": f"{platform.server.url}/hook", "enabled_events": ["*"]})
    account = active_account(client, sandbox)
    intent = sell(client, account)
    client.v1.refunds.create({"charge": intent.latest_charge, "amount": 1_000}, options={"stripe_account": account})
    sell(client, account, card="pm_card_createDispute")
    sandbox.advance_clock(3 * DAY)
    assert sandbox.wait_for_deliveries(timeout=10)

    events = [stripe.Webhook.construct_event(body, sig, hook.secret) for body, sig in connect.bodies]
    assert {e.account for e in events} == {account}
    types = [e.type for e in events]
    for wanted in ("account.updated", "capability.updated", "payment_intent.succeeded", "charge.succeeded",
                   "refund.created", "charge.refunded", "charge.dispute.created", "charge.dispute.funds_withdrawn",
                   "balance.available", "payout.created", "payout.updated"):
        assert wanted in types, wanted
    assert not any(t.startswith("application_fee.") for t in types)

    mine = [stripe.Webhook.construct_event(body, sig, plain.secret) for body, sig in platform.bodies]
    assert [e.type for e in mine] == ["application_fee.created", "application_fee.created"]
    assert all(e.account is None for e in mine)
    fee = mine[0].data.object
    assert (fee.account, fee.amount) == (account, 500)

    assert client.v1.events.list({"type": "charge.succeeded"}).data == []
    listed = client.v1.events.list({"type": "charge.succeeded"}, options={"stripe_account": account}).data
    assert len(listed) == 2 and all(e.account == account for e in listed)


def test_payout_events_follow_a_payout_to_the_bank(sandbox: Sandbox, client: stripe.StripeClient,
                                                   receivers: tuple[Receiver, Receiver]) -> None:
    connect, _ = receivers
    hook = client.v1.webhook_endpoints.create({"url": f"{connect.server.url}/hook", "connect": True,
                                               "enabled_events": ["payout.*"]})
    account = active_account(client, sandbox)
    sell(client, account)
    sandbox.advance_clock(5 * DAY)
    assert sandbox.wait_for_deliveries(timeout=10)
    events = [stripe.Webhook.construct_event(body, sig, hook.secret) for body, sig in connect.bodies]
    assert [e.type for e in events] == ["payout.created", "payout.updated", "payout.paid",
                                        "payout.reconciliation_completed"]
    assert [e.data.object.status for e in events] == ["pending", "in_transit", "paid", "paid"]
    assert events[-1].data.object.reconciliation_status == "completed"


def test_the_control_api_makes_sales_and_disputes(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    account = client.v1.accounts.create({"type": "express"}).id
    answer = httpx.post(f"{sandbox.base_url}/_sandbox/connect/onboard", json={"account": account})
    assert answer.status_code == 200 and answer.json()["charges_enabled"] is True
    answer = httpx.post(f"{sandbox.base_url}/_sandbox/connect/sales",
                        json={"account": account, "count": 300, "days": 90, "currencies": ["usd", "eur"],
                              "seed": 3})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["charges"] == 300 and report["payouts"] > 0
    on = {"stripe_account": account}
    charges = list(client.v1.charges.list({"limit": 100}, options=on).auto_paging_iter())
    assert len(charges) == 300
    assert {c.currency for c in charges} == {"usd", "eur"}
    target = next(c for c in charges if not c.disputed and not c.refunded)
    answer = httpx.post(f"{sandbox.base_url}/_sandbox/connect/disputes", json={"account": account,
                                                                               "charge": target.id})
    assert answer.status_code == 200
    assert client.v1.disputes.retrieve(answer.json()["dispute"], options=on).status == "needs_response"
    assert httpx.post(f"{sandbox.base_url}/_sandbox/connect/sales",
                      json={"account": "acct_missing", "count": 1}).status_code == 404
