"""A tray icon that tells the owner about each warning once, where the platform has a tray."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from ...services.warnings import warnings_for
from ..common import theme
from ..common.widgets import locale_name
from ..plan.billing_state import Billing


class Tray(QObject):
    show_window = Signal()

    def __init__(self, billing: Billing, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.billing = billing
        self.notified: set[str] = set()
        self.icon: QSystemTrayIcon | None = None
        self.started = False
        billing.changed.connect(self.check)

    def start(self) -> None:
        """Put the icon in the tray, then tell about what is already known. Called after the first paint:
        on Linux the tray is a D-Bus round trip that the window need not wait for."""
        if self.started:
            return
        self.started = True
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(theme.icon("app"), self)
            self.icon.setToolTip("Billing Manager")
            menu = QMenu()
            menu.addAction("Show Billing Manager", self.show_window.emit)
            self.icon.setContextMenu(menu)
            self._menu = menu
            self.icon.activated.connect(lambda *_: self.show_window.emit())
            self.icon.show()
        self.check()

    def check(self) -> list[str]:
        """Notify each new warning once (from start() on); returns the texts shown now."""
        if not self.started:
            return []
        shown = []
        for warning in warnings_for(self.billing.summary, locale_name()):
            if warning.key in self.notified:
                continue
            self.notified.add(warning.key)
            shown.append(warning.text)
            if self.icon is not None:
                self.icon.showMessage("Billing Manager", warning.text, QSystemTrayIcon.MessageIcon.Warning)
        return shown

    def tell(self, notes: list) -> None:  # noqa: ANN001 - [earnings_notes.Note]
        """Earnings news (payouts, requirements, disputes), already filtered to what is new."""
        if self.icon is None:
            return
        for note in notes:
            kind = QSystemTrayIcon.MessageIcon.Warning if note.urgent else QSystemTrayIcon.MessageIcon.Information
            self.icon.showMessage("Billing Manager", note.text, kind)

    def reset(self) -> None:
        self.notified.clear()

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
