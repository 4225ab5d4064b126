"""The Help menu: the user guide (or the operator's own help pages) and About Billing Manager."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:   # the guide, About and the operator's settings load when first used, not on every start
    from ...services.addresses import OperatorDefaults
    from .about import AboutDialog
    from .guide import GuideWindow
    from .main_window import MainWindow


class HelpMenu:
    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        self.window = window
        self.menu = menu
        self.operator: OperatorDefaults | None = None
        self.about_dialog: AboutDialog | None = None
        self.guide: GuideWindow | None = None
        self.guide_action = QAction("Billing Manager &Help", window)
        self.guide_action.setShortcuts([QKeySequence("F1")])
        self.guide_action.triggered.connect(self.open_guide)
        menu.addAction(self.guide_action)
        menu.addSeparator()
        self.about_action = QAction("&About Billing Manager", window)
        self.about_action.triggered.connect(self.open_about)
        menu.addAction(self.about_action)

    def set_operator(self, operator: OperatorDefaults) -> None:
        """A branded build's own help pages replace the guide that ships with the app."""
        self.operator = operator

    def open_guide(self) -> None:
        if self.operator is not None and self.operator.docs:
            if QDesktopServices.openUrl(QUrl(self.operator.docs)):
                return
            self.window.show_error(f"Could not open your browser. The help pages are at {self.operator.docs}")
            return
        if self.guide is None:
            from .guide import GuideWindow
            self.guide = GuideWindow(self.window)
        self.guide.show()
        self.guide.raise_()

    def open_about(self) -> AboutDialog:
        from ...services import about  # importlib.metadata and the dialog: loaded when first asked for
        from .about import AboutDialog
        if self.about_dialog is not None:
            self.about_dialog.close()
        dialog = AboutDialog(about.app_version(), self.window.session.bridge_url, self.window)
        self.about_dialog = dialog
        # the distributions' metadata is read from disk: off the GUI thread
        self.window.pool.start(about.components, on_done=dialog.show_components)
        dialog.open()
        return dialog
