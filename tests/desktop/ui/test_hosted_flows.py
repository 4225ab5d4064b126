"""Hosted Stripe pages (portal, checkout) opened from the app and completed in a test 'browser'.

One bridge for the module: each test changes a different demo owner (pro cancels and renews, starter
updates the card, new subscribes)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from ...support.browser import Browser, forms, submit
from ...support.harness import button, texts

CARD = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}


def test_portal_cancel_shows_cancels_on_and_keep_my_plan(open_window, browser: Browser, qtbot) -> None:
    parts = open_window.signed_in("pro@demo.test")
    window = parts.window
    waiting_seen: list[str] = []
    window.hosted.opened.connect(lambda _: waiting_seen.append(window.status_label.text()))
    browser.plan.append(("cancel", {"reason": "too_expensive", "comment": "from the test"}))
    qtbot.mouseClick(button(window.overview, "Manage subscription"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(browser.results), timeout=20_000)
    assert "/p/session/" in browser.visited[0]
    assert browser.results[0].status_code == 200
    assert waiting_seen == ["Waiting for Stripe…"]
    qtbot.waitUntil(lambda: "Cancels on" in texts(window.overview), timeout=20_000)
    assert "Keep my plan" in window.overview.warning_buttons
    qtbot.waitUntil(lambda: not parts.billing.waiting, timeout=5_000)
    assert not window.hosted.poll_timer.isActive() and not window.waiting_banner.isVisible()

    browser.plan.append(("renew", {}))
    qtbot.mouseClick(window.overview.warning_buttons["Keep my plan"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(browser.results) == 2, timeout=20_000)
    assert browser.results[1].status_code == 200
    qtbot.waitUntil(lambda: "Keep my plan" not in window.overview.warning_buttons, timeout=20_000)
    assert "Active" in texts(window.overview)


def test_waiting_for_stripe_gives_up_after_the_time_limit(open_window, browser: Browser, qtbot) -> None:
    parts = open_window.signed_in("pro@demo.test")
    window = parts.window
    qtbot.mouseClick(button(window.overview, "Manage subscription"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(browser.visited), timeout=20_000)
    assert parts.billing.waiting and window.waiting_banner.isVisible()
    assert window.status_label.text() == "Waiting for Stripe…"
    assert window.hosted.poll_timer.isActive() and window.hosted.listener.running
    window.hosted.clock = lambda: float("inf")     # ten minutes later, the owner never finished
    qtbot.waitUntil(lambda: not parts.billing.waiting, timeout=10_000)
    assert not window.hosted.poll_timer.isActive() and not window.waiting_banner.isVisible()
    qtbot.waitUntil(lambda: not window.hosted.listener.running, timeout=5_000)
    assert window.status_label.text().startswith("Updated")


def test_update_card_opens_the_payment_method_flow(open_window, browser: Browser, qtbot) -> None:
    parts = open_window.signed_in("starter@demo.test")
    overview = parts.window.overview
    browser.plan.append(("update-card", CARD))
    qtbot.mouseClick(overview.warning_buttons["Update card"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(browser.results), timeout=20_000)
    qtbot.waitUntil(lambda: "Update card" not in overview.warning_buttons, timeout=20_000)
    assert "•••• 4242" in texts(overview)


def test_checkout_for_a_new_owner_ends_with_an_active_plan(open_window, browser: Browser, qtbot) -> None:
    parts = open_window.signed_in("new@demo.test")
    window = parts.window
    qtbot.mouseClick(button(window.overview, "Choose a plan"), Qt.MouseButton.LeftButton)
    browser.plan.append(("pay", {**CARD, "name": "New Owner"}))
    qtbot.mouseClick(button(window.plans, "Subscribe to Pro"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(browser.results), timeout=20_000)
    assert "/c/pay/" in browser.visited[0]
    assert browser.results[0].status_code == 200
    qtbot.waitUntil(lambda: "Pro plan" in texts(window.overview), timeout=20_000)
    assert "Active" in texts(window.overview)
    qtbot.waitUntil(lambda: not parts.billing.waiting, timeout=5_000)


def test_the_event_stream_alone_brings_the_change(open_window, browser: Browser, qtbot) -> None:
    parts = open_window.signed_in("pastdue@demo.test")
    window = parts.window
    window.hosted.poll_timer.setInterval(600_000)    # no polling: only the bridge's event stream can tell
    with qtbot.waitSignal(window.hosted.listener.connected, timeout=20_000):
        qtbot.mouseClick(window.overview.warning_buttons["Update card"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not parts.billing.refreshing, timeout=10_000)
    page_url, html = browser.visited[0], browser.pages[0]
    assert "update-card" in forms(html)
    submitted = submit(browser.http, page_url, html, "update-card", CARD)
    assert submitted.status_code == 200
    qtbot.waitUntil(lambda: "•••• 4242" in texts(window.overview), timeout=20_000)


def test_a_browser_that_does_not_start_is_said_and_the_link_offered(open_window, qtbot) -> None:
    """No URL handler and no browser (offscreen Qt): openUrl answers False, as when chromium refused to start."""
    parts = open_window.signed_in("pro@demo.test")
    window, banner = parts.window, parts.window.waiting_banner
    qtbot.mouseClick(button(window.overview, "Manage subscription"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(banner.isVisible, timeout=20_000)
    assert "did not open" in banner.text.text() and "Waiting" not in banner.text.text()
    assert not parts.billing.waiting and not window.hosted.poll_timer.isActive()
    assert window.status_label.text().startswith("Updated")
    for words in ("Open again", "Copy link", "Dismiss"):
        assert button(banner, words).isEnabled()
    qtbot.mouseClick(button(banner, "Open again"), Qt.MouseButton.LeftButton)
    assert "did not open" in banner.text.text()

    qtbot.mouseClick(button(banner, "Copy link"), Qt.MouseButton.LeftButton)
    link = QGuiApplication.clipboard().text()
    assert "/p/session/" in link and link == window.hosted.url
    assert banner.text.text().startswith("Link copied") and parts.billing.waiting
    assert window.status_label.text() == "Waiting for Stripe…"

    qtbot.mouseClick(button(banner, "Dismiss"), Qt.MouseButton.LeftButton)
    assert not banner.isVisible() and not parts.billing.waiting
    assert not window.hosted.poll_timer.isActive()
    qtbot.waitUntil(lambda: not window.hosted.listener.running, timeout=5_000)


def test_the_waiting_banner_can_always_be_dismissed_or_opened_again(open_window, browser: Browser, qtbot) -> None:
    parts = open_window.signed_in("pro@demo.test")
    window, banner = parts.window, parts.window.waiting_banner
    qtbot.mouseClick(button(window.overview, "Manage subscription"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(browser.visited), timeout=20_000)
    assert banner.isVisible() and banner.text.text().startswith("Waiting for Stripe")
    assert [b.text() for b in (banner.open_button, banner.copy_button, banner.dismiss_button)] == [
        "Open again", "Copy link", "Dismiss"]
    qtbot.mouseClick(banner.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(browser.visited) == 2, timeout=10_000)
    assert browser.visited[1] == browser.visited[0]   # the same page: a new one would expire a Checkout in progress
    qtbot.mouseClick(banner.dismiss_button, Qt.MouseButton.LeftButton)
    assert not banner.isVisible() and not parts.billing.waiting
    qtbot.waitUntil(lambda: not window.hosted.listener.running, timeout=5_000)


def test_back_in_the_app_with_nothing_changed_the_wait_ends_soon(open_window, browser: Browser, qtbot) -> None:
    parts = open_window.signed_in("pro@demo.test")
    window = parts.window
    now = [1000.0]
    window.hosted.clock = lambda: now[0]
    qtbot.mouseClick(button(window.overview, "Manage subscription"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(browser.visited), timeout=20_000)
    now[0] += 60                      # a minute in the browser: still waiting
    window.hosted.window_deactivated()
    window.hosted.window_activated()  # back in the app; its refresh shows no change
    now[0] += window.hosted.back_grace - 1
    qtbot.waitUntil(lambda: not parts.billing.refreshing, timeout=10_000)
    assert parts.billing.waiting
    now[0] += 2
    with qtbot.waitSignal(window.hosted.gave_up, timeout=10_000):
        pass
    assert not window.waiting_banner.isVisible()
    assert "nothing changed" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not window.hosted.listener.running, timeout=5_000)
