"""Earnings: the owner's own sales through Stripe. Account status and what Stripe needs, balance and
payout schedule, then the sales, payouts and net-sales chart in tabs.

The page's widgets are built when it is first shown, so the window's first paint never pays for them.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QLocale, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QTabWidget, QVBoxLayout,
                               QWidget)

from ...services import age, day, formatting, money
from ...services.earnings_words import (account_sentence, below_zero_words, import_words, requirement_line,
                                        schedule_words, things_due)
from ..common import theme
from ..common.errors import report
from ..common.widgets import card, clear_layout, icon_label, muted, scroll_body, title
from .earnings_state import Earnings

if TYPE_CHECKING:
    from .sales_chart import SalesChart

FINISH_STATUSES = ("onboarding", "action_required", "restricted")


class EarningsPage(QScrollArea):
    start_selling = Signal()      # no account yet: create one and onboard in the browser
    finish_setup = Signal()       # hosted onboarding in the browser
    open_dashboard = Signal()
    saved = Signal(list)          # paths of a CSV just written (sales, or a payout's transactions)

    def __init__(self, earnings: Earnings, *, default_folder: Callable[[], Path],
                 clock: Callable[[], float] = time.time, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.earnings, self.clock = earnings, clock
        self.default_folder = default_folder
        self.built = False
        self._balances_shown: object = None
        self._due_shown: object = None

    def showEvent(self, event: QShowEvent) -> None:
        self.build()
        super().showEvent(event)

    def build(self) -> None:
        if self.built:
            return
        self.built = True
        from .payouts_tab import PayoutsTab
        from .sales_tab import SalesTab
        body, layout = scroll_body(self)
        from PySide6.QtCore import Qt  # see theme's QT_NAMESPACE_NOTE
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        heading = QHBoxLayout()
        heading.addWidget(title("Earnings", self))
        layout.setSpacing(theme.em(self, 0.6))
        heading.addStretch(1)
        self.age_label = muted("", self)
        self.age_label.setWordWrap(False)
        heading.addWidget(self.age_label)
        layout.addLayout(heading)

        top = QHBoxLayout()
        top.setSpacing(theme.em(self, 0.8))
        self.status_card, status = card(self)
        self.sentence = QLabel(self.status_card)
        self.sentence.setWordWrap(True)
        self.sentence.setFont(theme.font(self.sentence, 1.05, bold=True))
        status.addWidget(self.sentence)
        self.checklist = QVBoxLayout()
        self.checklist.setSpacing(theme.em(self, 0.2))
        status.addLayout(self.checklist)
        self.deadline = QLabel(self.status_card)
        status.addWidget(self.deadline)
        self.importing = muted("", self.status_card)
        status.addWidget(self.importing)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start selling", self.status_card)
        self.finish_button = QPushButton(theme.icon("external"), "Finish setup", self.status_card)
        for button in (self.start_button, self.finish_button):
            button.setObjectName("primary")
        self.dashboard_button = QPushButton(theme.icon("external"), "Open Stripe dashboard", self.status_card)
        self.start_button.clicked.connect(self.start_selling.emit)
        self.finish_button.clicked.connect(self.finish_setup.emit)
        self.dashboard_button.clicked.connect(self.open_dashboard.emit)
        for button in (self.start_button, self.finish_button, self.dashboard_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        status.addStretch(1)
        status.addLayout(buttons)
        top.addWidget(self.status_card, 3)

        self.balance_card, balance = card(self)
        balance.addWidget(QLabel("<b>Balance</b>", self.balance_card))
        self.balance_grid = QGridLayout()
        self.balance_grid.setHorizontalSpacing(theme.em(self, 1))
        self.balance_grid.setVerticalSpacing(theme.em(self, 0.2))
        balance.addLayout(self.balance_grid)
        self.balance_grid.setColumnStretch(4, 1)
        self.schedule = muted("", self.balance_card)
        balance.addWidget(self.schedule)
        balance.addStretch(1)
        top.addWidget(self.balance_card, 2)
        layout.addLayout(top)

        self.tabs = QTabWidget(body)
        self.tabs.setMinimumHeight(theme.em(self, 22))
        self.sales = SalesTab(self.earnings, default_folder=self.default_folder, parent=self.tabs)
        self.payouts = PayoutsTab(self.earnings, default_folder=self.default_folder, parent=self.tabs)
        self.sales.exported.connect(lambda path: self.saved.emit([path]))
        self.payouts.opened.connect(lambda dialog: dialog.exported.connect(lambda path: self.saved.emit([path])))
        self.tabs.addTab(self.sales, "Sales")
        self.tabs.addTab(self.payouts, "Payouts")
        self.chart_tab = QWidget(self.tabs)
        self.chart_note = muted("", self.chart_tab)
        QVBoxLayout(self.chart_tab).addWidget(self.chart_note)
        self.charting_loaded = False
        self._load_charting()
        self.tabs.addTab(self.chart_tab, "Net sales")
        self.chart: SalesChart | None = None
        self.tabs.currentChanged.connect(self._tab_shown)
        layout.addWidget(self.tabs, 100)
        self.empty_note = muted("", self)
        layout.addWidget(self.empty_note)
        layout.addStretch(1)   # without an account (no tabs) the status card keeps its height

        self.earnings.changed.connect(self.show_earnings)
        self.earnings.status_changed.connect(self.update_age)
        self.show_earnings()

    def _load_charting(self) -> None:
        """numpy, most of the charting library's import, loads on a worker; pyqtgraph itself makes Qt objects
        as it loads, so it is imported on the GUI thread when the chart is first shown."""
        def loaded(_: object) -> None:
            self.charting_loaded = True
            self._tab_shown(self.tabs.currentIndex())

        self.earnings.pool.start(lambda: importlib.import_module("numpy"), on_done=loaded, on_error=report)

    def _tab_shown(self, index: int) -> None:
        if self.tabs.widget(index) is not self.chart_tab or self.chart is not None:
            return
        if not self.charting_loaded:
            self.chart_note.setText("Loading the chart…")
            return
        from .sales_chart import SalesChart
        self.chart_note.hide()
        self.chart = SalesChart(self.earnings, self.sales.date_range, parent=self.chart_tab)
        self.chart_tab.layout().addWidget(self.chart)
        self.sales.range_changed.connect(self.chart.reload)

    # ----- filling
    def show_earnings(self) -> None:
        locale = QLocale().name()
        earnings = self.earnings
        account = earnings.account
        has_account = account is not None and account.has_account
        self.sentence.setText(self._sentence(locale))
        due = things_due(account) if account is not None else []
        if due != self._due_shown:
            self._due_shown = due
            clear_layout(self.checklist)
            for requirement in due:
                self._add_check(requirement_line(requirement), requirement.due == "past_due")
        self.deadline.setText(f"Deadline: {day(account.deadline, locale)}" if due and account and account.deadline else "")
        self.deadline.setVisible(bool(self.deadline.text()))
        self.importing.setText(import_words(account))
        self.importing.setVisible(bool(self.importing.text()))
        self.start_button.setVisible(account is not None and not has_account)
        self.finish_button.setVisible(has_account and (account.status in FINISH_STATUSES and bool(due)
                                                       or account.status == "onboarding"))
        self.dashboard_button.setVisible(has_account and account.dashboard in ("express", "full"))
        self.balance_card.setVisible(has_account)
        self.tabs.setVisible(has_account)
        self._show_balance(locale)
        self.empty_note.setText("" if has_account or account is None else
                                "Your sales, balance and payouts show here once your account is set up.")
        self.empty_note.setVisible(bool(self.empty_note.text()))
        if has_account:
            self.sales.earnings_changed()
            self.payouts.show_payouts()
            if self.chart is not None:
                self.chart.earnings_changed()
        self.update_age()

    def _sentence(self, locale: str) -> str:
        earnings = self.earnings
        if earnings.account is not None:
            return account_sentence(earnings.account, locale)
        if earnings.unavailable:
            return "This billing server does not show earnings yet."
        if earnings.offline:
            why = self.earnings.last_error or "The billing server is out of reach."
            return f"{why} Your earnings show once it answers."
        return "Loading your earnings…" if earnings.client is not None else ""

    def _add_check(self, text: str, overdue: bool) -> None:
        line = QHBoxLayout()
        line.addWidget(icon_label("warning" if overdue else "clock", 1.0, self.status_card,
                                  "#d97706" if overdue else None))
        label = QLabel(text, self.status_card)
        label.setWordWrap(True)
        line.addWidget(label, 1)
        self.checklist.addLayout(line)
        for index in range(line.count()):
            line.itemAt(index).widget().show()

    def _show_balance(self, locale: str) -> None:
        view = self.earnings.view
        balances = view.balance.balances if view and view.balance else ()
        if balances == self._balances_shown and self.balance_grid.count():
            return
        self._balances_shown = balances
        clear_layout(self.balance_grid)
        headings = ("", "Available", "Pending", "On the way\nto your bank")
        for column, heading in enumerate(headings):
            label = muted(heading, self.balance_card)
            label.setWordWrap(False)
            self.balance_grid.addWidget(label, 0, column)
        for row, entry in enumerate(balances, start=1):
            cells = (entry.currency.upper(), money(entry.available, entry.currency, locale),
                     money(entry.pending, entry.currency, locale), money(entry.in_transit, entry.currency, locale))
            for column, text in enumerate(cells):
                label = QLabel(text, self.balance_card)
                if column == 1:
                    label.setFont(theme.font(label, 1.15, bold=True))
                self.balance_grid.addWidget(label, row, column)
        if not balances:
            self.balance_grid.addWidget(muted("Nothing yet", self.balance_card), 1, 0, 1, 4)
        for index in range(self.balance_grid.count()):
            self.balance_grid.itemAt(index).widget().show()
        account = self.earnings.account
        lines = (schedule_words(account.payout_schedule) if account else "", below_zero_words(balances))
        self.schedule.setText("\n".join(line for line in lines if line))

    def update_age(self) -> None:
        if not self.built:
            return
        earnings = self.earnings
        saved = earnings.updated_at
        if earnings.offline:
            shown = formatting.clock_time(saved, QLocale().name()) if saved else ""
            text = f"Offline: showing data from {shown}" if shown else "Offline"
        elif saved is None:
            text = ""
        elif earnings.refreshing and not earnings.live:
            text = "Saved data; refreshing…"
        elif not earnings.live:
            text = f"Saved data from {formatting.clock_time(saved, QLocale().name())}"
        elif formatting.loaded():
            text = f"Updated {age(max(0.0, self.clock() - saved))}"
        else:
            text = "Updated"
        self.age_label.setText(text)

    def shutdown(self) -> None:
        if self.built:
            self.sales.shutdown()
            self.payouts.shutdown()
            if self.chart is not None:
                self.chart.shutdown()
