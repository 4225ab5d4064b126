"""View ▸ Theme: System, Light or Dark, applied at once and remembered in the desktop config."""

from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QApplication, QMenu

from ..common import theme

CHOICES = (("system", "&System"), ("light", "&Light"), ("dark", "&Dark"))


def add_theme_menu(view_menu: QMenu, chosen: Callable[[str], None]) -> dict[str, QAction]:
    """A Theme submenu of exclusive choices, the current one checked; `chosen(mode)` after applying it."""
    submenu = view_menu.addMenu("&Theme")
    group = QActionGroup(submenu)
    group.setExclusive(True)
    current = theme.mode(QApplication.instance())
    actions = {}
    for mode, words in CHOICES:
        action = QAction(words, submenu)
        action.setCheckable(True)
        action.setChecked(mode == current)
        action.triggered.connect(lambda _=False, mode=mode: _choose(mode, chosen))
        group.addAction(action)
        submenu.addAction(action)
        actions[mode] = action
    return actions


def _choose(mode: str, chosen: Callable[[str], None]) -> None:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        theme.apply(app, mode)
    chosen(mode)
