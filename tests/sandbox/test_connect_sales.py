"""The sales generator and the demo accounts: history that adds up, read back through the SDK."""

from __future__ import annotations

from collections import Counter

import stripe

from stripe_sandbox import Sandbox
from tests.support.sandbox_connect import EXPRESS


def test_generated_history_adds_up(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    account = client.v1.accounts.create(EXPRESS).id  # Stripe collects its fees from the account
    sandbox.connect.accounts.onboard_account(account)
    report = sandbox.connect.sales.generate(account, count=1_500, days=120, currencies=("usd", "eur"),
                                            refund_share=0.05, dispute_share=0.01, seed=7)
    assert report.charges == 1_500 and report.refunds > 0 and report.disputes > 0 and report.payouts > 0
    on = {"stripe_account": account}
    txns = list(client.v1.balance_transactions.list({"limit": 100}, options=on).auto_paging_iter())
    assert Counter(t.type for t in txns)["charge"] == 1_500
    assert {t.reporting_category for t in txns} >= {"charge", "refund", "dispute", "payout"}
    balance = client.v1.balance.retrieve(options=on)
    for row in balance.available:
        assert row.amount == sum(t.net for t in txns if t.currency == row.currency and t.status == "available")
    for row in balance.pending:
        assert row.amount == sum(t.net for t in txns if t.currency == row.currency and t.status == "pending")
    paid = [p for p in client.v1.payouts.list({"limit": 100, "status": "paid"}, options=on).auto_paging_iter()]
    assert paid and all(p.reconciliation_status == "completed" for p in paid)
    for payout in paid[:40]:
        parts = list(client.v1.balance_transactions.list({"payout": payout.id, "limit": 100},
                                                         options=on).auto_paging_iter())
        assert [p.source for p in parts if p.type == "payout"] == [payout.id]
        assert sum(p.net for p in parts if p.type != "payout") == payout.amount
        assert all(p.currency == payout.currency for p in parts)
    fees = {f.type for t in txns if t.type == "charge" for f in t.fee_details}
    assert fees == {"stripe_fee", "application_fee"}
    news = [e.type for e in client.v1.events.list({"limit": 100}, options=on).data]
    assert not [t for t in news if t.startswith(("charge.", "payout.", "balance.", "refund."))]  # history


def test_the_demo_accounts(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    accounts = sandbox.seed_demo_accounts()
    assert set(accounts) == {"pro@demo.test", "starter@demo.test", "pastdue@demo.test"}
    assert sandbox.seed_demo_accounts() == accounts

    pro = client.v1.accounts.retrieve(accounts["pro@demo.test"])
    assert pro.controller.stripe_dashboard.type == "express"
    assert (pro.charges_enabled, pro.payouts_enabled) == (True, True)
    on = {"stripe_account": pro.id}
    assert len(list(client.v1.charges.list({"limit": 100}, options=on).auto_paging_iter())) == 2_000
    assert [d.status for d in client.v1.disputes.list(options=on).data] == ["needs_response"]
    assert client.v1.refunds.list(options=on).data
    assert [p.status for p in client.v1.payouts.list({"status": "in_transit"}, options=on).data] == ["in_transit"]
    assert pro.settings.payouts.schedule.interval == "daily"

    starter = client.v1.accounts.retrieve(accounts["starter@demo.test"])
    assert (starter.charges_enabled, starter.payouts_enabled) == (True, False)
    assert starter.requirements.past_due == ["individual.verification.document"]
    assert 4 * 86_400 < starter.requirements.current_deadline - sandbox.now() <= 5 * 86_400

    standard = client.v1.accounts.retrieve(accounts["pastdue@demo.test"])
    assert standard.controller.stripe_dashboard.type == "full" and standard.type == "standard"
    failed = client.v1.payouts.list({"status": "failed"}, options={"stripe_account": standard.id}).data
    assert [(p.failure_code, p.failure_message) for p in failed] == [("account_closed",
                                                                      "The bank account has been closed.")]
