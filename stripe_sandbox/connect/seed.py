"""The demo owners' connected accounts: each shows a state the Earnings page handles.

- pro@demo.test: Express, active, a year of sales (about 2,000 charges, refunds, one open dispute),
  daily payouts, the latest in transit.
- starter@demo.test: Express, payouts paused: a past-due photo ID with a deadline five days ahead.
- pastdue@demo.test: full Stripe Dashboard (Standard), its last payout failed (closed bank account).
- new@demo.test: no account.

Written as history (backdated, no events), as the rest of the demo is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stripe_sandbox.periods import DAY

if TYPE_CHECKING:
    from stripe_sandbox.connect import Connect

EXPRESS = {"controller": {"stripe_dashboard": {"type": "express"}, "fees": {"payer": "account"},
                          "losses": {"payments": "stripe"}, "requirement_collection": "stripe"},
           "country": "US", "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}}}
STANDARD = {"controller": {"stripe_dashboard": {"type": "full"}}, "country": "US"}
NAMES = {"pro@demo.test": "Ada's Bakery", "starter@demo.test": "Grace's Garden Supplies",
         "pastdue@demo.test": "Margaret's Music School"}


def seed_demo_accounts(connect: Connect, *, seed: int = 8, sales: int = 2_000) -> dict[str, str]:
    """{email: account id} for the demo owners that sell; existing demo accounts are kept. `sales`: how
    many charges pro@demo.test's year holds (fewer for a test that does not look at a year of them)."""
    accounts, generator = connect.accounts, connect.sales
    with connect.ledger.lock:
        existing = accounts.demo_accounts()
        if len(existing) == len(NAMES):
            return existing
        now = connect.ledger.now()
        pro = _account(connect, "pro@demo.test", EXPRESS, now - 400 * DAY)
        generator.generate(pro, count=sales, days=365, seed=seed, refund_share=0.04, dispute_share=0.0)
        _one_open_dispute(connect, pro)

        starter = _account(connect, "starter@demo.test", EXPRESS, now - 70 * DAY)
        generator.generate(starter, count=50, days=50, end=now - 10 * DAY, seed=seed + 1, refund_share=0.02,
                           dispute_share=0.0)
        accounts.require_photo_id(starter, deadline=now + 5 * DAY, emit=False)
        generator.generate(starter, count=15, days=10, seed=seed + 3, refund_share=0.0, dispute_share=0.0)

        pastdue = _account(connect, "pastdue@demo.test", STANDARD, now - 40 * DAY,
                           account_number="000111111113")
        generator.generate(pastdue, count=80, days=30, seed=seed + 2, refund_share=0.02, dispute_share=0.0)
        return accounts.demo_accounts()


def _account(connect: Connect, email: str, shape: dict[str, Any], created: int, **form: str) -> str:
    account = connect.accounts.create_account({**shape, "email": email, "business_profile": {"name": NAMES[email]},
                                               "metadata": {"demo_owner": email}}, created=created)
    connect.accounts.onboard_account(account["id"], emit=False, email=email, **form)
    return account["id"]


def _one_open_dispute(connect: Connect, account_id: str) -> None:
    """The newest sale not refunded is disputed two days ago: evidence is due in six days."""
    two_days_ago = connect.ledger.now() - 2 * DAY
    charge = next(c for c in reversed(connect.ledger.owned(account_id, "charge"))
                  if not c["amount_refunded"] and c["created"] < two_days_ago)
    connect.disputes.open_dispute(charge, reason="product_not_received", at=two_days_ago, emit=False)
