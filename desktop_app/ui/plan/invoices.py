"""Invoices: the paged table, PDF downloads with progress and cancel, the hosted page, CSV export."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QModelIndex, QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QProgressBar, QPushButton,
                               QTableView, QVBoxLayout, QWidget)

from ...services import DownloadCancelled, Invoice, write_invoices_csv
from ...services.earnings import Page
from ...services.rows import INVOICE_COLUMNS, invoice_row, invoice_tip
from ..common import theme
from ..common.errors import report
from ..common.paged_model import PagedModel
from ..common.widgets import muted, title
from .billing_state import Billing

if TYPE_CHECKING:
    from ...services import BridgeClient

STEPS = 1000  # progress steps per invoice


class _Progress(QObject):
    """Created on the GUI thread; emitted from the worker, so the bar moves on the GUI thread."""

    moved = Signal(int, int, int)   # invoice index, bytes done, bytes total (-1 unknown)


class InvoicesPage(QWidget):
    downloaded = Signal(list)     # the saved paths
    exported = Signal(str)

    def __init__(self, billing: Billing, *, default_folder: Callable[[], Path],
                 remember_folder: Callable[[Path], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.billing = billing
        self.default_folder = default_folder
        self.remember_folder = remember_folder
        self.model = PagedModel(billing.pool, INVOICE_COLUMNS, invoice_row, tip=invoice_tip, parent=self)
        self._cancel = threading.Event()
        self._downloading = False

        layout = QVBoxLayout(self)
        margin = theme.em(self, 1.5)
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.setSpacing(theme.em(self, 0.6))
        layout.addWidget(title("Invoices", self))

        self.table = QTableView(self)   # gets its model when the page is first shown: see attach_view
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(self._open_row)
        layout.addWidget(self.table, 1)

        self.note = muted("", self)
        layout.addWidget(self.note)

        progress_row = QHBoxLayout()
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel_download)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        layout.addLayout(progress_row)
        self.progress.hide()
        self.cancel_button.hide()

        buttons = QHBoxLayout()
        self.download_button = QPushButton(theme.icon("download"), "Download PDF", self)
        self.download_button.clicked.connect(lambda: self.download_selected())
        self.open_button = QPushButton(theme.icon("external"), "Open invoice page", self)
        self.open_button.clicked.connect(self.open_selected)
        self.export_button = QPushButton(theme.icon("export"), "Export CSV…", self)
        self.export_button.clicked.connect(lambda: self.export_csv())
        for button in (self.download_button, self.open_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.model.loading_changed.connect(self._update_note)
        self.model.failed.connect(self._page_failed)
        self.model.modelReset.connect(self._update_note)
        self.model.rowsInserted.connect(self._update_note)
        billing.changed.connect(self.show_invoices)
        self.show_invoices()

    def attach_view(self) -> None:
        """Give the table its model: the view asks the model for Qt enums at once, and creating those
        (theme's QT_NAMESPACE_NOTE) is work the first paint of another page need not wait for."""
        if self.table.model() is self.model:
            return
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:
        self.attach_view()
        super().showEvent(event)

    # ----- data
    def _fetch_page(self, starting_after: str | None) -> Page[Invoice]:
        client = self.billing.client
        if client is None:
            raise RuntimeError("signed out")
        page = client.invoices(limit=self.billing.page_size, starting_after=starting_after)
        return Page(tuple(page.invoices), page.has_more)

    def show_invoices(self) -> None:
        """The first page as the billing state holds it: the same invoices keep the owner's place in the
        table, anything else starts it over."""
        self.model.update_first(Page(tuple(self.billing.invoices), self.billing.has_more), self._fetch_page)
        self._update_buttons()

    def _page_failed(self, exc: BaseException) -> None:
        report(exc)
        self._update_note()

    def _update_note(self, *_: object) -> None:
        count = self.model.rowCount()
        if self.model.loading:
            self.note.setText(f"{count} invoices shown, loading more…")
        elif count == 0:
            self.note.setText("No invoices yet." if self.billing.summary is not None else "")
        elif self.model.has_more:
            self.note.setText(f"{count} invoices shown; scroll down for older ones.")
        else:
            self.note.setText(f"{count} invoice{'s' if count != 1 else ''}.")

    def selected_invoices(self) -> list[Invoice]:
        if self.table.model() is not self.model:
            return []   # never shown: nothing can be selected
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [invoice for invoice in map(self.model.item, rows) if invoice is not None]

    def _update_buttons(self, *_: object) -> None:
        selected = self.selected_invoices()
        self.download_button.setEnabled(not self._downloading and any(i.has_pdf for i in selected))
        self.open_button.setEnabled(len(selected) >= 1 and bool(selected[0].hosted_invoice_url))
        self.export_button.setEnabled(self.model.rowCount() > 0)

    # ----- hosted page
    def _open_row(self, index: QModelIndex) -> None:
        invoice = self.model.item(index.row())
        if invoice is not None and invoice.hosted_invoice_url:
            QDesktopServices.openUrl(QUrl(invoice.hosted_invoice_url))

    def open_selected(self) -> None:
        selected = self.selected_invoices()
        if selected and selected[0].hosted_invoice_url:
            QDesktopServices.openUrl(QUrl(selected[0].hosted_invoice_url))

    # ----- downloads
    def download_selected(self, folder: Path | None = None) -> None:
        client = self.billing.client
        invoices = [i for i in self.selected_invoices() if i.has_pdf]
        if client is None or not invoices or self._downloading:
            return
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(self, "Download invoices to", str(self.default_folder()))
            if not chosen:
                return
            folder = Path(chosen)
            self.remember_folder(folder)
        self._start_download(client, invoices, folder)

    def _start_download(self, client: BridgeClient, invoices: list[Invoice], folder: Path) -> None:
        self._cancel = threading.Event()
        cancel = self._cancel
        progress = _Progress(self)
        progress.moved.connect(self._moved)
        self._downloading = True
        self.progress.setRange(0, STEPS * len(invoices))
        self.progress.setValue(0)
        self.progress.setFormat(f"Downloading {len(invoices)} invoice{'s' if len(invoices) != 1 else ''}… %p%")
        self.progress.show()
        self.cancel_button.show()
        self._update_buttons()

        def download() -> list[Path]:
            saved = []
            for n, invoice in enumerate(invoices):
                def moved(done: int, total: int | None, n: int = n) -> None:
                    progress.moved.emit(n, done, -1 if total is None else total)
                saved.append(client.download_invoice_pdf(invoice, folder, progress=moved, cancelled=cancel.is_set))
                progress.moved.emit(n + 1, 0, -1)
            return saved

        def finished(paths: list[Path]) -> None:
            self._end_download(f"Saved {len(paths)} PDF{'s' if len(paths) != 1 else ''} to {folder}")
            self.downloaded.emit(paths)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, DownloadCancelled):
                self._end_download("Download cancelled; nothing half-written was left behind.")
            else:
                self._end_download("")
                report(exc)

        self.billing.pool.start(download, on_done=finished, on_error=failed)

    def _moved(self, index: int, done: int, total: int) -> None:
        fraction = done / total if total > 0 else 0.0
        self.progress.setValue(min(self.progress.maximum(), index * STEPS + round(fraction * STEPS)))

    def cancel_download(self) -> None:
        self._cancel.set()

    def _end_download(self, message: str) -> None:
        self._downloading = False
        self.progress.hide()
        self.cancel_button.hide()
        if message:
            self.note.setText(message)
        self._update_buttons()

    # ----- CSV
    def export_csv(self, path: Path | None = None) -> None:
        if self.model.rowCount() == 0:
            return
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export invoices", str(self.default_folder() / "invoices.csv"),
                                                    "CSV files (*.csv)")
            if not chosen:
                return
            path = Path(chosen)
        invoices = self.model.leading_rows()
        more = self.model.has_more or len(invoices) < self.model.rowCount()
        fetch = self._fetch_page
        target = path

        def export() -> Path:
            rows, after, left = list(invoices), (invoices[-1].id if invoices else None), more
            while left:
                page = fetch(after)
                rows.extend(page.data)
                left = page.has_more and bool(page.data)
                after = page.data[-1].id if page.data else after
            write_invoices_csv(rows, target)
            return target

        def done(saved: Path) -> None:
            self.note.setText(f"Exported to {saved}")
            self.exported.emit(str(saved))

        self.billing.pool.start(export, on_done=done)

    def shutdown(self) -> None:
        self._cancel.set()
