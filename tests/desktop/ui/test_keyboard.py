"""Keyboard and looks: focus is visible on every kind of stop, and the theme is the owner's choice, kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.services import Config
from desktop_app.ui.common import theme


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    """The app painted as `billing-manager` paints it; its looks as they were afterwards.

    Windows earlier tests closed are deleted first (their deleteLater needs an event loop to run): a new
    style sheet repolishes every widget still there, and half-torn-down ones from other tests crash it."""
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    palette, sheet = qapp.palette(), qapp.styleSheet()
    props = {name: qapp.property(name) for name in ("billingTheme", theme.MODE_PROPERTY)}
    theme.apply(qapp, "light")
    yield qapp
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)
    for name, value in props.items():
        qapp.setProperty(name, value)


def focused_and_not(widget: QWidget, elsewhere: QWidget, qtbot) -> tuple[object, object]:  # noqa: ANN001
    elsewhere.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(elsewhere.hasFocus)
    before = widget.grab().toImage()
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)
    return before, widget.grab().toImage()


@pytest.mark.parametrize("look", ["light", "dark"])
def test_focus_shows_on_the_sidebar_and_on_filled_buttons(open_window, themed, qtbot, look: str) -> None:
    theme.apply(themed, look)
    parts = open_window.signed_in("new@demo.test")
    window = parts.window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    choose = window.overview.choose_button
    assert choose.objectName() == "primary" and choose.isVisible()
    before, after = focused_and_not(choose, window.sidebar, qtbot)
    assert before != after, "a focused filled button looks the same as an unfocused one"
    before, after = focused_and_not(window.sidebar, choose, qtbot)
    assert before != after, "the focused sidebar looks the same as an unfocused one"


def test_the_view_menu_switches_the_theme_and_remembers_it(open_window, themed, qtbot) -> None:
    parts = open_window.signed_in("pro@demo.test")
    window = parts.window
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    submenu = next(a.menu() for a in view.actions() if a.text() == "&Theme")
    assert [a.text() for a in submenu.actions()] == ["&System", "&Light", "&Dark"]
    assert window.theme_actions["light"].isChecked()
    light_window = themed.palette().color(QPalette.ColorRole.Window).name()
    sidebar_icon = window.sidebar.item(0).icon().pixmap(32, 32).toImage()

    window.theme_actions["dark"].trigger()
    assert themed.property("billingTheme") == "dark"
    assert themed.palette().color(QPalette.ColorRole.Window).name() != light_window
    assert window.theme_actions["dark"].isChecked() and not window.theme_actions["light"].isChecked()
    assert window.sidebar.item(0).icon().pixmap(32, 32).toImage() != sidebar_icon   # icons follow at once
    paths = parts.session.paths
    qtbot.waitUntil(lambda: Config.load(paths).theme == "dark", timeout=5_000)

    window.theme_actions["system"].trigger()
    assert theme.mode(themed) == "system"
    qtbot.waitUntil(lambda: Config.load(paths).theme == "system", timeout=5_000)
