"""Both money flows side by side on the Overview: what the owner's customers paid them this month, and what
their plan costs them."""

from __future__ import annotations

from PySide6.QtCore import QLocale, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from ...services.earnings_words import sales_words
from ...services.formatting import plan_cost_words
from ..common.widgets import card, muted
from ..earnings.earnings_state import Earnings
from ..plan.billing_state import Billing


class FlowsRow(QWidget):
    """Two cards: money in (sales, net of fees) and money out (the plan)."""

    show_earnings = Signal()

    def __init__(self, billing: Billing, earnings: Earnings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.billing, self.earnings = billing, earnings
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.sales_card, sales = card(self)
        self.sales_label = QLabel(self.sales_card)
        self.sales_label.setWordWrap(True)
        self.sales_note = muted("After Stripe’s and the platform’s fees", self.sales_card)
        self.earnings_button = QPushButton("See earnings", self.sales_card)
        self.earnings_button.clicked.connect(self.show_earnings.emit)
        sales.addWidget(self.sales_label)
        sales.addWidget(self.sales_note)
        self.plan_card, plan = card(self)
        self.plan_label = QLabel(self.plan_card)
        self.plan_label.setWordWrap(True)
        plan.addWidget(self.plan_label)
        plan.addWidget(muted("What you pay the platform", self.plan_card))
        plan.addStretch(1)
        button_row = QHBoxLayout()
        button_row.addWidget(self.earnings_button)
        button_row.addStretch(1)
        sales.addLayout(button_row)
        row.addWidget(self.sales_card, 1)
        row.addWidget(self.plan_card, 1)
        billing.changed.connect(self.update_texts)
        earnings.changed.connect(self.update_texts)
        self.update_texts()

    def update_texts(self) -> None:
        locale = QLocale().name()
        sales = sales_words(self.earnings.view, locale)
        self.sales_label.setText(f"<b>{sales}</b>" if sales else "")
        self.plan_label.setText(f"<b>{plan_cost_words(self.billing.summary, locale)}</b>")
        has_account = self.earnings.account is not None and self.earnings.account.has_account
        self.sales_note.setVisible(has_account)
        self.earnings_button.setText("See earnings" if has_account else "Start selling")
        self.setVisible(bool(sales) and self.billing.summary is not None)
