"""Invoices and invoice previews as the desktop sees them. Pure: no I/O."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from server_bridge.api import schemas
from server_bridge.billing.stripe_objects import Invoice


def invoice_period(invoice: Invoice) -> tuple[int, int]:
    """The service period of the invoice's subscription line, else the invoice's own period."""
    for line in invoice.lines.data:
        if line.period.start and line.period.end:
            return line.period.start, line.period.end
    return invoice.period_start, invoice.period_end


def invoice_failed(invoice: Invoice | None) -> bool:
    """Open or uncollectible after a failed attempt to charge it."""
    if invoice is None:
        return False
    return invoice.status == "uncollectible" or (invoice.status == "open" and invoice.attempt_count > 0)


def shape_invoice(invoice: Invoice, refunded: int = 0) -> schemas.Invoice:
    start, end = invoice_period(invoice)
    return schemas.Invoice(
        id=invoice.id, number=invoice.number, status=invoice.status or "draft", total=invoice.total,
        amount_due=invoice.amount_due, amount_paid=invoice.amount_paid, currency=invoice.currency,
        created=invoice.created, period_start=start, period_end=end,
        hosted_invoice_url=invoice.hosted_invoice_url, has_pdf=bool(invoice.invoice_pdf),
        payment_failed=invoice_failed(invoice), next_payment_attempt=invoice.next_payment_attempt,
        amount_refunded=refunded)


def shape_preview_lines(preview: Invoice) -> list[schemas.PreviewLine]:
    return [schemas.PreviewLine(description=line.description, amount=line.amount,
                                period_start=line.period.start or 0, period_end=line.period.end or 0)
            for line in preview.lines.data]


def pdf_filename(invoice: Invoice) -> str:
    """invoice-<number>.pdf, the number's letters and digits kept in whatever script it is written."""
    safe = "".join(c for c in (invoice.number or invoice.id) if c.isalnum() or c in "-_")
    return f"invoice-{safe or 'download'}.pdf"


def attachment(filename: str) -> str:
    """A Content-Disposition for a download called `filename` (RFC 6266): the name itself as an RFC 5987
    `filename*` (UTF-8, percent-encoded), and an ASCII `filename` for clients that do not read it
    (accents dropped, other letters left out)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"-{2,}", "-", "".join(c for c in ascii_name if c.isalnum() or c in "-_."))
    return f"attachment; filename=\"{ascii_name or 'download'}\"; filename*=UTF-8''{quote(filename, safe='')}"
