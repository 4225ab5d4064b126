"""Plans: Starter and Pro side by side; switching shows the preview and asks before it commits."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QVBoxLayout, QWidget)

from ...services import PlanChangePreview, PlanOffer, day, money
from ...services.formatting import plan_price
from ..common import theme
from ..common.widgets import card, clear_layout, icon_label, locale_name, muted, scroll_body, title
from .billing_state import Billing


class PlansPage(QScrollArea):
    switch_requested = Signal(str)      # plan key, for an owner with a subscription
    subscribe_requested = Signal(str)   # plan key, for an owner without one (Checkout)
    abandon_requested = Signal()        # give up the Checkout page that is open in the browser
    keep_requested = Signal()           # undo the scheduled plan switch

    def __init__(self, billing: Billing, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.billing = billing
        body, outer = scroll_body(self)
        outer.addWidget(title("Plans", body))
        self.note = muted("", body)
        outer.addWidget(self.note)
        actions = QHBoxLayout()
        self.keep_button = QPushButton("Keep my plan", body)
        self.keep_button.clicked.connect(self.keep_requested.emit)
        self.abandon_button = QPushButton("Abandon this payment", body)
        self.abandon_button.clicked.connect(self.abandon_requested.emit)
        actions.addWidget(self.keep_button)
        actions.addWidget(self.abandon_button)
        actions.addStretch(1)
        outer.addLayout(actions)
        self.row = QHBoxLayout()
        self.row.setSpacing(theme.em(body, 1))
        outer.addLayout(self.row)
        outer.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        self.busy = False
        self.checkout_plan: str | None = None   # the plan whose Checkout page is open in the browser
        self._clickable: dict[str, bool] = {}
        self._stale = False
        billing.changed.connect(self._changed)
        self.show_plans()

    def _changed(self) -> None:
        """Fill the cards now if the page is on screen, else when it is next shown: at start-up the
        overview's first paint should not wait for cards nobody sees yet."""
        if self.isVisibleTo(self.window()):
            self.show_plans()
        else:
            self._stale = True

    def fill_if_stale(self) -> None:
        if self._stale:
            self.show_plans()

    def showEvent(self, event: QShowEvent) -> None:
        self.fill_if_stale()
        super().showEvent(event)

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        for key, button in self.buttons.items():
            button.setEnabled(not busy and self._clickable.get(key, False))

    def checkout_opened(self, plan: str) -> None:
        """A Checkout page for `plan` is open: the other plans wait until it is paid or abandoned."""
        self.checkout_plan = plan
        self.show_plans()

    def checkout_closed(self) -> None:
        self.checkout_plan = None
        self.show_plans()

    def show_plans(self) -> None:
        self._stale = False
        clear_layout(self.row)
        self.buttons = {}
        summary = self.billing.summary
        subscribed = summary is not None and summary.has_subscription
        if subscribed:
            self.checkout_plan = None
        pending = summary.pending_change if summary is not None else None
        self.keep_button.setVisible(pending is not None and bool(self.billing.plans))
        self.abandon_button.setVisible(self.checkout_plan is not None and bool(self.billing.plans))
        if summary is not None and summary.plan is not None:
            self.keep_button.setText(f"Keep {summary.plan.name}")
        if not self.billing.plans:
            self.note.setText("Loading plans…" if self.billing.client is not None else "")
            return
        waiting = next((p.name for p in self.billing.plans if p.key == self.checkout_plan), None)
        if waiting is not None:
            self.note.setText(f"Finish paying for {waiting} on Stripe's page in your browser; this page updates "
                              "by itself. Changed your mind? Abandon that payment to choose again.")
        elif pending is not None:
            self.note.setText(f"Your plan switches to {pending.plan.name} on {day(pending.effective_at, locale_name())}. "
                              "Changed your mind? Keep your current plan.")
        elif subscribed:
            self.note.setText("Upgrades take effect at once, with the difference charged now. "
                              "Downgrades take effect at the end of the period.")
        else:
            self.note.setText("Choose a plan: you pay securely on Stripe's page in your browser.")
        for plan in self.billing.plans:
            frame = self._plan_card(plan, subscribed)
            self.row.addWidget(frame, 1)
            frame.show()

    def _plan_card(self, plan: PlanOffer, subscribed: bool) -> QWidget:
        frame, layout = card(self, "planCard")
        frame.setProperty("current", "true" if plan.current else "false")
        header = QHBoxLayout()
        name = QLabel(plan.name, frame)
        name.setFont(theme.font(name, 1.4, bold=True))
        header.addWidget(name)
        header.addStretch(1)
        badge = QLabel("Current plan", frame)
        badge.setObjectName("badge")
        header.addWidget(badge)
        if not plan.current:   # hidden but holding its height, so prices and features line up across cards
            policy = badge.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            badge.setSizePolicy(policy)
            badge.hide()
        layout.addLayout(header)
        price = QLabel(plan_price(plan, locale_name()), frame)
        price.setFont(theme.font(price, 1.2))
        layout.addWidget(price)
        features = QGridLayout()
        features.setColumnStretch(1, 1)
        for row, feature in enumerate(plan.features):
            features.addWidget(icon_label("check", 1.0, frame, "#16a34a"), row, 0)
            text = QLabel(feature, frame)
            text.setWordWrap(True)
            features.addWidget(text, row, 1)
        layout.addLayout(features)
        layout.addStretch(1)
        if plan.current:
            button = QPushButton("Your current plan", frame)
            button.setEnabled(False)
        elif plan.scheduled:
            pending = self.billing.summary.pending_change if self.billing.summary else None
            when = day(pending.effective_at, locale_name()) if pending else "the end of the period"
            button = QPushButton(f"Starts on {when}", frame)
            button.setEnabled(False)
        elif self.checkout_plan == plan.key:
            button = QPushButton("Waiting for your payment…", frame)
            button.setEnabled(False)
        elif subscribed:
            button = QPushButton(f"Switch to {plan.name}", frame)
            button.setObjectName("primary")
            button.clicked.connect(lambda: self.switch_requested.emit(plan.key))
        else:
            button = QPushButton(theme.icon("external", "#ffffff"), f"Subscribe to {plan.name}", frame)
            button.setObjectName("primary")
            button.clicked.connect(lambda: self.subscribe_requested.emit(plan.key))
        self._clickable[plan.key] = button.isEnabled() and self.checkout_plan is None
        button.setEnabled(self._clickable[plan.key] and not self.busy)
        self.buttons[plan.key] = button
        layout.addWidget(button)
        return frame


class PlanChangeDialog(QDialog):
    """Shows what a plan change costs now and later; the owner confirms before anything changes."""

    def __init__(self, preview: PlanChangePreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        locale = locale_name()
        self.setWindowTitle(f"Switch to {preview.plan.name}")
        layout = QVBoxLayout(self)
        layout.setSpacing(theme.em(self, 0.6))
        heading = QLabel(f"Switch to {preview.plan.name} "
                         f"({plan_price(preview.plan, locale)})", self)
        heading.setFont(theme.font(heading, 1.25, bold=True))
        layout.addWidget(heading)
        if preview.effective == "now":
            self.now_label = QLabel(f"Charged now: {money(preview.amount_due_now, preview.currency, locale)}", self)
        else:
            when = day(preview.next_date, locale) if preview.next_date else "the end of this period"
            self.now_label = QLabel(f"Nothing is charged now. The downgrade takes effect on {when}.", self)
        self.now_label.setWordWrap(True)
        self.now_label.setFont(theme.font(self.now_label, 1.05, bold=True))
        layout.addWidget(self.now_label)
        if preview.lines:
            grid = QGridLayout()
            grid.setColumnStretch(0, 1)
            for row, line in enumerate(preview.lines):
                text = QLabel(line.description, self)
                text.setWordWrap(True)
                grid.addWidget(text, row, 0)
                amount = QLabel(money(line.amount, preview.currency, locale), self)
                from PySide6.QtCore import Qt  # looked up late: see theme's QT_NAMESPACE_NOTE
                amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                grid.addWidget(amount, row, 1)
            layout.addLayout(grid)
        if preview.next_amount is not None and preview.next_date:
            self.next_label = QLabel(f"Then {money(preview.next_amount, preview.currency, locale)} "
                                     f"on {day(preview.next_date, locale)}.", self)
        else:
            self.next_label = QLabel("", self)
        layout.addWidget(self.next_label)
        buttons = QDialogButtonBox(self)
        self.confirm_button = buttons.addButton(
            "Upgrade now" if preview.effective == "now" else "Schedule downgrade",
            QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm_button.setObjectName("primary")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(theme.em(self, 24))
