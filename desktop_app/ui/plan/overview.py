"""Overview: plan and price, status in words, next bill, card, and warnings with their one-click fix."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout,
                               QWidget)

from ...services import Summary, day, money, status_words
from ...services.formatting import plan_price
from ...services.warnings import warnings_for
from ..common import theme
from ..common.widgets import card, clear_layout, icon_label, locale_name, muted, scroll_body, title
from .billing_state import Billing


class OverviewPage(QScrollArea):
    open_portal = Signal(object)   # the portal flow (None: the portal's home)
    choose_plan = Signal()
    pay_invoice = Signal(str)      # the failed invoice to pay now with the card on file
    keep_plan = Signal()           # undo the scheduled plan switch

    def __init__(self, billing: Billing, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.billing = billing
        body, outer = scroll_body(self)

        self.plan_label = title("Your plan", body)
        self.price_label = QLabel(body)
        self.price_label.setFont(theme.font(self.price_label, 1.2))
        self.status_label = QLabel(body)
        self.status_label.setFont(theme.font(self.status_label, 1.05, bold=True))
        outer.addWidget(self.plan_label)
        outer.addWidget(self.price_label)
        outer.addWidget(self.status_label)

        self.warnings_box = QVBoxLayout()
        self.warnings_box.setSpacing(theme.em(body, 0.5))
        outer.addLayout(self.warnings_box)
        self.sections = QVBoxLayout()
        outer.addLayout(self.sections)

        self.details, details_layout = card(body)
        self.form = QFormLayout()
        self.form.setHorizontalSpacing(theme.em(body, 1.5))
        self.form.setVerticalSpacing(theme.em(body, 0.5))
        self.next_bill = QLabel(body)
        self.card_row = QWidget(body)
        card_layout = QHBoxLayout(self.card_row)
        card_layout.setContentsMargins(0, 0, 0, 0)
        self.card_icon = QLabel(self.card_row)
        self.card_text = QLabel(self.card_row)
        card_layout.addWidget(self.card_icon)
        card_layout.addWidget(self.card_text, 1)
        self.pending_row = QWidget(body)
        pending_layout = QHBoxLayout(self.pending_row)
        pending_layout.setContentsMargins(0, 0, 0, 0)
        self.pending = QLabel(self.pending_row)
        self.pending.setWordWrap(True)
        self.keep_button = QPushButton("Keep my plan", self.pending_row)
        self.keep_button.clicked.connect(self.keep_plan.emit)
        pending_layout.addWidget(self.pending, 1)
        pending_layout.addWidget(self.keep_button)
        self.credit = QLabel(body)
        self.credit.setWordWrap(True)
        self.form.addRow("Next bill", self.next_bill)
        self.form.addRow("Card", self.card_row)
        self.form.addRow("Scheduled", self.pending_row)
        self.form.addRow("Credit", self.credit)
        details_layout.addLayout(self.form)
        outer.addWidget(self.details)

        self.empty_note = muted("", body)
        outer.addWidget(self.empty_note)
        buttons = QHBoxLayout()
        self.manage_button = QPushButton(theme.icon("external"), "Manage subscription", body)
        self.manage_button.clicked.connect(lambda: self.open_portal.emit(None))
        self.choose_button = QPushButton("Choose a plan", body)
        self.choose_button.setObjectName("primary")
        self.choose_button.clicked.connect(self.choose_plan.emit)
        buttons.addWidget(self.manage_button)
        buttons.addWidget(self.choose_button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        outer.addStretch(1)

        self.warning_buttons: dict[str, QPushButton] = {}
        billing.changed.connect(self.show_summary)
        self.show_summary()

    def add_section(self, widget: QWidget) -> None:
        """Another part of the owner's picture, under the plan's status (the earnings beside the plan)."""
        self.sections.addWidget(widget)

    def show_summary(self) -> None:
        self._fill()
        self._sync_visibility()

    def _fill(self) -> None:
        summary = self.billing.summary
        locale = locale_name()
        clear_layout(self.warnings_box)
        self.warning_buttons = {}
        has_data = summary is not None
        subscribed = summary is not None and summary.plan is not None and summary.status != "none"
        self.details.setVisible(subscribed)
        self.manage_button.setVisible(subscribed)
        ended = subscribed and summary is not None and not summary.has_subscription   # canceled, or never paid
        self.choose_button.setVisible(has_data and (not subscribed or ended))
        if summary is None:
            self.plan_label.setText("Your plan")
            self.price_label.setText("")
            self.status_label.setText("")
            self.empty_note.setText("Loading your plan…" if self.billing.client is not None else "")
            return
        if ended:
            self.empty_note.setText("Your plan has ended. Choose a plan to start again; you pay on Stripe’s secure page "
                                    "in your browser.")
        else:
            self.empty_note.setText("" if subscribed else "Pick Starter or Pro to get going; you pay on Stripe’s secure "
                                    "page in your browser.")
        if summary.plan is not None:
            self.plan_label.setText(f"{summary.plan.name} plan")
            self.price_label.setText(plan_price(summary.plan, locale))
        else:
            self.plan_label.setText("No plan yet")
            self.price_label.setText("")
        self.status_label.setText(status_words(summary, locale) if subscribed else "")
        for warning in warnings_for(summary, locale):
            self._add_warning(warning.text, warning.action, warning.flow, warning.second)
        self._show_details(summary, locale)

    def _sync_visibility(self) -> None:
        for label in (self.price_label, self.status_label, self.empty_note):
            label.setVisible(bool(label.text()))

    def _add_warning(self, text: str, action: str, flow: str | None,
                     second: tuple[str, str | None] | None = None) -> None:
        frame, layout = card(self, "warning")
        row = QHBoxLayout()
        layout.addLayout(row)
        row.addWidget(icon_label("warning", 1.3, frame, "#d97706"))
        label = QLabel(text, frame)
        label.setWordWrap(True)
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row.addWidget(label, 1)
        from PySide6.QtCore import Qt  # looked up late: see theme's QT_NAMESPACE_NOTE
        buttons = [(action, flow, True)]
        if second is not None:
            buttons.append((second[0], second[1], False))
        for label, target, primary in buttons:
            button = QPushButton(label, frame)
            if primary:
                button.setObjectName("primary")
            button.clicked.connect(lambda _=False, target=target: self._act(target))
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
            self.warning_buttons[label] = button
        self.warnings_box.addWidget(frame)
        frame.show()

    def _act(self, target: str | None) -> None:
        if target is not None and target.startswith("pay:"):
            self.pay_invoice.emit(target.removeprefix("pay:"))
        else:
            self.open_portal.emit(target)

    def _show_details(self, summary: Summary, locale: str) -> None:
        if summary.cancel_at_period_end:
            self.next_bill.setText("None: your plan is set to end")
        elif summary.next_invoice is not None:
            nxt = summary.next_invoice
            self.next_bill.setText(f"{money(nxt.amount, nxt.currency, locale)} on {day(nxt.date, locale)}")
        elif summary.current_period_end:
            self.next_bill.setText(day(summary.current_period_end, locale))
        else:
            self.next_bill.setText("—")
        card_info = summary.card
        if card_info is None:
            self.card_icon.clear()
            self.card_text.setText("No card on file")
        else:
            height = theme.em(self, 1.2)
            self.card_icon.setPixmap(theme.brand_icon(card_info.brand).pixmap(round(height * 1.5), height))
            self.card_text.setText(f"{card_info.brand.title()} •••• {card_info.last4}   "
                                   f"expires {card_info.exp_month:02d}/{card_info.exp_year}")
        pending = summary.pending_change
        self.pending.setText(f"Switches to {pending.plan.name} "
                             f"({plan_price(pending.plan, locale)}) "
                             f"on {day(pending.effective_at, locale)}" if pending else "Nothing")
        self.keep_button.setText(f"Keep {summary.plan.name}" if summary.plan else "Keep my plan")
        self.form.setRowVisible(2, pending is not None)
        credit = summary.credit
        self.credit.setText(f"{money(credit.amount, credit.currency, locale)}, used by your next bills"
                            if credit else "")
        self.form.setRowVisible(3, credit is not None)
