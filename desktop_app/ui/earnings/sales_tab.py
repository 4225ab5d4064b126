"""The sales table: search, date range, status filter, CSV export; lazily paged with bounded memory."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDate, QLocale, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QPushButton, QTableView, QVBoxLayout, QWidget)

from ...services import DownloadCancelled, formatting
from ...services.earnings import Page
from ...services.rows import SALE_COLUMNS, sale_row
from ..common import theme
from ..common.errors import report
from ..common.paged_model import PagedModel
from ..common.widgets import muted
from .earnings_state import Earnings

STATUSES = (("All statuses", None), ("Paid", "succeeded"), ("Refunded", "refunded"),
            ("Partly refunded", "partially_refunded"), ("Disputed", "disputed"))
PAGE_SIZE = 100
SEARCH_DELAY_MS = 300


def day_start(date: QDate) -> int:
    return int(dt.datetime(date.year(), date.month(), date.day()).timestamp())


def fixed_rows(table: QTableView) -> None:
    """One height for every row: a view over 100,000 rows must never measure each one."""
    header = table.verticalHeader()
    header.hide()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header.setDefaultSectionSize(theme.em(table, 1.7))


def table_view(parent: QWidget) -> QTableView:
    table = QTableView(parent)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    fixed_rows(table)
    return table


class SalesTab(QWidget):
    range_changed = Signal()
    exported = Signal(str)

    def __init__(self, earnings: Earnings, *, default_folder: Callable[[], Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.earnings = earnings
        self.default_folder = default_folder
        self.model = PagedModel(earnings.pool, SALE_COLUMNS, sale_row, parent=self)
        self._owner = ""
        self._cancel = threading.Event()

        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search email, description or amount")
        self.search.setClearButtonEnabled(True)
        today = QDate.currentDate()
        self.since = QDateEdit(today.addYears(-1).addDays(1), self)
        self.until = QDateEdit(today, self)
        shown = formatting.qt_date_format(QLocale().name())   # the dates as every other page writes them
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(shown)
        self.status = QComboBox(self)
        for words, _ in STATUSES:
            self.status.addItem(words)
        self.export_button = QPushButton(theme.icon("export"), "Export CSV…", self)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.status)
        dates = QHBoxLayout()
        dates.addWidget(QLabel("From", self))
        dates.addWidget(self.since)
        dates.addWidget(QLabel("to", self))
        dates.addWidget(self.until)
        dates.addStretch(1)
        dates.addWidget(self.export_button)
        layout.addLayout(filters)
        layout.addLayout(dates)

        self.table = table_view(self)
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 6.5), (1, 9), (3, 5), (4, 5), (5, 4), (6, 5)):
            header.resizeSection(column, theme.em(self, width))
        layout.addWidget(self.table, 1)
        self.note = muted("", self)
        layout.addWidget(self.note)

        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _: self.search_timer.start())
        self.search.returnPressed.connect(self.apply_filters)
        self.since.dateChanged.connect(self._range_edited)
        self.until.dateChanged.connect(self._range_edited)
        self.status.currentIndexChanged.connect(lambda _: self.apply_filters())
        self.export_button.clicked.connect(lambda: self.export_csv())
        self.model.loading_changed.connect(self._update_note)
        self.model.modelReset.connect(self._update_note)
        self.model.rowsInserted.connect(self._update_note)
        self.model.failed.connect(self._failed)

    # ----- filters
    def date_range(self) -> tuple[int, int]:
        """[from, to) in Unix seconds: from the first day's start to the end of the last day."""
        start, end = self.since.date(), self.until.date()
        if end < start:
            start, end = end, start
        return day_start(start), day_start(end.addDays(1))

    def _range_edited(self, _date: QDate) -> None:
        self.apply_filters()
        self.range_changed.emit()

    def fetcher(self) -> Callable[[str | None], Page] | None:
        client = self.earnings.client
        if client is None:
            return None
        start, end = self.date_range()
        status = STATUSES[self.status.currentIndex()][1]
        query = self.search.text().strip() or None

        def fetch(after: str | None) -> Page:
            return client.sales(limit=PAGE_SIZE, starting_after=after, created_gte=start, created_lt=end,
                                status=status, q=query)
        return fetch

    def apply_filters(self) -> None:
        self.search_timer.stop()
        self.model.reset(self.fetcher())

    def earnings_changed(self) -> None:
        """Another owner: start over. The same owner refreshed: the first page again (see update_first)."""
        earnings = self.earnings
        if earnings.owner_key != self._owner or self.model.rowCount() == 0 and not self.model.loading:
            self._owner = earnings.owner_key
            self.apply_filters()
            return
        fetch = self.fetcher()
        if fetch is None or not earnings.live:
            return
        owner = self._owner

        def fetched(page: Page) -> None:
            if owner == self._owner and not self.model.loading:
                self.model.update_first(page, fetch)
                self._update_note()

        earnings.pool.start(lambda: fetch(None), on_done=fetched, on_error=lambda exc: None)

    def _failed(self, exc: BaseException) -> None:
        report(exc)
        self._update_note()

    def _update_note(self, *_: object) -> None:
        count = self.model.rowCount()
        if self.model.loading:
            text = f"{count:,} sales shown, loading more…" if count else "Loading sales…"
        elif count == 0:
            text = "No sales match." if self.search.text() or self.status.currentIndex() else "No sales in these dates."
        elif self.model.has_more:
            text = f"{count:,} sales shown; scroll down for older ones."
        else:
            text = f"{count:,} sale{'s' if count != 1 else ''}."
        self.note.setText(text)

    # ----- CSV
    def export_csv(self, path: Path | None = None) -> None:
        """The date range's sales as the bridge writes them, streamed to disk (any number of rows)."""
        client = self.earnings.client
        if client is None:
            return
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export sales", str(self.default_folder() / "sales.csv"),
                                                    "CSV files (*.csv)")
            if not chosen:
                return
            path = Path(chosen)
        start, end = self.date_range()
        self._cancel = threading.Event()
        cancel = self._cancel
        self.export_button.setEnabled(False)
        self.note.setText("Exporting sales…")

        def done(saved: Path) -> None:
            self.export_button.setEnabled(True)
            self.note.setText(f"Exported to {saved}")
            self.exported.emit(str(saved))

        def failed(exc: BaseException) -> None:
            self.export_button.setEnabled(True)
            self._update_note()
            if not isinstance(exc, DownloadCancelled):
                report(exc)

        self.earnings.pool.start(lambda: client.download_sales_csv(path, start=start, end=end, cancelled=cancel.is_set),
                                 on_done=done, on_error=failed)

    def shutdown(self) -> None:
        self._cancel.set()
        self.search_timer.stop()
