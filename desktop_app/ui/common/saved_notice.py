"""After a PDF or CSV is saved: a notice in the status bar with "Open" and "Show in folder"."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QProcess, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

SHOWN_MS = 30_000


def show_in_folder(path: Path, open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl) -> bool:
    """The file selected in the system's file manager where there is a way to ask for that (Windows,
    macOS), else its folder opened: there is no portable "select this file" on Linux desktops."""
    if sys.platform == "win32":
        return QProcess.startDetached("explorer", [f"/select,{path}"])[0]
    if sys.platform == "darwin":
        return QProcess.startDetached("open", ["-R", str(path)])[0]
    return bool(open_url(QUrl.fromLocalFile(str(path.parent))))


class SavedNotice(QWidget):
    """"Saved invoice-1.pdf  [Open] [Show in folder]" for half a minute, or until the next one."""

    failed = Signal(str)   # words for the owner when no app would open the file or folder

    def __init__(self, parent: QWidget | None = None,
                 open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl) -> None:
        super().__init__(parent)
        self.open_url = open_url
        self.paths: list[Path] = []
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.text = QLabel(self)
        self.open_button = QPushButton("Open", self)
        self.folder_button = QPushButton("Show in folder", self)
        self.open_button.clicked.connect(self.open_file)
        self.folder_button.clicked.connect(self.show_folder)
        row.addWidget(self.text)
        row.addWidget(self.open_button)
        row.addWidget(self.folder_button)
        row.addStretch(1)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SHOWN_MS)
        self.timer.timeout.connect(self.dismiss)
        self.hide()

    def saved(self, paths: Sequence[Path | str]) -> None:
        self.paths = [Path(p) for p in paths]
        if not self.paths:
            return
        first = self.paths[0]
        if len(self.paths) == 1:
            self.text.setText(f"Saved {first.name}")
        else:
            self.text.setText(f"Saved {len(self.paths)} files to {first.parent.name or first.parent}")
        self.text.setToolTip(str(first if len(self.paths) == 1 else first.parent))
        self.open_button.setVisible(len(self.paths) == 1)   # several files: their folder is the place to go
        self.show()
        self.timer.start()

    def open_file(self) -> None:
        if self.paths and not self.open_url(QUrl.fromLocalFile(str(self.paths[0]))):
            self.failed.emit(f"No app opened {self.paths[0].name}; it is in {self.paths[0].parent}.")

    def show_folder(self) -> None:
        if self.paths and not show_in_folder(self.paths[0], self.open_url):
            self.failed.emit(f"Could not open the folder {self.paths[0].parent}.")

    def dismiss(self) -> None:
        self.timer.stop()
        self.hide()
