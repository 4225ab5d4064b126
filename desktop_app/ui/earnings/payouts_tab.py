"""The payouts table; a payout opens its breakdown and transactions (payout_dialog)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QPushButton, QVBoxLayout, QWidget

from ...services.earnings import Page, Payout
from ...services.rows import PAYOUT_COLUMNS, payout_row
from ..common.errors import report
from ..common.paged_model import PagedModel
from ..common.widgets import muted
from .earnings_state import Earnings
from .sales_tab import table_view


class PayoutsTab(QWidget):
    opened = Signal(object)   # the PayoutDialog

    def __init__(self, earnings: Earnings, *, default_folder: Callable[[], Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.earnings = earnings
        self.default_folder = default_folder
        self.model = PagedModel(earnings.pool, PAYOUT_COLUMNS, payout_row, parent=self)
        self._shown: object = None
        layout = QVBoxLayout(self)
        self.table = table_view(self)
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._open_index)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.note = muted("Double-click a payout to see what it is made of.", self)
        self.open_button = QPushButton("Show details…", self)
        self.open_button.clicked.connect(self.open_selected)
        row.addWidget(self.note, 1)
        row.addWidget(self.open_button)
        layout.addLayout(row)
        self.model.failed.connect(report)
        self.dialogs: list[QWidget] = []

    def _fetch(self) -> Callable[[str | None], Page] | None:
        client, size = self.earnings.client, self.earnings.page_size
        if client is None:
            return None
        return lambda after: client.payouts(limit=size, starting_after=after)

    def show_payouts(self) -> None:
        """The first page from the earnings view (cached or live); later pages as the owner scrolls."""
        view = self.earnings.view
        if view is None:
            return
        key = (self.earnings.owner_key, view.payouts, view.payouts_has_more, self.earnings.client is not None)
        if key == self._shown:
            return
        self._shown = key
        self.model.reset(self._fetch(), first=Page(view.payouts, view.payouts_has_more and self.earnings.client is not None))
        self.note.setText("Double-click a payout to see what it is made of." if view.payouts else "No payouts yet.")

    def selected(self) -> Payout | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.item(rows[0].row()) if rows else None

    def _open_index(self, index: QModelIndex) -> None:
        payout = self.model.item(index.row())
        if payout is not None:
            self.open_payout(payout)

    def open_selected(self) -> None:
        payout = self.selected() or self.model.item(0)
        if payout is not None:
            self.open_payout(payout)

    def open_payout(self, payout: Payout):  # noqa: ANN201 - PayoutDialog
        from .payout_dialog import PayoutDialog
        dialog = PayoutDialog(self.earnings, payout, default_folder=self.default_folder, parent=self)
        dialog.finished.connect(lambda _: self.dialogs.remove(dialog) if dialog in self.dialogs else None)
        self.dialogs.append(dialog)
        dialog.open()
        self.opened.emit(dialog)
        return dialog

    def shutdown(self) -> None:
        for dialog in list(self.dialogs):
            dialog.close()
