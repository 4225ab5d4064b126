"""The invoice PDF a site owner downloads: a real PDF that says what the invoice says."""

from __future__ import annotations

import re
import zlib
from typing import Any

import pytest

from stripe_sandbox.billing.pdf import render_invoice_pdf
from stripe_sandbox.money import money

ISSUED = 1_764_028_800  # 25 Nov 2025 00:00 UTC
DAY = 86_400


def invoice(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "in_1", "object": "invoice", "number": "7F3A2C1B-0004", "created": ISSUED,
        "due_date": None, "status": "paid", "status_transitions": {"paid_at": ISSUED + 60},
        "customer_name": "Ada Lovelace", "customer_email": "ada@example.com", "currency": "usd",
        "lines": {"object": "list", "data": [
            {"description": "1 \u00d7 Pro (at $25.00 / month)", "amount": 2500, "currency": "usd",
             "period": {"start": ISSUED, "end": ISSUED + 30 * DAY}},
        ]},
        "subtotal": 2500, "total": 2500, "amount_paid": 2500, "amount_due": 2500,
    }
    base.update(changes)
    return base


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def text_of(pdf: bytes) -> bytes:
    """Every shown string in the uncompressed content streams, joined."""
    return b"".join(re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", pdf, re.S))


def test_paid_invoice_is_a_one_page_pdf_with_its_number_lines_and_totals() -> None:
    pdf = render_invoice_pdf(invoice(), {"name": "Ada", "email": "ada@example.com"}, compress=False)
    assert pdf.startswith(b"%PDF-1.") and pdf.rstrip().endswith(b"%%EOF")
    assert pages(pdf) == 1
    text = text_of(pdf)
    for expected in (b"Invoice", b"7F3A2C1B-0004", b"Ada Lovelace", b"ada@example.com", b"Website Builder Platform",
                     b"PAID", b"$25.00 paid on Nov 25, 2025", b"Nov 25, 2025 \x96 Dec 25, 2025",
                     b"Subtotal", b"Amount due", b"Date paid"):
        assert expected in text, expected
    assert 2_000 < len(pdf) < 100_000


def test_compressed_pdf_is_smaller_and_has_the_same_text() -> None:
    plain = render_invoice_pdf(invoice(), {}, compress=False)
    packed = render_invoice_pdf(invoice(), {})
    assert len(packed) < len(plain)
    streams = re.findall(rb"/FlateDecode.*?stream\r?\n(.*?)\r?\nendstream", packed, re.S)
    assert any(b"7F3A2C1B-0004" in zlib.decompress(s) for s in streams)


def test_same_invoice_gives_the_same_bytes() -> None:
    assert render_invoice_pdf(invoice(), {}) == render_invoice_pdf(invoice(), {})


def test_open_invoice_shows_what_is_due_and_where_to_pay() -> None:
    pdf = render_invoice_pdf(invoice(status="open", due_date=ISSUED + 30 * DAY, amount_paid=0,
                                     status_transitions={"paid_at": None},
                                     hosted_invoice_url="http://127.0.0.1:9/i/in_1"), {}, compress=False)
    text = text_of(pdf)
    assert b"OPEN" in text and b"$25.00 due Dec 25, 2025" in text and b"Date due" in text
    assert b"Date paid" not in text and b"PAID" not in text
    assert b"Pay online" in text and b"/URI (http://127.0.0.1:9/i/in_1)" in pdf


def test_void_invoice_is_stamped_void() -> None:
    assert b"VOID" in text_of(render_invoice_pdf(invoice(status="void"), {}, compress=False))


def test_customer_from_the_customer_object_when_the_invoice_has_none() -> None:
    pdf = render_invoice_pdf(invoice(customer_name=None, customer_email=None),
                             {"name": "Grace Hopper", "email": "grace@example.com"}, compress=False)
    assert b"Grace Hopper" in text_of(pdf) and b"grace@example.com" in text_of(pdf)


def test_many_lines_flow_onto_more_pages_with_numbered_footers() -> None:
    lines = [{"description": f"Usage line {i}", "amount": 100, "period": {"start": ISSUED, "end": ISSUED}}
             for i in range(80)]
    pdf = render_invoice_pdf(invoice(lines={"data": lines}, subtotal=8000, total=8000), {}, compress=False)
    assert pages(pdf) >= 3
    text = text_of(pdf)
    assert b"Usage line 79" in text and b"Page 1 of " in text and b"$80.00" in text


@pytest.mark.parametrize("amount, currency, shown", [
    (2500, "usd", b"$25.00"), (2500, "eur", b"\x8025.00"), (2500, "jpy", b"\xa52,500"), (12345, "inr", b"INR\xa0123.45"),
])
def test_amounts_in_minor_units_are_printed_in_their_currency(amount: int, currency: str, shown: bytes) -> None:
    pdf = render_invoice_pdf(invoice(currency=currency, total=amount, lines={"data": []}), {}, compress=False)
    assert shown in text_of(pdf)


def test_names_outside_the_font_do_not_break_the_pdf() -> None:
    pdf = render_invoice_pdf(invoice(customer_name="\u674e\u5c0f\u9f99 \U0001f600", number=None, status="draft"),
                             {}, compress=False)
    text = text_of(pdf)
    assert b"DRAFT" in text and b"Draft" in text and b"???" in text


def test_money_formats_minor_units() -> None:
    assert money(2500, "usd") == "$25.00"
    assert money(None, None) == "$0.00"
    assert money(1000, "JPY") == "\u00a51,000"


@pytest.mark.parametrize("changes, owed", [
    ({"status": "paid"}, b"$0.00"),
    ({"status": "open", "amount_paid": 0, "amount_remaining": 2500}, b"$25.00"),
    ({"status": "open", "amount_paid": 1000, "amount_remaining": None}, b"$15.00"),
    ({"status": "void", "amount_paid": 0}, b"$0.00"),
])
def test_amount_due_is_what_is_left_to_pay(changes: dict[str, Any], owed: bytes) -> None:
    text = text_of(render_invoice_pdf(invoice(**changes), {}, compress=False))
    assert b"Amount due" + owed in text
