"""The paged table model on its own, without a window: Qt's model checks, paging in the background, a few
pages in memory; shown as the sales table and as the invoice table (its cells, tooltips, a new owner)."""

from __future__ import annotations

import threading

import msgspec
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from desktop_app.services import BridgeUnreachable, Invoice
from desktop_app.services.earnings import Page, Sale
from desktop_app.services.rows import INVOICE_COLUMNS, SALE_COLUMNS, invoice_row, invoice_tip, sale_row
from desktop_app.ui.common.paged_model import LOADING, ROW_ROLE, PagedModel
from desktop_app.ui.common.worker import WorkerPool


def make_sale(n: int) -> Sale:
    return Sale(id=f"ch_{n:06d}", created=1767268800 - n * 3600, gross=2500 + n, currency="usd", status="succeeded",
                net=2272 + n, stripe_fee=103, platform_fee=125, description=f"Order #{n}",
                customer_email=f"c{n}@example.com")


class Sales:
    """Sales newest first, served like the bridge (cursor paging); can hold a page back or fail."""

    def __init__(self, count: int, size: int = 10) -> None:
        self.count, self.size = count, size
        self.calls: list[str | None] = []
        self.gate = threading.Event()
        self.gate.set()
        self.fail_next = False

    def __call__(self, after: str | None) -> Page:
        self.calls.append(after)
        self.gate.wait(10)
        if self.fail_next:
            self.fail_next = False
            raise BridgeUnreachable("down")
        start = 0 if after is None else int(after[3:]) + 1
        end = min(self.count, start + self.size)
        return Page(tuple(make_sale(n) for n in range(start, end)), end < self.count)


def model_for(sales: Sales, keep_pages: int = 3) -> PagedModel:
    return PagedModel(WorkerPool(), SALE_COLUMNS, sale_row, keep_pages=keep_pages)


def scroll_to_end(model: PagedModel, qtbot) -> None:  # noqa: ANN001
    while model.has_more:
        model.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda: not model.loading)


def test_the_model_passes_qts_checks_while_paging(qtbot, qtmodeltester) -> None:
    sales = Sales(35)
    model = model_for(sales)
    model.reset(sales)
    qtbot.waitUntil(lambda: model.rowCount() == 10)
    qtmodeltester.check(model, force_py=True)
    scroll_to_end(model, qtbot)
    assert model.rowCount() == 35
    qtmodeltester.check(model, force_py=True)
    assert [model.data(model.index(0, c)) for c in range(7)] == [
        "Jan 1, 2026", "c0@example.com", "Order #0", "Paid", "$25.00", "$2.28", "$22.72"]
    assert model.headerData(4, Qt.Orientation.Horizontal) == "Amount"
    assert model.data(model.index(0, 4), Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight


def test_only_a_few_pages_stay_in_memory_and_old_ones_come_back_through_their_cursor(qtbot) -> None:
    sales = Sales(200)
    model = model_for(sales, keep_pages=3)
    model.reset(sales)
    scroll_to_end(model, qtbot)
    assert model.rowCount() == 200 and model.pages_in_memory == 3
    assert sales.calls == [None] + [f"ch_{n:06d}" for n in range(9, 199, 10)]

    sales.calls.clear()
    assert model.data(model.index(42, 1)) is None and model.data(model.index(42, 0)) == LOADING
    qtbot.waitUntil(lambda: model.data(model.index(42, 1)) == "c42@example.com")
    assert sales.calls == ["ch_000039"]     # page 4 again, from the id before it
    assert model.data(model.index(45, 0), ROW_ROLE).id == "ch_000045"
    assert model.pages_in_memory == 3
    assert model.leading_rows() == []       # the first page is out of memory: an export starts from the bridge


def test_one_page_at_a_time_and_the_gui_never_waits(qtbot) -> None:
    sales = Sales(30)
    model = model_for(sales)
    model.reset(sales, first=sales(None))
    sales.calls.clear()
    sales.gate.clear()
    model.fetchMore(QModelIndex())            # returns at once though the page is held back
    assert model.loading and not model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    sales.gate.set()
    qtbot.waitUntil(lambda: model.rowCount() == 20)
    assert sales.calls == ["ch_000009"]


def test_a_failed_page_can_be_retried_and_new_filters_drop_late_pages(qtbot) -> None:
    sales = Sales(30)
    model = model_for(sales)
    model.reset(sales, first=sales(None))
    sales.fail_next = True
    with qtbot.waitSignal(model.failed) as failure:
        model.fetchMore(QModelIndex())
    assert isinstance(failure.args[0], BridgeUnreachable)
    assert model.canFetchMore(QModelIndex()) and model.rowCount() == 10

    sales.gate.clear()
    model.fetchMore(QModelIndex())
    other = Sales(3)
    model.reset(other, first=other(None))     # the owner typed a search meanwhile
    sales.gate.set()
    assert WorkerPool().wait_for_done()
    QApplication.processEvents()              # deliver the late page (to be dropped)
    assert [model.item(r).id for r in range(model.rowCount())] == ["ch_000000", "ch_000001", "ch_000002"]
    assert not model.canFetchMore(QModelIndex())


def test_a_live_refresh_updates_the_first_page_in_place_and_new_sales_start_over(qtbot) -> None:
    sales = Sales(30)
    model = model_for(sales)
    model.reset(sales, first=sales(None))
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.rowCount() == 20)
    first = sales(None)
    changed = Page((msgspec.structs.replace(first.data[0], status="disputed"), *first.data[1:]), True)
    with qtbot.waitSignal(model.dataChanged):
        model.update_first(changed, sales)
    assert model.rowCount() == 20 and model.data(model.index(0, 3)) == "Disputed"
    newer = Page((make_sale(-1), *first.data[:9]), True)
    with qtbot.waitSignal(model.modelReset):
        model.update_first(newer, sales)
    assert model.rowCount() == 10 and model.item(0).id == "ch_-00001"


def make_invoice(n: int, **changes: object) -> Invoice:
    data = {"id": f"in_{n:04d}", "number": f"ABC-{n:04d}", "status": "paid", "total": 2500, "amount_due": 2500,
            "amount_paid": 2500, "currency": "usd", "created": 1760000000 - n * 86400 * 30,
            "period_start": 1760000000 - n * 86400 * 30, "period_end": 1762592000 - n * 86400 * 30,
            "hosted_invoice_url": f"https://example.test/i/in_{n:04d}", "has_pdf": True}
    data.update(changes)
    return Invoice.from_json(data)


class Invoices:
    """Invoices newest first, served page by page like the bridge; can hold a page back."""

    def __init__(self, count: int, size: int = 5) -> None:
        self.invoices = [make_invoice(n) for n in range(count)]
        self.size = size
        self.gate = threading.Event()
        self.gate.set()

    def first(self) -> Page:
        return Page(tuple(self.invoices[:self.size]), len(self.invoices) > self.size)

    def __call__(self, after: str | None) -> Page:
        self.gate.wait(10)
        start = 0 if after is None else [i.id for i in self.invoices].index(after) + 1
        return Page(tuple(self.invoices[start:start + self.size]), start + self.size < len(self.invoices))


def invoice_model() -> PagedModel:
    return PagedModel(WorkerPool(), INVOICE_COLUMNS, invoice_row, tip=invoice_tip)


def test_the_invoice_table_passes_qts_checks_while_paging(qtbot, qtmodeltester) -> None:
    invoices = Invoices(12)
    model = invoice_model()
    model.update_first(invoices.first(), invoices)
    qtmodeltester.check(model, force_py=True)
    scroll_to_end(model, qtbot)
    assert model.rowCount() == 12
    qtmodeltester.check(model, force_py=True)
    assert [model.data(model.index(0, c)) for c in (0, 3, 4)] == ["ABC-0000", "$25.00", "Paid"]
    assert model.data(model.index(11, 0), ROW_ROLE).id == "in_0011"
    assert model.headerData(3, Qt.Orientation.Horizontal) == "Amount"
    assert [i.id for i in model.leading_rows()] == [f"in_{n:04d}" for n in range(12)]


def test_drafts_and_unknown_statuses_read_well(qtbot) -> None:
    model = invoice_model()
    model.update_first(Page((make_invoice(1, number=None, status="draft", has_pdf=False),
                             make_invoice(2, status="uncollectible", currency="eur", total=1999)), False), Invoices(0))
    assert model.data(model.index(0, 0)) == "Draft"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == "No PDF yet (draft)"
    assert model.data(model.index(1, 0), Qt.ItemDataRole.ToolTipRole) is None
    assert model.data(model.index(1, 4)) == "Unpaid"
    assert "19.99" in model.data(model.index(1, 3))


def test_another_owners_invoices_start_over_and_drop_a_late_page(qtbot) -> None:
    mine = Invoices(10)
    model = invoice_model()
    model.update_first(mine.first(), mine)
    with qtbot.assertNotEmitted(model.modelReset):
        model.update_first(mine.first(), mine)    # the same first page again: nothing starts over
    mine.gate.clear()
    model.fetchMore(QModelIndex())
    other = Invoices(3)
    other.invoices = [make_invoice(n + 500) for n in range(3)]
    model.update_first(other.first(), other)  # signed in as someone else meanwhile
    mine.gate.set()
    assert WorkerPool().wait_for_done()
    QApplication.processEvents()              # deliver the late page (to be dropped)
    assert [model.item(r).id for r in range(model.rowCount())] == ["in_0500", "in_0501", "in_0502"]
    assert not model.canFetchMore(QModelIndex())
