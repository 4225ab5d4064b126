"""One-click fixes that do not leave the app: pay a failed invoice now, keep the current plan (undo a
scheduled switch), abandon an open Checkout page. Each runs off the GUI thread and says what happened;
a declined card offers "Update card" right there."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from ...services import BridgeRefused, Invoice, Summary, money
from ..common.errors import report
from ..common.widgets import locale_name
from .billing_state import Billing


class DeclinedDialog(QMessageBox):
    """The card was declined: say so and offer to update it in the portal."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Card declined")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setText(text)
        self.update_button = self.addButton("Update card", QMessageBox.ButtonRole.AcceptRole)
        self.update_button.setObjectName("primary")
        self.addButton(QMessageBox.StandardButton.Close)


def is_declined(exc: BaseException) -> bool:
    return isinstance(exc, BridgeRefused) and exc.code == "payment_failed"


class BillingActions(QObject):
    done = Signal(str)           # what happened, in the owner's words
    update_card = Signal()       # the owner chose to update the card (portal flow payment_method_update)
    checkout_closed = Signal()   # the open Checkout page was abandoned

    def __init__(self, billing: Billing, window: QWidget) -> None:
        super().__init__(window)
        self.billing = billing
        self.window = window
        self.declined: DeclinedDialog | None = None

    def offer_card_update(self, text: str) -> DeclinedDialog:
        self.declined = DeclinedDialog(text, self.window)
        self.declined.update_button.clicked.connect(self.update_card.emit)
        self.declined.open()
        return self.declined

    def pay_now(self, invoice_id: str) -> None:
        client = self.billing.client
        if client is None:
            return

        def paid(invoice: Invoice) -> None:
            self.billing.refresh()
            self.done.emit(f"Paid {money(invoice.amount_paid, invoice.currency, locale_name())}. Thank you!"
                           if invoice.status == "paid" else "The payment is being processed.")

        def failed(exc: BaseException) -> None:
            self.billing.refresh()
            if is_declined(exc):
                self.offer_card_update("Your card was declined, so the bill is still open. Update your card: "
                                       "the bill is paid with the new one.")
            else:
                report(exc)

        self.billing.pool.start(lambda: client.pay_invoice(invoice_id), on_done=paid, on_error=failed)

    def keep_plan(self) -> None:
        client = self.billing.client
        if client is None:
            return

        def kept(summary: Summary) -> None:
            self.billing.apply_summary(summary)
            self.billing.refresh()
            name = summary.plan.name if summary.plan else "your plan"
            self.done.emit(f"You keep {name}; nothing changes at the end of the period.")

        self.billing.pool.start(client.keep_current_plan, on_done=kept, on_error=report)

    def abandon_checkout(self) -> None:
        client = self.billing.client
        if client is None:
            return

        def abandoned(_: object) -> None:
            self.checkout_closed.emit()
            self.done.emit("That payment page was closed; choose a plan again when you are ready.")

        self.billing.pool.start(client.abandon_checkout, on_done=abandoned, on_error=report)
