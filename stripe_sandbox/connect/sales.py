"""Realistic sales history for a connected account, made in bulk (100,000 charges in seconds).

The past is replayed day by day on the sandbox's own machinery, without events: charges with their
balance transactions and application fees, refunds a few days after some sales, disputes on a few
(settled at their evidence due date: some won, the rest lost), funds becoming available on their
`available_on`, and the account's payout schedule running with its payouts paid (or failed, for a
failing test bank account). The result is the state Stripe would hold, as a backfill would find it.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any, Sequence

from stripe_sandbox.billing import cards
from stripe_sandbox.connect.accounts import Accounts
from stripe_sandbox.connect.disputes import Disputes
from stripe_sandbox.connect.ledger import Ledger
from stripe_sandbox.connect.payments import CURRENCIES, Payments
from stripe_sandbox.connect.payouts import Payouts, next_run
from stripe_sandbox.periods import DAY, day_start

DESCRIPTIONS = ("Sourdough loaf", "Croissant box", "Birthday cake", "Gift card", "Workshop ticket", "Coffee beans",
                "Monthly box", "Catering order", "Gluten-free bread", "Pastry sampler")
CARDS = ("4242424242424242", "5555555555554444", "378282246310005")


@dataclass
class SalesReport:
    charges: int
    refunds: int
    disputes: int
    payouts: int
    seconds: float


class SalesGenerator:
    """A connected account's past, replayed on the other parts without events."""

    def __init__(self, ledger: Ledger, accounts: Accounts, payments: Payments, disputes: Disputes,
                 payouts: Payouts) -> None:
        self.ledger = ledger
        self.accounts = accounts
        self.payments = payments
        self.disputes = disputes
        self.payouts = payouts

    def generate(self, account_id: str, *, count: int, days: int = 365, end: int | None = None,
                 currencies: Sequence[str] = ("usd",), refund_share: float = 0.03,
                 dispute_share: float = 0.002, fee_percent: float = 2.0, won_share: float = 0.4,
                 seed: int | None = None) -> SalesReport:
        """`count` charges spread over the `days` before `end` (default now), as history without events."""
        if count < 0 or days < 1:
            raise ValueError("count must be >= 0 and days >= 1")
        unknown = [c for c in currencies if c not in CURRENCIES]
        if unknown or not currencies:
            raise ValueError(f"currencies must be among {', '.join(CURRENCIES)}")
        started = time.perf_counter()
        rng = random.Random(seed)
        with self.ledger.lock:
            account = self.accounts.account(account_id)
            real_now = self.ledger.now()
            end = min(real_now, end or real_now)
            start = end - days * DAY
            with self.ledger.store.scoped(account_id):
                made = [cards.card_from_number(self.ledger.store, n, 12, 2030 + i, "123", {}, created=start)
                        for i, n in enumerate(CARDS)]
            times = sorted(rng.randrange(start, end) for _ in range(count))
            later: list[tuple[int, int, str, dict[str, Any]]] = []   # (when, n, what, charge) refunds, disputes
            report = SalesReport(count, 0, 0, 0, 0.0)
            payouts_before = len(self.ledger.owned(account_id, "payout"))
            with self.ledger.store.scoped(account_id):
                self._replay(account, end, day_start(start), times, later, rng, currencies, made, fee_percent,
                             refund_share, dispute_share, won_share, report)
            self.payouts.move_along(end)
            account["_next_payout"] = next_run(account["settings"]["payouts"]["schedule"], self.ledger.now())
            report.payouts = len(self.ledger.owned(account_id, "payout")) - payouts_before
        report.seconds = time.perf_counter() - started
        return report

    def _replay(self, account: dict[str, Any], end: int, day: int, times: list[int],
                later: list[tuple[int, int, str, dict[str, Any]]], rng: random.Random, currencies: Sequence[str],
                made: list[dict[str, Any]], fee_percent: float, refund_share: float, dispute_share: float,
                won_share: float, report: SalesReport) -> None:
        """The days from `day` to `end`, one midnight at a time, with the sales made in between."""
        account_id, count, i = account["id"], len(times), 0
        while day <= end:
            self._replay_day(account, day)
            tomorrow = min(day + DAY, end + 1)
            while i < count and times[i] < tomorrow:
                at = times[i]
                charge = self._generated_charge(account_id, at, rng, currencies, made, fee_percent)
                roll = rng.random()
                if roll < refund_share:
                    later.append((at + rng.randrange(DAY, 10 * DAY), i, "refund", charge))
                elif roll < refund_share + dispute_share:
                    later.append((at + rng.randrange(3 * DAY, 30 * DAY), i, "dispute", charge))
                i += 1
            later.sort(key=lambda item: (item[0], item[1]))
            while later and later[0][0] < tomorrow and later[0][0] <= end:
                at, _, what, charge = later.pop(0)
                if what == "refund" and not charge["disputed"]:
                    self.payments.refund(charge, _refund_amount(charge, rng), "requested_by_customer", at=at,
                                         emit=False)
                    report.refunds += 1
                elif what == "dispute":
                    reason = rng.choice(("fraudulent", "product_not_received", "duplicate", "general"))
                    dispute = self.disputes.open_dispute(charge, reason=reason, at=at, emit=False)
                    dispute["_wins"] = rng.random() < won_share
                    report.disputes += 1
            day += DAY

    def _replay_day(self, account: dict[str, Any], day: int) -> None:
        """Midnight on one past day: funds released, disputes settled, payouts made and moved along."""
        self.ledger.release_due(day)
        for dispute in self.disputes.needing_response():
            if dispute["_account"] == account["id"] and dispute["evidence_details"]["due_by"] < day:
                if dispute.get("_wins"):
                    dispute["evidence"]["uncategorized_text"] = "Receipt and delivery confirmation attached."
                    dispute["evidence_details"].update(has_evidence=True, submission_count=1,
                                                       submission_method="manual")
                    self.disputes.settle(dispute, won=True, at=dispute["evidence_details"]["due_by"], emit=False)
                else:
                    dispute["evidence_details"]["past_due"] = True
                    self.disputes.settle(dispute, won=False, at=dispute["evidence_details"]["due_by"], emit=False)
        self.payouts.move_along(day)
        schedule = account["settings"]["payouts"]["schedule"]
        if schedule["interval"] != "manual" and next_run(schedule, day - DAY) == day:
            self.payouts.pay_out_scheduled(account, day, emit=False)

    def _generated_charge(self, account_id: str, at: int, rng: random.Random, currencies: Sequence[str],
                          cards: list[dict[str, Any]], fee_percent: float) -> dict[str, Any]:
        currency = currencies[0] if len(currencies) == 1 or rng.random() < 0.7 else rng.choice(currencies[1:])
        amount = max(500, int(rng.lognormvariate(8.0, 0.7)) // 50 * 50)
        fee = round(amount * fee_percent / 100)
        number = rng.randrange(1, 100_000)
        return self.payments.charge(account_id, amount=amount, currency=currency, pm=rng.choice(cards),
                                    fee_amount=fee or None, description=rng.choice(DESCRIPTIONS),
                                    email=f"customer{number}@example.test", customer=None, created=at, emit=False)



def _refund_amount(charge: dict[str, Any], rng: random.Random) -> int:
    left = charge["amount"] - charge["amount_refunded"]
    return left if rng.random() < 0.7 else max(1, left // 2)
