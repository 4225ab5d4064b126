"""Signing in through the browser, as the owner does by default: the real window, a real bridge, a real
loopback listener; the system browser is tests/support/browser.py (it fetches the bridge's page and
submits its form with httpx, and follows the redirect to the app's listener)."""

from __future__ import annotations

import socket

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from ...support.harness import button, texts


def sign_in_dialog(parts, qtbot):  # noqa: ANN001, ANN201
    parts.window.start()
    qtbot.waitUntil(lambda: parts.window.sign_in_dialog is not None and parts.window.sign_in_dialog.isVisible())
    return parts.window.sign_in_dialog


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_signing_in_opens_the_browser_and_comes_back_signed_in(open_window, browser, backend, qtbot) -> None:
    parts = open_window.build("browser", sign_in="browser")
    dialog = sign_in_dialog(parts, qtbot)
    assert not dialog.password_box.isVisible() and not dialog.sign_in_button.isVisible()
    assert "Sign in with your browser" in texts(dialog)
    browser.plan.append(("sign-in", {"email": "pro@demo.test", "password": "demo"}))
    with qtbot.waitSignal(parts.window.ready, timeout=30_000):
        qtbot.mouseClick(dialog.browser_button, Qt.MouseButton.LeftButton)
    assert browser.visited[0].startswith(f"{backend.url}/v1/auth/authorize?")
    assert "Sign in to Billing Manager" in browser.pages[0]
    landed = browser.results[-1]
    assert landed.url.host == "127.0.0.1" and landed.url.path == "/callback"
    assert "You can close this tab" in landed.text
    assert not dialog.isVisible() and "Pro plan" in texts(parts.window.overview)
    session = parts.session
    assert session.config.email == "pro@demo.test" and session.store.get(session.owner_key)
    qtbot.waitUntil(lambda: not listening(landed.url.port))   # the listener is gone once the code came back


def test_the_waiting_state_offers_open_again_copy_link_and_cancel(open_window, browser, qtbot) -> None:
    parts = open_window.build("waiting", sign_in="browser")
    dialog = sign_in_dialog(parts, qtbot)
    qtbot.mouseClick(dialog.browser_button, Qt.MouseButton.LeftButton)   # the browser shows the page; nobody signs in
    assert dialog.waiting and len(browser.visited) == 1
    shown = texts(dialog.waiting_page)
    assert "Finish signing in in your browser" in shown and "Waiting for your browser" in shown
    assert "Your browser shows the billing server's sign-in page" in shown
    link = dialog.flow.url
    port = dialog.flow.sign_in.listener.port
    qtbot.mouseClick(button(dialog, "Copy link"), Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == link
    qtbot.mouseClick(button(dialog, "Open the browser again"), Qt.MouseButton.LeftButton)
    assert browser.visited == [link, link]
    qtbot.mouseClick(button(dialog.waiting_page, "Cancel"), Qt.MouseButton.LeftButton)
    assert not dialog.waiting and dialog.isVisible() and dialog.flow is None
    qtbot.waitUntil(lambda: not listening(port))
    assert parts.session.client is None


def test_a_browser_that_does_not_open_is_said_so(open_window, qtbot) -> None:
    """No browser fixture: the offscreen platform cannot open URLs, so QDesktopServices.openUrl says False."""
    parts = open_window.build("no-browser", sign_in="browser")
    dialog = sign_in_dialog(parts, qtbot)
    qtbot.mouseClick(dialog.browser_button, Qt.MouseButton.LeftButton)
    assert dialog.waiting
    assert "Your browser did not open" in dialog.waiting_label.text()
    assert button(dialog, "Copy link") and button(dialog, "Open the browser again")
    dialog.reject()
    assert dialog.flow is None


def test_a_redirect_with_another_state_is_ignored_and_an_error_is_shown(open_window, browser, qtbot) -> None:
    parts = open_window.build("state", sign_in="browser")
    dialog = sign_in_dialog(parts, qtbot)
    qtbot.mouseClick(dialog.browser_button, Qt.MouseButton.LeftButton)
    redirect_uri, state = dialog.flow.sign_in.redirect_uri, dialog.flow.sign_in.state
    with httpx.Client(timeout=5) as elsewhere:
        forged = elsewhere.get(redirect_uri, params={"code": "forged", "state": "guess"})
        assert forged.status_code == 400
        QApplication.processEvents()   # the listener answered after handing on what it took: nothing was
        assert dialog.waiting
        elsewhere.get(redirect_uri, params={"error": "access_denied", "error_description": "You said no.",
                                            "state": state})
    qtbot.waitUntil(lambda: not dialog.waiting)
    assert dialog.error_label.isVisible() and "You said no." in dialog.error_label.text()
    assert parts.session.client is None


def test_a_code_the_bridge_refuses_leaves_the_owner_on_the_dialog(open_window, browser, qtbot) -> None:
    parts = open_window.build("refused", sign_in="browser")
    dialog = sign_in_dialog(parts, qtbot)
    qtbot.mouseClick(dialog.browser_button, Qt.MouseButton.LeftButton)
    with httpx.Client(timeout=5) as elsewhere:   # a code the bridge never issued, with the right state
        elsewhere.get(dialog.flow.sign_in.redirect_uri, params={"code": "made-up", "state": dialog.flow.sign_in.state})
    qtbot.waitUntil(lambda: dialog.error_label.isVisible() and "not valid" in dialog.error_label.text(),
                    timeout=15_000)
    assert not dialog.waiting and dialog.isVisible() and parts.session.client is None


def test_where_passwords_are_allowed_the_form_is_there_beside_the_browser(open_window, qtbot) -> None:
    parts = open_window.build("password", sign_in="password")
    dialog = sign_in_dialog(parts, qtbot)
    assert dialog.password_box.isVisible() and dialog.sign_in_button.isVisible()
    assert dialog.browser_button.isVisible()


@pytest.mark.parametrize("value", ["browser", "", "anything"])
def test_the_browser_is_the_default(open_window, qtbot, value: str) -> None:
    parts = open_window.build(f"default-{value or 'empty'}", sign_in=value)
    dialog = sign_in_dialog(parts, qtbot)
    assert not dialog.password_box.isVisible() and dialog.browser_button.isVisible()
