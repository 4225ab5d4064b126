"""Connect objects in the store, on SQLite and PostgreSQL: webhooks applied by account, older events never
winning, payouts linked to their transactions, and an import that resumes without duplicates."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from server_bridge.auth import owners
from server_bridge.connect import backfill, records, shaping
from server_bridge.db.models import ConnectCharge, ConnectImport
from server_bridge.gateway import StripeUnavailable
from server_bridge.mirror.webhooks import process_event
from tests.support import connect_samples as s

ACCT = "acct_store"
T0 = 1_760_000_000


def no_pace() -> None:
    pass


def apply(sessions: sessionmaker[Session], event: dict):
    return process_event(sessions, event, json.dumps(event))


@pytest.fixture
def owner(sessions: sessionmaker[Session]) -> str:
    with sessions() as session:
        owners.add_owner(session, "seller@example.com", "pw", customer_id="cus_seller", account_id=ACCT,
                         password_hash="x")
        session.commit()
    return "cus_seller"


def test_a_sale_a_refund_and_a_dispute_arrive_by_webhook(sessions: sessionmaker[Session], owner: str) -> None:
    sale = s.charge(amount=2500, created=T0, expand=False)
    outcome = apply(sessions, s.event("charge.succeeded", sale, account_id=ACCT, created=T0))
    assert outcome.status == "applied" and outcome.customer_id == owner and outcome.topics == ("earnings",)
    assert ("fees", "") in outcome.follow_ups
    refunded = {**sale, "amount_refunded": 1000}
    apply(sessions, s.event("charge.refunded", refunded, account_id=ACCT, created=T0 + 60))
    apply(sessions, s.event("charge.dispute.created", s.dispute(sale, created=T0 + 120), account_id=ACCT,
                            created=T0 + 120))
    with sessions() as session:
        [found], _ = records.sales(session, ACCT, limit=10, starting_after=None)
    assert found["refunded"] == 1000 and found["status"] == "disputed"
    assert found["dispute"]["evidence_due_by"] == T0 + 120 + 7 * s.DAY


def test_an_older_event_never_overwrites_newer_state(sessions: sessionmaker[Session], owner: str) -> None:
    sale = s.charge(amount=2500, created=T0, expand=False)
    apply(sessions, s.event("charge.refunded", {**sale, "amount_refunded": 2500, "refunded": True}, account_id=ACCT,
                            created=T0 + 100))
    apply(sessions, s.event("charge.succeeded", sale, account_id=ACCT, created=T0))
    po = s.payout(amount=900, created=T0, status="paid")
    apply(sessions, s.event("payout.paid", po, account_id=ACCT, created=T0 + 200))
    apply(sessions, s.event("payout.created", {**po, "status": "pending"}, account_id=ACCT, created=T0 + 10))
    with sessions() as session:
        [found], _ = records.sales(session, ACCT, limit=10, starting_after=None)
        [payout], _ = records.payouts(session, ACCT, limit=10, starting_after=None, status=None)
    assert found["status"] == "refunded" and payout["status"] == "paid"


def test_an_event_for_an_account_nobody_owns_is_stored_for_later(sessions: sessionmaker[Session]) -> None:
    sale = s.charge(amount=700, created=T0)
    outcome = apply(sessions, s.event("charge.succeeded", sale, account_id="acct_nobody", created=T0))
    assert outcome.status == "applied" and outcome.customer_id is None and outcome.topics == ()
    with sessions() as session:
        assert records.sales(session, "acct_nobody", limit=5, starting_after=None)[0][0]["id"] == sale["id"]
        assert records.sales(session, ACCT, limit=5, starting_after=None)[0] == []


def test_reconciliation_links_a_payout_to_its_transactions_and_the_breakdown_adds_up(
        sessions: sessionmaker[Session], owner: str) -> None:
    sales = [s.charge(amount=a, created=T0 + i) for i, a in enumerate((1000, 2500, 4000))]
    refund = s.transaction(source="re_1", type_="refund", category="refund", amount=-500, created=T0 + 10)
    txns = [c["balance_transaction"] for c in sales] + [refund]
    po = s.payout(amount=sum(t["net"] for t in txns), created=T0 + 3 * s.DAY)
    gateway = s.PagedGateway(s.account(ACCT), payout_transactions={po["id"]: txns})
    outcome = apply(sessions, s.event("payout.reconciliation_completed", po, account_id=ACCT, created=T0 + 4 * s.DAY))
    assert ("link", po["id"]) in outcome.follow_ups
    with sessions() as session:
        backfill.link_payout(session, gateway, ACCT, po["id"], no_pace)
        session.commit()
        stored, linked = records.payout(session, ACCT, po["id"])
        lines = shaping.breakdown(stored, records.payout_transactions(session, ACCT, po["id"]))
    assert linked
    assert sum(line["amount"] for line in lines) == po["amount"]
    assert [line["category"] for line in lines] == ["sales", "refunds", "stripe_fees", "platform_fees"]


def test_balance_per_currency_with_money_on_the_way(sessions: sessionmaker[Session], owner: str) -> None:
    with sessions() as session:
        records.save_balance(session, ACCT, {"available": [{"amount": -300, "currency": "eur"},
                                                           {"amount": 1200, "currency": "usd"}],
                                             "pending": [{"amount": 800, "currency": "usd"}]}, T0)
        records.save_payouts(session, ACCT, [s.payout(amount=500, created=T0, status="in_transit"),
                                             s.payout(amount=200, created=T0, status="pending"),
                                             s.payout(amount=999, created=T0, status="paid")], T0)
        session.commit()
        balances, as_of = records.balances(session, ACCT)
    assert balances == [{"currency": "eur", "available": -300, "pending": 0, "in_transit": 0},
                        {"currency": "usd", "available": 1200, "pending": 800, "in_transit": 700}]
    assert as_of == T0


def run_import(sessions: sessionmaker[Session], gateway: s.PagedGateway) -> None:
    with sessions() as session:
        while backfill.step(session, gateway, ACCT, no_pace):
            pass


def test_an_interrupted_import_resumes_without_duplicates(sessions: sessionmaker[Session], owner: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backfill, "PAGE", 10)
    charges = [s.charge(amount=100 + i, created=T0 + i * 3600) for i in range(95)]
    po = s.payout(amount=sum(c["balance_transaction"]["net"] for c in charges[:5]), created=T0 + 95 * 3600)
    gateway = s.PagedGateway(s.account(ACCT, created=T0 - 3600), charges=charges, payouts=[po],
                             payout_transactions={po["id"]: [c["balance_transaction"] for c in charges[:5]]},
                             fail_after=6)
    with pytest.raises(StripeUnavailable):
        run_import(sessions, gateway)
    with sessions() as session:
        row = session.get(ConnectImport, ACCT)
        assert (row.state, row.phase, row.imported) == ("failed", "charges", 40)
        assert row.error and 40 <= row.estimated_total <= 100
        assert session.scalar(select(func.count()).select_from(ConnectCharge)) == 40
    gateway.fail_after = None
    run_import(sessions, gateway)
    with sessions() as session:
        row = session.get(ConnectImport, ACCT)
        assert (row.state, row.imported, row.estimated_total) == ("done", 95, 95)
        assert session.scalar(select(func.count()).select_from(ConnectCharge)) == 95
        assert records.payout(session, ACCT, po["id"])[1] is True
        assert records.unlinked_payouts(session, ACCT) == []


def test_an_import_fills_in_fees_the_webhooks_could_not_tell(sessions: sessionmaker[Session], owner: str) -> None:
    sale = s.charge(amount=2500, created=T0, expand=False)
    apply(sessions, s.event("charge.succeeded", sale, account_id=ACCT, created=T0))
    gateway = s.PagedGateway(s.account(ACCT))
    gateway.lists["charges"] = []
    full = dict(sale, balance_transaction=s.transaction(source=sale["id"], type_="charge", category="charge",
                                                        amount=2500, created=T0, stripe_fee=103, platform_fee=125))
    full["balance_transaction"]["id"] = sale["balance_transaction"]
    gateway.get_balance_transaction = lambda account_id, txn_id: full["balance_transaction"]  # type: ignore[method-assign]
    run_import(sessions, gateway)
    with sessions() as session:
        [found], _ = records.sales(session, ACCT, limit=1, starting_after=None)
    assert (found["stripe_fee"], found["net"]) == (103, 2500 - 103 - 125)


def test_one_owners_failing_import_does_not_stop_another(sessions: sessionmaker[Session], owner: str) -> None:
    with sessions() as session:
        owners.add_owner(session, "broken@example.com", "pw", account_id="acct_broken", password_hash="x")
        session.commit()
    charges = [s.charge(amount=500 + i, created=T0 + i) for i in range(30)]
    good = s.PagedGateway(s.account(ACCT, created=T0 - 10), charges=charges)

    class Router:
        def __getattr__(self, name: str):
            def call(account_id: str, *args, **kwargs):
                if account_id == "acct_broken":
                    raise StripeUnavailable()
                return getattr(good, name)(account_id, *args, **kwargs)
            return call

    imported, failed = backfill.import_accounts(sessions, Router(), no_pace)
    assert (imported, failed) == (1, ["acct_broken"])
    with sessions() as session:
        assert session.get(ConnectImport, ACCT).state == "done"
        assert session.get(ConnectImport, "acct_broken").state == "failed"
        assert len(records.sales(session, ACCT, limit=100, starting_after=None)[0]) == 30
