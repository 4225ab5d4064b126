"""One payout: what it is made of (the categories add up to its amount) and its transactions, exportable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QLocale, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QGridLayout, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QVBoxLayout, QWidget)

from ...services import money, write_transactions_csv
from ...services.earnings import Payout, PayoutDetail, Transaction
from ...services.earnings_words import category_words, payout_status, payout_when
from ...services.rows import TRANSACTION_COLUMNS, transaction_row
from ..common import theme
from ..common.errors import report
from ..common.paged_model import PagedModel
from ..common.widgets import clear_layout, muted, title
from .earnings_state import Earnings
from .sales_tab import table_view

PAGE_SIZE = 100


class PayoutDialog(QDialog):
    loaded = Signal()
    exported = Signal(str)

    def __init__(self, earnings: Earnings, payout: Payout, *, default_folder: Callable[[], Path],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.earnings, self.payout, self.default_folder = earnings, payout, default_folder
        self.detail: PayoutDetail | None = None
        locale = QLocale().name()
        self.setWindowTitle("Payout")
        layout = QVBoxLayout(self)
        layout.addWidget(title(f"Payout of {money(payout.amount, payout.currency, locale)}", self, 1.3))
        self.when = QLabel(f"{payout_status(payout)} · {payout_when(payout, locale)}", self)
        self.when.setWordWrap(True)
        layout.addWidget(self.when)
        layout.addWidget(QLabel("<b>What it is made of</b>", self))
        self.breakdown = QGridLayout()
        self.breakdown.setHorizontalSpacing(theme.em(self, 1.5))
        layout.addLayout(self.breakdown)
        self.breakdown.addWidget(muted("Loading…", self), 0, 0)
        layout.addWidget(QLabel("<b>Transactions</b>", self))
        self.model = PagedModel(earnings.pool, TRANSACTION_COLUMNS, transaction_row, parent=self)
        self.table = table_view(self)
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.note = muted("", self)
        self.export_button = QPushButton(theme.icon("export"), "Export CSV…", self)
        self.export_button.clicked.connect(lambda: self.export_csv())
        row.addWidget(self.note, 1)
        row.addWidget(self.export_button)
        layout.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(theme.em(self, 40), theme.em(self, 32))
        self.model.failed.connect(report)
        self.model.rowsInserted.connect(lambda *_: self.table.resizeColumnsToContents())
        client = earnings.client
        if client is not None:
            payout_id = payout.id
            self.model.reset(lambda after: client.payout_transactions(payout_id, limit=PAGE_SIZE, starting_after=after))
            earnings.pool.start(lambda: client.payout(payout_id), on_done=self._show_detail, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        clear_layout(self.breakdown)
        self.breakdown.addWidget(muted("Could not load the breakdown.", self), 0, 0)
        report(exc)

    def _show_detail(self, detail: PayoutDetail) -> None:
        self.detail = detail
        locale = QLocale().name()
        currency = detail.payout.currency
        clear_layout(self.breakdown)
        for row, line in enumerate(detail.breakdown):
            count = f"{line.count:,}" if line.count else ""
            cells = (category_words(line.category), count, money(line.amount, currency, locale))
            for column, text in enumerate(cells):
                self.breakdown.addWidget(QLabel(text, self), row, column)
        total = len(detail.breakdown)
        total_label = QLabel("<b>Payout</b>", self)
        amount = QLabel(f"<b>{money(detail.payout.amount, currency, locale)}</b>", self)
        self.breakdown.addWidget(total_label, total, 0)
        self.breakdown.addWidget(amount, total, 2)
        from PySide6.QtCore import Qt
        for row in range(total + 1):
            item = self.breakdown.itemAtPosition(row, 2)
            if item is not None and item.widget() is not None:
                item.widget().setAlignment(Qt.AlignmentFlag.AlignRight)
        self.breakdown.setColumnStretch(3, 1)
        for index in range(self.breakdown.count()):   # added to a dialog already on screen: show them now
            self.breakdown.itemAt(index).widget().show()
        self.when.setText(f"{payout_status(detail.payout)} · {payout_when(detail.payout, locale)}")
        self.loaded.emit()

    def all_transactions(self) -> list[Transaction]:
        """Every page, fetched again in order (run on a worker)."""
        client = self.earnings.client
        assert client is not None
        rows: list[Transaction] = []
        after: str | None = None
        while True:
            page = client.payout_transactions(self.payout.id, limit=PAGE_SIZE, starting_after=after)
            rows.extend(page.data)
            if not page.has_more or not page.data:
                return rows
            after = page.data[-1].id

    def export_csv(self, path: Path | None = None) -> None:
        if self.earnings.client is None:
            return
        if path is None:
            name = f"payout-{self.payout.id}.csv"
            chosen, _ = QFileDialog.getSaveFileName(self, "Export payout", str(self.default_folder() / name),
                                                    "CSV files (*.csv)")
            if not chosen:
                return
            path = Path(chosen)
        target = path

        def export() -> tuple[Path, int]:
            rows = self.all_transactions()
            write_transactions_csv(rows, target)
            return target, len(rows)

        def done(result: tuple[Path, int]) -> None:
            saved, count = result
            self.note.setText(f"Exported {count:,} transactions to {saved}")
            self.exported.emit(str(saved))

        self.earnings.pool.start(export, on_done=done)
