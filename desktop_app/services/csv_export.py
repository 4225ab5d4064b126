"""The invoice list as CSV for the owner's bookkeeping: plain amounts (not locale-formatted) so a
spreadsheet can sum them, ISO dates in the owner's time zone (as the invoice table shows them), UTF-8 with
a BOM so Excel reads the file correctly."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ._atomic import write_atomic
from .answers import Invoice
from .formatting import major_units

if TYPE_CHECKING:
    from .earnings import Transaction

HEADER = ["Number", "Date", "Period start", "Period end", "Status", "Total", "Amount due", "Amount paid",
          "Currency", "Invoice page"]


def _date(ts: int | None) -> str:
    return dt.datetime.fromtimestamp(ts).date().isoformat() if ts else ""


def _amount(amount: int, currency: str) -> str:
    return f"{major_units(amount, currency):f}"


def _cell(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def invoices_csv(invoices: Sequence[Invoice]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for inv in invoices:
        writer.writerow([
            _cell(inv.number or inv.id), _date(inv.created), _date(inv.period_start), _date(inv.period_end),
            _cell(inv.status), _amount(inv.total, inv.currency), _amount(inv.amount_due, inv.currency),
            _amount(inv.amount_paid, inv.currency), inv.currency.upper(), _cell(inv.hosted_invoice_url or ""),
        ])
    return out.getvalue()


def write_invoices_csv(invoices: Sequence[Invoice], path: Path) -> None:
    write_atomic(Path(path), invoices_csv(invoices).encode("utf-8-sig"))


TRANSACTION_HEADER = ["Date", "Type", "Category", "Description", "Amount", "Fee", "Net", "Currency", "Available on",
                      "Id"]


def transactions_csv(transactions: Iterable[Transaction]) -> str:
    """A payout's balance transactions, amounts as plain numbers (fees positive, as Stripe reports them)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TRANSACTION_HEADER)
    for t in transactions:
        writer.writerow([_date(t.created), _cell(t.type), _cell(t.reporting_category or ""), _cell(t.description or ""),
                         _amount(t.amount, t.currency), _amount(t.fee, t.currency), _amount(t.net, t.currency),
                         t.currency.upper(), _date(t.available_on), _cell(t.id)])
    return out.getvalue()


def write_transactions_csv(transactions: Iterable[Transaction], path: Path) -> None:
    write_atomic(Path(path), transactions_csv(transactions).encode("utf-8-sig"))
