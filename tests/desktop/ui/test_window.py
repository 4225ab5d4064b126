"""The real window, driven as the owner would, against the bridge."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
import stripe
from PySide6.QtCore import Qt

from desktop_app.services import BridgeClient, DemoBridge, MemoryStore, NotSignedIn

from ...support.harness import Opener, button, texts
from ...support.proxy import Relay


def test_pro_owner_sees_plan_status_next_bill_and_card(open_window) -> None:
    parts = open_window.signed_in("pro@demo.test")
    page = parts.window.overview
    shown = texts(page)
    assert "Pro plan" in shown and "$25.00 / month" in shown
    assert "Active" in shown
    assert "•••• 4242" in shown and "Visa" in shown
    assert "$25.00 on " in shown
    assert page.warning_buttons == {}
    assert button(page, "Manage subscription")
    assert parts.window.status_label.text().startswith("Updated")


def test_keyboard_reaches_every_page_and_refreshes(open_window, qtbot) -> None:
    parts = open_window.signed_in("pro@demo.test")
    window = parts.window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    for key, page in ((Qt.Key.Key_3, "invoices"), (Qt.Key.Key_2, "plans"), (Qt.Key.Key_1, "overview")):
        qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
        assert window.current_page() == page
    with qtbot.waitSignal(parts.billing.loaded, timeout=15_000):
        qtbot.keyClick(window, Qt.Key.Key_F5)


@pytest.mark.parametrize("email, action, words", [
    ("starter@demo.test", "Update card", "expires"),
    ("pastdue@demo.test", "Pay now", "payment of $10.00 failed"),
])
def test_warnings_come_with_their_one_click_fix(open_window, email: str, action: str, words: str) -> None:
    parts = open_window.signed_in(email)
    page = parts.window.overview
    assert action in page.warning_buttons
    assert words in texts(page)
    assert "Starter plan" in texts(page)


def test_owner_without_a_plan_is_led_to_the_plans(open_window, qtbot) -> None:
    parts = open_window.signed_in("new@demo.test")
    window = parts.window
    assert "No plan yet" in texts(window.overview)
    qtbot.mouseClick(button(window.overview, "Choose a plan"), Qt.MouseButton.LeftButton)
    assert window.current_page() == "plans"
    assert button(window.plans, "Subscribe to Starter") and button(window.plans, "Subscribe to Pro")


def test_sign_in_with_a_wrong_password_then_the_right_one(open_window, qtbot) -> None:
    parts = open_window.build("signin", store=MemoryStore())
    dialog = sign_in_dialog(parts, qtbot)
    assert "No system keyring" in dialog.store_label.text() and dialog.store_label.isVisible()
    dialog.email_edit.setText("pro@demo.test")
    dialog.password_edit.setText("wrong")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Wrong email or password" in dialog.error_label.text())
    assert parts.session.client is None
    dialog.password_edit.setText("demo")
    with qtbot.waitSignal(parts.window.ready, timeout=20_000):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert "Pro plan" in texts(parts.window.overview)
    assert parts.session.store.get(parts.session.owner_key)
    assert parts.window.statusBar().currentMessage() == ""    # the keyring note was given once, in the dialog


def sign_in_dialog(parts, qtbot):  # noqa: ANN001, ANN201
    parts.window.start()
    qtbot.waitUntil(lambda: parts.window.sign_in_dialog is not None and parts.window.sign_in_dialog.isVisible())
    return parts.window.sign_in_dialog


def test_sign_in_to_an_address_where_nothing_answers(open_window, qtbot) -> None:
    parts = open_window.build("nowhere")
    dialog = sign_in_dialog(parts, qtbot)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    dialog.url_edit.setText(closed)
    dialog.email_edit.setText("pro@demo.test")
    dialog.password_edit.setText("demo")
    dialog.submit()
    qtbot.waitUntil(lambda: "Could not reach the billing server" in dialog.error_label.text(), timeout=15_000)
    assert dialog.isVisible() and dialog.sign_in_button.isEnabled()
    dialog.url_edit.setText("http://billing.example.com")
    dialog.submit()
    assert "must start with https://" in dialog.error_label.text()


def test_an_address_typed_without_https_is_completed(open_window, qtbot) -> None:
    """Typed by hand as a last resort: the owner leaves out the scheme (http:// only for this computer)."""
    parts = open_window.build("typed")
    dialog = sign_in_dialog(parts, qtbot)
    dialog.url_edit.setText(open_window.url.removeprefix("http://") + "/")
    dialog.email_edit.setText("pro@demo.test")
    dialog.password_edit.setText("demo")
    with qtbot.waitSignal(parts.window.ready, timeout=20_000):
        dialog.submit()
    assert parts.session.bridge_url == open_window.url


def test_too_many_wrong_passwords_say_how_long_to_wait(open_window, qtbot) -> None:
    parts = open_window.build("locked")
    dialog = sign_in_dialog(parts, qtbot)
    dialog.email_edit.setText("nobody@demo.test")
    for attempt in range(8):
        dialog.password_edit.setText(f"guess-{attempt}")
        dialog.submit()
        qtbot.waitUntil(lambda: dialog.sign_in_button.isEnabled(), timeout=15_000)
        if "Too many" in dialog.error_label.text():
            break
    assert re.search(r"Too many sign-in attempts\. Try again in \d+ (minute|second)s?\.", dialog.error_label.text())


def test_sign_out_clears_the_view_and_revokes_the_token(open_window, backend, qtbot) -> None:
    parts = open_window.signed_in("pro@demo.test")
    owner_key = parts.session.owner_key
    token = parts.session.store.get(owner_key)
    parts.window.sign_out_action.trigger()
    assert "Pro plan" not in texts(parts.window.overview)
    assert parts.window.invoices.model.rowCount() == 0
    qtbot.waitUntil(lambda: parts.window.sign_in_dialog is not None and parts.window.sign_in_dialog.isVisible())
    assert parts.session.store.get(owner_key) is None
    assert not parts.session.cache.path_for(owner_key).exists()
    with BridgeClient(backend.bridge.url, token=token) as old, pytest.raises(NotSignedIn):
        old.summary()


def test_the_tray_tells_about_each_warning_once(open_window) -> None:
    parts = open_window.signed_in("starter@demo.test")
    tray = parts.window.tray
    assert any(key.startswith("card_expires") for key in tray.notified)
    assert tray.check() == []


def test_invoices_page_in_as_the_view_scrolls_and_pdfs_download(open_window, browser, qtbot,
                                                                tmp_path: Path) -> None:
    parts = open_window.signed_in("pro@demo.test")
    window = parts.window
    window.show_page("invoices")
    page = window.invoices
    model = page.model
    assert model.rowCount() == 5 and model.has_more
    qtbot.waitUntil(lambda: not model.loading)
    while model.has_more:
        before = model.rowCount()
        page.table.scrollToBottom()
        qtbot.waitUntil(lambda: model.rowCount() > before or not model.has_more, timeout=10_000)
    assert model.rowCount() >= 12
    page.table.selectRow(0)
    page.table.selectionModel().select(model.index(1, 0), page.table.selectionModel().SelectionFlag.Select
                                       | page.table.selectionModel().SelectionFlag.Rows)
    assert len(page.selected_invoices()) == 2
    with qtbot.waitSignal(page.downloaded, timeout=20_000) as saved:
        page.download_selected(tmp_path / "pdfs")
    paths = saved.args[0]
    assert len(paths) == 2 and all(p.read_bytes().startswith(b"%PDF") for p in paths)
    assert sorted(p.name for p in (tmp_path / "pdfs").iterdir()) == sorted(p.name for p in paths)
    assert "Saved 2 PDFs" in page.note.text()
    page.table.scrollToTop()
    row = page.table.visualRect(model.index(1, 0)).center()
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=row)
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=row)
    qtbot.waitUntil(lambda: bool(browser.pages))
    assert browser.visited == [model.item(1).hosted_invoice_url]
    assert model.item(1).number in browser.pages[0]
    csv_path = tmp_path / "invoices.csv"
    with qtbot.waitSignal(page.exported, timeout=20_000):
        page.export_csv(csv_path)
    assert csv_path.read_text(encoding="utf-8").count("\n") >= model.rowCount() + 1


def test_a_cancelled_download_leaves_only_whole_pdfs(open_window, qtbot, tmp_path: Path) -> None:
    parts = open_window.signed_in("pro@demo.test", page_size=20)
    page = parts.window.invoices
    parts.window.show_page("invoices")
    page.table.selectAll()
    count = len(page.selected_invoices())
    assert count >= 12
    page.progress.valueChanged.connect(lambda value: value > 0 and page.cancel_download())
    page.download_selected(tmp_path / "pdfs")
    qtbot.waitUntil(lambda: not page.progress.isVisible(), timeout=30_000)
    assert page.note.text() == "Download cancelled; nothing half-written was left behind."
    saved = list((tmp_path / "pdfs").iterdir())
    assert len(saved) < count
    assert all(p.suffix == ".pdf" and p.read_bytes().rstrip().endswith(b"%%EOF") for p in saved)


def test_plan_change_shows_the_preview_and_asks_first(fresh_window, qtbot) -> None:
    parts = fresh_window.signed_in("starter@demo.test")
    window = parts.window
    window.show_page("plans")
    qtbot.mouseClick(button(window.plans, "Switch to Pro"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.plan_change.dialog is not None and window.plan_change.dialog.isVisible(),
                    timeout=20_000)
    dialog = window.plan_change.dialog
    assert dialog.now_label.text().startswith("Charged now: $")
    assert "Then $25.00 on" in dialog.next_label.text()
    dialog.accept()
    qtbot.waitUntil(lambda: "Pro plan" in texts(window.overview), timeout=20_000)
    qtbot.waitUntil(lambda: "Current plan" in texts(window.plans) and bool(button(window.plans, "Switch to Starter")))


def test_cached_data_stays_when_the_bridge_goes_down_and_recovers(open_window, backend, qtbot) -> None:
    parts = open_window.signed_in("pro@demo.test")
    window = parts.window
    backend.down()
    window.refresh_action.trigger()
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Offline: showing data from"), timeout=20_000)
    assert "Pro plan" in texts(window.overview)
    backend.up()
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Updated"), timeout=20_000)
    assert not parts.billing.offline


def test_a_stopped_bridge_then_a_new_one_on_its_data(qtbot, tmp_path: Path) -> None:
    """The sandboxed bridge re-links its demo owners to a fresh sandbox on restart and revokes their
    tokens, so recovering means: offline on the cache, then asked to sign in again, then live."""
    data = tmp_path / "bridge-data"
    first, second = DemoBridge(data), DemoBridge(data)
    relay = Relay(first.start(timeout=90)).start()    # the address the owner configured
    opener = Opener(qtbot, tmp_path, relay.url)
    try:
        parts = opener.signed_in("pro@demo.test")
        window = parts.window
        first.stop()
        window.refresh_action.trigger()
        qtbot.waitUntil(lambda: window.status_label.text().startswith("Offline: showing data from"),
                        timeout=20_000)
        assert "Pro plan" in texts(window.overview) and window.invoices.model.rowCount() == 5
        relay.retarget(second.start(timeout=90))
        qtbot.waitUntil(lambda: window.sign_in_dialog is not None and window.sign_in_dialog.isVisible(),
                        timeout=20_000)
        dialog = window.sign_in_dialog
        assert "sign in again" in dialog.error_label.text().lower()
        assert dialog.url_edit.text() == relay.url and dialog.email_edit.text() == "pro@demo.test"
        dialog.password_edit.setText("demo")
        with qtbot.waitSignal(window.ready, timeout=20_000):
            dialog.submit()
        assert window.status_label.text().startswith("Updated") and "Pro plan" in texts(window.overview)
    finally:
        opener.close()
        relay.stop()
        first.stop()
        second.stop()


def test_start_shows_the_cache_at_once_even_offline(open_window, backend, qtbot) -> None:
    first = open_window.signed_in("pro@demo.test", name="same")
    token = first.session.store.get(first.session.owner_key)
    store = first.session.store
    first.close()
    backend.down()
    again = open_window.build("same", store=store)
    assert token
    again.window.start()
    qtbot.waitUntil(lambda: "Pro plan" in texts(again.window.overview), timeout=10_000)
    qtbot.waitUntil(lambda: again.window.status_label.text().startswith("Offline: showing data from"), timeout=10_000)


def test_a_corrupt_cache_is_ignored(open_window, qtbot) -> None:
    first = open_window.signed_in("pro@demo.test", name="corrupt")
    store, cache_file = first.session.store, first.session.cache.path_for(first.session.owner_key)
    first.close()
    assert cache_file.exists()
    cache_file.write_bytes(b"\x00{not json")
    again = open_window.build("corrupt", store=store)
    with qtbot.waitSignal(again.window.ready, timeout=20_000):
        again.window.start()
    assert "Pro plan" in texts(again.window.overview)


def test_a_token_revoked_elsewhere_leads_back_to_sign_in(open_window, backend, qtbot) -> None:
    parts = open_window.signed_in("starter@demo.test")
    token = parts.session.store.get(parts.session.owner_key)
    with BridgeClient(backend.url, token=token) as elsewhere:
        elsewhere.logout()
    parts.window.refresh_action.trigger()
    qtbot.waitUntil(lambda: parts.window.sign_in_dialog is not None and parts.window.sign_in_dialog.isVisible(),
                    timeout=15_000)
    assert "sign in again" in parts.window.sign_in_dialog.error_label.text().lower()
    assert "Starter plan" not in texts(parts.window.overview)
    qtbot.waitUntil(lambda: parts.session.store.get(parts.session.owner_key) is None)


def test_a_downgrade_is_scheduled_for_the_end_of_the_period(fresh_window, qtbot) -> None:
    parts = fresh_window.signed_in("pro@demo.test")
    window = parts.window
    window.show_page("plans")
    qtbot.mouseClick(button(window.plans, "Switch to Starter"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.plan_change.dialog is not None and window.plan_change.dialog.isVisible(),
                    timeout=20_000)
    dialog = window.plan_change.dialog
    assert dialog.now_label.text().startswith("Nothing is charged now. The downgrade takes effect on ")
    assert dialog.confirm_button.text() == "Schedule downgrade"
    dialog.accept()
    qtbot.waitUntil(lambda: "Switches to Starter" in texts(window.overview), timeout=20_000)
    assert "Pro plan" in texts(window.overview)
    assert "Your plan switches to Starter on" in window.plans.note.text()


def test_a_canceled_plan_offers_choose_a_plan(fresh_window, fresh_backend, qtbot) -> None:
    parts = fresh_window.signed_in("starter@demo.test")
    window = parts.window
    stripe_client = stripe.StripeClient("sk_test_sandbox", base_addresses={"api": fresh_backend.sandbox_url})
    customer = stripe_client.v1.customers.list({"email": "starter@demo.test"}).data[0].id
    subscription = stripe_client.v1.subscriptions.list({"customer": customer}).data[0]
    stripe_client.v1.subscriptions.cancel(subscription.id)   # ended elsewhere (the platform, or dunning)
    qtbot.waitUntil(lambda: "Canceled" in texts(window.overview), timeout=20_000)
    assert "Your plan has ended" in texts(window.overview)
    qtbot.mouseClick(button(window.overview, "Choose a plan"), Qt.MouseButton.LeftButton)
    assert window.current_page() == "plans"
    assert button(window.plans, "Subscribe to Pro").isEnabled()
