"""The columns of the sales, payouts and payout-transactions tables, and each row's cells as text."""

from __future__ import annotations

from functools import lru_cache

from ...services import money
from ...services.formatting import day
from ...services.earnings import Payout, Sale, Transaction
from ...services.earnings_words import payout_status, payout_when, sale_status
from ..common.paged_model import Column

SALE_COLUMNS = (Column("Date"), Column("Customer"), Column("Description"), Column("Status"),
                Column("Amount", right=True), Column("Fees", right=True), Column("Net", right=True))
PAYOUT_COLUMNS = (Column("Started"), Column("Amount", right=True), Column("Status"), Column("Arrival"))
TRANSACTION_COLUMNS = (Column("Date"), Column("Type"), Column("Description"), Column("Amount", right=True),
                       Column("Fee", right=True), Column("Net", right=True))
TRANSACTION_TYPES = {"charge": "Sale", "payment": "Sale", "refund": "Refund", "payment_refund": "Refund",
                     "adjustment": "Dispute or adjustment", "dispute": "Dispute", "stripe_fee": "Stripe fee",
                     "application_fee": "Platform fee", "payout": "Payout", "payout_failure": "Failed payout"}


@lru_cache(maxsize=4096)
def _day(ts: int, locale: str) -> str:
    return day(ts, locale)


@lru_cache(maxsize=4096)
def _money(amount: int, currency: str, locale: str) -> str:
    return money(amount, currency, locale)


def sale_row(sale: Sale, locale: str) -> tuple[str, ...]:
    fees = (sale.stripe_fee or 0) + sale.platform_fee
    return (_day(sale.created, locale), sale.customer_email or "", sale.description or "", sale_status(sale.status),
            _money(sale.gross, sale.currency, locale), _money(fees, sale.currency, locale),
            _money(sale.net, sale.currency, locale))


def payout_row(payout: Payout, locale: str) -> tuple[str, ...]:
    return (_day(payout.created, locale), _money(payout.amount, payout.currency, locale), payout_status(payout),
            payout_when(payout, locale))


def transaction_row(transaction: Transaction, locale: str) -> tuple[str, ...]:
    kind = TRANSACTION_TYPES.get(transaction.type, transaction.type.replace("_", " ").capitalize())
    currency = transaction.currency
    return (_day(transaction.created, locale), kind, transaction.description or "",
            _money(transaction.amount, currency, locale), _money(-transaction.fee, currency, locale) if transaction.fee else "",
            _money(transaction.net, currency, locale))
