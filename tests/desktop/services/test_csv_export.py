from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from desktop_app.services import Invoice, write_invoices_csv
from desktop_app.services.csv_export import HEADER
from tests.support import desktop_samples


def local(y: int, m: int, d: int) -> int:
    return int(dt.datetime(y, m, d, 12).timestamp())


def read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_header_and_rows(tmp_path: Path) -> None:
    jan, feb = local(2026, 1, 1), local(2026, 2, 1)
    invoices = [Invoice.from_json(desktop_samples.invoice(1, created=jan, period_start=jan, period_end=feb)),
                Invoice.from_json(desktop_samples.invoice(2, currency="jpy", total=2500, amount_due=2500, amount_paid=0,
                                                          status="open"))]
    path = tmp_path / "invoices.csv"
    write_invoices_csv(invoices, path)
    rows = read(path)
    assert rows[0] == HEADER
    assert rows[1][:9] == ["ABC-0001", "2026-01-01", "2026-01-01", "2026-02-01", "paid", "25.00", "25.00", "25.00",
                           "USD"]
    assert rows[2][4:9] == ["open", "2500", "2500", "0", "JPY"]
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_quoting_and_formula_cells(tmp_path: Path) -> None:
    invoices = [Invoice.from_json(desktop_samples.invoice(1, number='A,"B"\nC')),
                Invoice.from_json(desktop_samples.invoice(2, number="=HYPERLINK(\"x\")")),
                Invoice.from_json(desktop_samples.invoice(3, number=None, period_start=0, period_end=0,
                                                          hosted_invoice_url=None))]
    path = tmp_path / "invoices.csv"
    write_invoices_csv(invoices, path)
    rows = read(path)
    assert rows[1][0] == 'A,"B"\nC'
    assert rows[2][0] == "'=HYPERLINK(\"x\")"
    assert rows[3][0] == "in_0003" and rows[3][2:4] == ["", ""] and rows[3][9] == ""
    assert len(rows) == 4


def test_empty_list_is_just_the_header(tmp_path: Path) -> None:
    path = tmp_path / "none.csv"
    write_invoices_csv([], path)
    assert read(path) == [HEADER]
