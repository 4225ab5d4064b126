"""The invoice table model on its own: Qt's model checks, lazy paging in the background, one fetch at a time."""

from __future__ import annotations

import threading

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from desktop_app.services import BridgeUnreachable, Invoice, InvoicePage
from desktop_app.ui.plan.invoice_model import INVOICE_ROLE, InvoiceModel
from desktop_app.ui.common.worker import WorkerPool


def make_invoice(n: int, **changes: object) -> Invoice:
    data = {"id": f"in_{n:04d}", "number": f"ABC-{n:04d}", "status": "paid", "total": 2500, "amount_due": 2500,
            "amount_paid": 2500, "currency": "usd", "created": 1760000000 - n * 86400 * 30,
            "period_start": 1760000000 - n * 86400 * 30, "period_end": 1762592000 - n * 86400 * 30,
            "hosted_invoice_url": f"https://example.test/i/in_{n:04d}", "has_pdf": True}
    data.update(changes)
    return Invoice.from_json(data)


class Pages:
    """Invoices newest first, served page by page like the bridge; can hold a page back or fail."""

    def __init__(self, count: int, size: int = 5) -> None:
        self.invoices = [make_invoice(n) for n in range(count)]
        self.size = size
        self.calls: list[str | None] = []
        self.gate = threading.Event()
        self.gate.set()
        self.fail_next = False

    def first(self) -> InvoicePage:
        return InvoicePage(self.invoices[:self.size], len(self.invoices) > self.size)

    def __call__(self, starting_after: str | None) -> InvoicePage:
        self.calls.append(starting_after)
        self.gate.wait(10)
        if self.fail_next:
            self.fail_next = False
            raise BridgeUnreachable("down")
        start = 0 if starting_after is None else [i.id for i in self.invoices].index(starting_after) + 1
        chunk = self.invoices[start:start + self.size]
        return InvoicePage(chunk, start + self.size < len(self.invoices))


def test_the_model_passes_qts_checks_while_paging(qtbot, qtmodeltester) -> None:
    pages = Pages(12)
    model = InvoiceModel(WorkerPool())
    first = pages.first()
    model.reset(first.invoices, first.has_more, pages)
    qtmodeltester.check(model, force_py=True)
    while model.has_more:
        model.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda: not model.loading)
    assert model.rowCount() == 12
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(0, 0)) == "ABC-0000"
    assert model.data(model.index(0, 3)) == "$25.00"
    assert model.data(model.index(0, 4)) == "Paid"
    assert model.data(model.index(11, 0), INVOICE_ROLE).id == "in_0011"
    assert model.headerData(3, Qt.Orientation.Horizontal) == "Amount"


def test_only_one_page_is_fetched_at_a_time_and_the_gui_never_waits(qtbot) -> None:
    pages = Pages(20)
    pages.gate.clear()
    model = InvoiceModel(WorkerPool())
    first = pages.first()
    model.reset(first.invoices, first.has_more, pages)
    model.fetchMore(QModelIndex())           # returns at once though the page is held back
    assert model.loading and not model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    pages.gate.set()
    qtbot.waitUntil(lambda: model.rowCount() == 10)
    assert pages.calls == ["in_0004"]


def test_a_failed_page_can_be_retried_and_a_reset_drops_late_pages(qtbot) -> None:
    pages = Pages(10)
    model = InvoiceModel(WorkerPool())
    first = pages.first()
    model.reset(first.invoices, first.has_more, pages)
    pages.fail_next = True
    with qtbot.waitSignal(model.failed) as failure:
        model.fetchMore(QModelIndex())
    assert isinstance(failure.args[0], BridgeUnreachable)
    assert model.canFetchMore(QModelIndex()) and model.rowCount() == 5

    pages.gate.clear()
    model.fetchMore(QModelIndex())
    other = Pages(3)
    model.reset(other.first().invoices, False, other)   # signed in as someone else meanwhile
    pages.gate.set()
    assert WorkerPool().wait_for_done()
    QApplication.processEvents()  # deliver the late page (to be dropped)
    assert [model.invoice(r).id for r in range(model.rowCount())] == ["in_0000", "in_0001", "in_0002"]
    assert not model.canFetchMore(QModelIndex())


def test_drafts_and_unknown_statuses_read_well(qtbot) -> None:
    model = InvoiceModel(WorkerPool())
    model.reset([make_invoice(1, number=None, status="draft", has_pdf=False),
                 make_invoice(2, status="uncollectible", currency="eur", total=1999)], False, None)
    assert model.data(model.index(0, 0)) == "Draft"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == "No PDF yet (draft)"
    assert model.data(model.index(1, 4)) == "Unpaid"
    assert "19.99" in model.data(model.index(1, 3))
