"""One browser sign-in as a QObject: the loopback redirect arrives as a signal on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication

from ...services.oauth import BrowserSignIn, Redirect
from ..common.worker import WorkerPool


class BrowserFlow(QObject):
    redirected = Signal(object)   # services.oauth.Redirect, emitted from the listener's thread (queued here)

    def __init__(self, bridge_url: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sign_in = BrowserSignIn(bridge_url, self._received)
        self._closed = False

    @property
    def url(self) -> str:
        return self.sign_in.url

    def _received(self, redirect: Redirect) -> None:   # the listener's thread
        self.redirected.emit(redirect)

    def open_browser(self) -> bool:
        """False when the system could not open a browser (QDesktopServices says so)."""
        return QDesktopServices.openUrl(QUrl(self.url))

    def copy_link(self) -> None:
        QGuiApplication.clipboard().setText(self.url)

    def close(self, pool: WorkerPool) -> None:
        """Stop listening, on a worker: the listener's loop takes a moment to notice."""
        if not self._closed:
            self._closed = True
            pool.start(self.sign_in.close)
