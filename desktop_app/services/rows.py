"""The columns of the invoices, sales, payouts and payout-transactions tables, and each row's cells as text.

Qt-free: the paged table model (ui/common/paged_model.py) formats a page's cells once, on the worker that
fetched it. Dates and amounts repeat from row to row (an invoice's period shares its dates with the next),
so they are cached per locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .answers import Invoice
from .earnings import Payout, Sale, Transaction
from .earnings_words import payout_status, payout_when, sale_status
from .formatting import day, invoice_status, money


@dataclass(frozen=True)
class Column:
    heading: str
    right: bool = False     # amounts sit right, the rest left


INVOICE_COLUMNS = (Column("Number"), Column("Date"), Column("Period"), Column("Amount", right=True),
                   Column("Status"))
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


def invoice_row(invoice: Invoice, locale: str) -> tuple[str, ...]:
    period = ""
    if invoice.period_start and invoice.period_end:
        period = f"{_day(invoice.period_start, locale)} – {_day(invoice.period_end, locale)}"
    return (invoice.number or "Draft", _day(invoice.created, locale), period,
            _money(invoice.total, invoice.currency, locale), invoice_status(invoice, locale))


def invoice_tip(invoice: Invoice, column: int) -> str | None:
    """Why a draft's number cell offers no PDF."""
    return "No PDF yet (draft)" if column == 0 and not invoice.has_pdf else None


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
            _money(transaction.amount, currency, locale),
            _money(-transaction.fee, currency, locale) if transaction.fee else "", _money(transaction.net, currency, locale))
