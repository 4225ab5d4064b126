"""Stripe Connect in the sandbox: connected accounts and the money on them.

`Connect(store)` is the front its users hold (the API's route table, the clock, invoice payments, the
hosted pages, the control API, the demo seed). It makes the parts, each over the one `Ledger` of the
store, and hands every call to the part it is about:

- `accounts` (accounts.py): connected accounts, capabilities, account and login links, onboarding;
- `payments` (payments.py): payment intents, charges, refunds, application fees;
- `disputes` (disputes.py): disputes from opening to won or lost;
- `payouts` (payouts.py): automatic and manual payouts;
- `sales` (sales.py): a connected account's sales history, made in bulk;
- `ledger` (ledger.py): what they share: objects by account, balance transactions, balances, paging.
"""

from __future__ import annotations

from stripe_sandbox.connect.accounts import Accounts
from stripe_sandbox.connect.disputes import Disputes
from stripe_sandbox.connect.ledger import Due, Ledger
from stripe_sandbox.connect.payments import Payments
from stripe_sandbox.connect.payouts import Payouts
from stripe_sandbox.connect.sales import SalesGenerator
from stripe_sandbox.store import Store


class Connect:
    """Connect on one store. Cheap to make (`Connect(store)`): its state is the store's."""

    def __init__(self, store: Store) -> None:
        self.ledger = Ledger(store)
        self.accounts = Accounts(self.ledger)
        self.disputes = Disputes(self.ledger)
        self.payments = Payments(self.ledger, self.disputes)
        self.payouts = Payouts(self.ledger, self.accounts)
        self.sales = SalesGenerator(self.ledger, self.accounts, self.payments, self.disputes, self.payouts)

    def due(self, until: int) -> list[Due]:
        """Connect's work at or before `until` (the clock runs the earliest first): pending funds released,
        reviews and deadlines on accounts, payouts made and moved along, disputes lost for want of evidence."""
        return (self.ledger.due(until) + self.accounts.due(until) + self.payouts.due(until)
                + self.disputes.due(until))


__all__ = ["Connect"]
