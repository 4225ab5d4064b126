"""billing-manager://connect links, from the command line, a second start or macOS's URL open event.

A link fills in the sign-in's billing server address; while the owner is signed in to another bridge,
it asks before signing them out there. A link the app will not use is said in the window's banner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QMessageBox, QWidget

from ...services.addresses import SCHEME, BadAddress, from_link

if TYPE_CHECKING:
    from .main_window import MainWindow


class SwitchDialog(QMessageBox):
    """Signed in to one bridge, the link names another: switching signs the owner out first."""

    def __init__(self, current: str, email: str, address: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.address = address
        self.setWindowTitle("Switch billing server?")
        self.setIcon(QMessageBox.Icon.Question)
        self.setText("Switch to another billing server?")
        self.setInformativeText(f"You are signed in to {current} as {email}.\n"
                                f"The link connects to {address}.\n\n"
                                "Switching signs you out here first.")
        self.switch_button = self.addButton("Sign out and switch", QMessageBox.ButtonRole.AcceptRole)
        self.stay_button = self.addButton("Stay signed in", QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.stay_button)


class LinkHandler(QObject):
    """Takes links for one window; links that come before its start has settled wait for it."""

    address_used = Signal(str)   # the sign-in now offers this bridge

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.switch_dialog: SwitchDialog | None = None
        dialog = window.sign_in_dialog
        self._settled = window.billing.client is not None or (dialog is not None and dialog.isVisible())
        self._pending = ""
        self._after_sign_out = ""
        window.sign_in_shown.connect(self._sign_in_shown)
        window.session_bound.connect(self._settle)

    def open(self, text: str) -> None:
        """A link (or "" from a plain second start: just come to the front)."""
        self._raise()
        if not text.strip():
            return
        try:
            address = from_link(text)
        except BadAddress as exc:
            self.window.show_error(exc.message)
            return
        if self._settled:
            self._use(address)
        else:
            self._pending = address

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """macOS hands a clicked billing-manager:// link to the running app as a QFileOpenEvent."""
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            url = event.url()
            if url.scheme().lower() == SCHEME:
                self.open(url.toString())
                return True
        return super().eventFilter(watched, event)

    def _sign_in_shown(self) -> None:
        if self._after_sign_out:
            address, self._after_sign_out = self._after_sign_out, ""
            self._offer(address)
        self._settle()

    def _settle(self) -> None:
        self._settled = True
        if self._pending:
            address, self._pending = self._pending, ""
            self._use(address)

    def _use(self, address: str) -> None:
        session = self.window.session
        signed_in = self.window.billing.client is not None
        if not signed_in:
            self._offer(address)
        elif address == session.bridge_url:
            self.window.statusBar().showMessage(f"Already connected to {address}.", 10_000)
        else:
            self._ask(address)

    def _ask(self, address: str) -> None:
        if self.switch_dialog is not None:
            self.switch_dialog.close()
        session = self.window.session
        dialog = SwitchDialog(session.bridge_url, session.email, address, self.window)
        dialog.switch_button.clicked.connect(lambda: self._switch(address))
        self.switch_dialog = dialog
        dialog.open()

    def _switch(self, address: str) -> None:
        self._after_sign_out = address
        self.window.sign_out()   # signs out of the current bridge, then shows the sign-in

    def _offer(self, address: str) -> None:
        """Not signed in: the sign-in offers the link's bridge, remembered for the next start too."""
        session = self.window.session
        session.config.bridge_url = address
        config, paths = session.config, session.paths
        self.window.pool.start(lambda: config.save(paths), on_error=lambda exc: None)
        dialog = self.window.sign_in_dialog
        if dialog is not None and dialog.isVisible():
            dialog.use_address(address)
        else:
            self.window.show_sign_in()
        self.address_used.emit(address)

    def _raise(self) -> None:
        window = self.window
        window.showNormal() if window.isMinimized() else window.show()
        window.raise_()
        window.activateWindow()
