"""Switching plans: preview off the GUI thread, the owner confirms in a dialog, then the change commits."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from ...services import BridgeRefused, PlanChangePreview, Summary
from ..common.errors import report
from .billing_state import Billing
from .plans import PlanChangeDialog


class PlanChangeFlow(QObject):
    busy = Signal(bool)
    changed = Signal(str)    # what happened, in the owner's words
    declined = Signal(str)   # the card was declined: the words, for a dialog that offers "Update card"

    def __init__(self, billing: Billing, window: QWidget) -> None:
        super().__init__(window)
        self.billing = billing
        self.window = window
        self.dialog: PlanChangeDialog | None = None

    def start(self, plan: str) -> None:
        client = self.billing.client
        if client is None:
            return
        self.busy.emit(True)
        self.billing.pool.start(lambda: client.preview_plan_change(plan), on_done=self._ask, on_error=self._failed)

    def _ask(self, preview: PlanChangePreview) -> None:
        self.busy.emit(False)
        self.dialog = PlanChangeDialog(preview, self.window)
        self.dialog.accepted.connect(lambda: self._commit(preview))
        self.dialog.open()

    def _commit(self, preview: PlanChangePreview) -> None:
        client = self.billing.client
        if client is None:
            return
        self.busy.emit(True)

        def done(summary: Summary) -> None:
            self.busy.emit(False)
            self.billing.apply_summary(summary)
            self.billing.refresh()
            self.changed.emit(f"Your plan is now {preview.plan.name}." if preview.effective == "now"
                              else f"Your plan switches to {preview.plan.name} at the end of this period.")

        self.billing.pool.start(lambda: client.change_plan(preview.plan.key, preview.proration_date),
                                on_done=done, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.busy.emit(False)
        if isinstance(exc, BridgeRefused) and exc.code == "payment_failed":
            self.billing.refresh()
            self.declined.emit("Your card was declined, so your plan was not changed. "
                               "Update your card, then switch again.")
            return
        report(exc)
