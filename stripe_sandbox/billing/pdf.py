"""Invoice PDFs for the sandbox, laid out like the ones Stripe sends.

The PDF is what a site owner downloads, files and forwards to an accountant, so it must be a real,
readable document: fpdf2 with the built-in Helvetica (no font files to ship), text in Windows-1252
so that the euro sign, bullets and dashes print, anything else replaced rather than crashing.
The creation date is the invoice's own, so one invoice always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from babel.numbers import format_currency, get_currency_precision
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from stripe_sandbox.money import LOCALE, money, still_owed
from stripe_sandbox.periods import day, period

_ENCODING = "cp1252"

# The stamp beside the title: label and colour per invoice status.
_STAMPS: dict[str, tuple[str, tuple[int, int, int]]] = {
    "paid": ("PAID", (26, 127, 55)),
    "open": ("OPEN", (176, 110, 0)),
    "void": ("VOID", (110, 110, 120)),
    "uncollectible": ("UNCOLLECTIBLE", (192, 40, 40)),
    "draft": ("DRAFT", (110, 110, 120)),
}
_INK = (26, 31, 54)
_MUTED = (105, 115, 134)
_RULE = (222, 226, 233)
_LINK = (99, 91, 255)
_HEADINGS = FontFace(family="Helvetica", emphasis="BOLD", size_pt=9, color=_MUTED)


def _printable(text: object) -> str:
    """Text the core fonts can print: unknown characters become '?' instead of an exception."""
    return str(text).encode(_ENCODING, "replace").decode(_ENCODING)


def _pdf_money(amount: int | None, currency: str | None) -> str:
    """money(), falling back to the ISO code when the symbol (e.g. the rupee) has no glyph."""
    text = money(amount, currency)
    try:
        text.encode(_ENCODING)
    except UnicodeEncodeError:
        code = (currency or "usd").upper()
        text = format_currency((amount or 0) / 10 ** get_currency_precision(code), code,
                               format="\u00a4\u00a4\u00a0#,##0.00", locale=LOCALE)
    return _printable(text)


class _InvoiceDocument(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = _ENCODING
        self._footer_text = footer_text
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=22)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_draw_color(*_RULE)
        self.line(self.l_margin, self.get_y() - 2, self.w - self.r_margin, self.get_y() - 2)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(*_MUTED)
        self.cell(0, 5, self._footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")


def _get(obj: Mapping[str, Any] | None, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def render_invoice_pdf(invoice: Mapping[str, Any], customer: Mapping[str, Any] | None, *,
                       business_name: str = "Website Builder Platform", compress: bool = True) -> bytes:
    """A one-or-more page invoice PDF; `compress=False` leaves the text readable in the bytes (tests)."""
    currency = invoice.get("currency") or "usd"
    number = invoice.get("number") or "Draft"
    status = (invoice.get("status") or "draft").lower()
    customer = customer or {}
    name = invoice.get("customer_name") or customer.get("name") or ""
    email = invoice.get("customer_email") or customer.get("email") or ""
    paid_at = _get(invoice, "status_transitions", "paid_at")
    created = invoice.get("created") or 0

    pdf = _InvoiceDocument(_printable(f"{business_name} \u00b7 Invoice {number}"))
    pdf.set_compression(compress)
    pdf.set_creation_date(datetime.fromtimestamp(created, timezone.utc))
    pdf.set_title(_printable(f"Invoice {number}"))
    pdf.set_author(_printable(business_name))
    pdf.set_creator("Billing Manager sandbox")
    pdf.set_lang("en")
    pdf.alias_nb_pages()
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    _title(pdf, status)
    _facts(pdf, number, created, invoice.get("due_date"), paid_at, status)
    _parties(pdf, business_name, name, email, width)
    _headline(pdf, invoice, currency, status, paid_at)
    _lines(pdf, invoice, currency, width)
    _totals(pdf, invoice, currency, width)
    return bytes(pdf.output())


def _title(pdf: FPDF, status: str) -> None:
    pdf.set_text_color(*_INK)
    pdf.set_font("Helvetica", "B", 24)
    pdf.cell(60, 12, "Invoice", new_x=XPos.RIGHT, new_y=YPos.TOP)
    label, colour = _STAMPS.get(status, (status.upper(), _MUTED))
    pdf.set_font("Helvetica", "B", 11)
    stamp_w = pdf.get_string_width(label) + 10
    x = pdf.w - pdf.r_margin - stamp_w
    y = pdf.get_y() + 2
    pdf.set_draw_color(*colour)
    pdf.set_text_color(*colour)
    pdf.set_line_width(0.6)
    pdf.rect(x, y, stamp_w, 8, style="D", round_corners=True, corner_radius=1.5)
    pdf.set_xy(x, y)
    pdf.cell(stamp_w, 8, _printable(label), align="C")
    pdf.set_line_width(0.2)
    pdf.set_xy(pdf.l_margin, y + 14)


def _facts(pdf: FPDF, number: str, created: int, due: int | None, paid_at: int | None, status: str) -> None:
    rows = [("Invoice number", number), ("Date of issue", day(created))]
    if due:
        rows.append(("Date due", day(due)))
    if paid_at and status == "paid":
        rows.append(("Date paid", day(paid_at)))
    for label, value in rows:
        pdf.set_font("Helvetica", "", 10)
        pdf.set_text_color(*_MUTED)
        pdf.cell(38, 5.5, label)
        pdf.set_text_color(*_INK)
        pdf.cell(0, 5.5, _printable(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(7)


def _parties(pdf: FPDF, business_name: str, name: str, email: str, width: float) -> None:
    half = width / 2
    top = pdf.get_y()
    pdf.set_font("Helvetica", "B", 10)
    pdf.set_text_color(*_INK)
    pdf.multi_cell(half - 4, 5.5, _printable(business_name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.cell(half, 5.5, "Bill to", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    for text in (name, email):
        if text:
            pdf.multi_cell(half, 5.5, _printable(text), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.get_y()) + 8)


def _headline(pdf: FPDF, invoice: Mapping[str, Any], currency: str, status: str, paid_at: int | None) -> None:
    if status == "paid":
        text = f"{_pdf_money(invoice.get('amount_paid'), currency)} paid on {day(paid_at or invoice.get('created'))}"
    elif status == "open":
        due = invoice.get("due_date")
        text = f"{_pdf_money(still_owed(invoice), currency)} due" + (f" {day(due)}" if due else "")
    elif status == "void":
        text = f"{_pdf_money(invoice.get('total'), currency)}, voided: nothing to pay"
    else:
        text = f"{_pdf_money(invoice.get('amount_due'), currency)} {status}"
    pdf.set_font("Helvetica", "B", 16)
    pdf.set_text_color(*_INK)
    pdf.cell(0, 9, _printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    url = invoice.get("hosted_invoice_url")
    if status == "open" and url:
        pdf.set_font("Helvetica", "U", 10)
        pdf.set_text_color(*_LINK)
        pdf.cell(0, 6, "Pay online", link=url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)


def _lines(pdf: FPDF, invoice: Mapping[str, Any], currency: str, width: float) -> None:
    lines = _get(invoice, "lines", "data") or []
    pdf.set_draw_color(*_RULE)
    pdf.set_font("Helvetica", "", 10)
    with pdf.table(col_widths=(width * 0.5, width * 0.32, width * 0.18), text_align=("LEFT", "LEFT", "RIGHT"),
                   borders_layout="HORIZONTAL_LINES", line_height=6, padding=(2, 1),
                   headings_style=_HEADINGS, first_row_as_headings=True) as table:
        table.row(("Description", "Period", "Amount"))
        for line in lines:
            table.row((
                _printable(line.get("description") or ""),
                _printable(period(_get(line, "period", "start"), _get(line, "period", "end"))),
                _pdf_money(line.get("amount"), line.get("currency") or currency),
            ))
        if not lines:
            table.row(("No line items", "", _pdf_money(0, currency)))
    pdf.ln(4)


def _totals(pdf: FPDF, invoice: Mapping[str, Any], currency: str, width: float) -> None:
    rows = [
        ("Subtotal", invoice.get("subtotal"), False),
        ("Total", invoice.get("total"), False),
        ("Amount paid", invoice.get("amount_paid"), False),
        ("Amount due", still_owed(invoice), True),
    ]
    label_w, value_w = width * 0.3, width * 0.2
    x = pdf.l_margin + width - label_w - value_w
    if pdf.will_page_break(6.5 * len(rows) + 2):
        pdf.add_page()
    for label, amount, strong in rows:
        pdf.set_x(x)
        if strong:
            pdf.set_draw_color(*_RULE)
            pdf.line(x, pdf.get_y(), x + label_w + value_w, pdf.get_y())
        pdf.set_font("Helvetica", "B" if strong else "", 10)
        pdf.set_text_color(*(_INK if strong else _MUTED))
        pdf.cell(label_w, 6.5, label)
        pdf.set_text_color(*_INK)
        pdf.cell(value_w, 6.5, _pdf_money(amount, currency), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
