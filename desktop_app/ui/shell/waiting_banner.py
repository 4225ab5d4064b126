"""The banner shown while a Stripe page is open in the browser: what is happening, and a way out every time."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ..common import theme
from .hosted import HostedFlow

WAITING = "Waiting for Stripe… Finish in your browser; this page updates by itself."
COPIED = "Link copied. Paste it into your browser and finish there; this page updates by itself."
NOT_OPENED = "Your browser did not open. Open the page again, or copy the link into a browser."


class WaitingBanner(QFrame):
    """Follows a HostedFlow: shown while it has a link, with Open again, Copy link and Dismiss."""

    def __init__(self, flow: HostedFlow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = flow
        self.copied = False
        self.setObjectName("waiting")
        layout = QHBoxLayout(self)
        pad = theme.em(self, 0.4)
        layout.setContentsMargins(pad * 2, pad, pad, pad)
        self.icon = QLabel(self)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.open_button = QPushButton("Open again", self)
        self.copy_button = QPushButton("Copy link", self)
        self.dismiss_button = QPushButton("Dismiss", self)
        self.open_button.clicked.connect(self._open_again)
        self.copy_button.clicked.connect(self._copy)
        self.dismiss_button.clicked.connect(flow.end)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        for button in (self.open_button, self.copy_button, self.dismiss_button):
            layout.addWidget(button)
        flow.state_changed.connect(self.follow)
        self.hide()

    def follow(self) -> None:
        flow = self.flow
        if not flow.url:
            self.copied = False
            self.hide()
            return
        if flow.launched:
            words, icon = WAITING, "clock"
        elif self.copied:
            words, icon = COPIED, "clock"
        else:
            words, icon = NOT_OPENED, "warning"
        self.text.setText(words)
        size = theme.em(self, 1.1)
        self.icon.setPixmap(theme.icon(icon).pixmap(size, size))
        self.show()

    def _open_again(self) -> None:
        self.copied = False
        self.flow.open_again()

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.flow.url)
        self.copied = True
        self.flow.link_copied()
        self.follow()
