"""The user guide that ships inside the app (resources/user-guide.md), readable offline."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout, QWidget

from ...services.paths import resources_dir
from ..common import theme

GUIDE = resources_dir() / "user-guide.md"


class GuideWindow(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Billing Manager Help")
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        self.browser.setMarkdown(GUIDE.read_text(encoding="utf-8"))   # a few KB that ship with the app
        layout.addWidget(self.browser)
        self.resize(theme.em(self, 36), theme.em(self, 32))

    def text(self) -> str:
        return self.browser.toPlainText()
