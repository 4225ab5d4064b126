"""Money told truthfully in the window (issue 6 §1 and §4), against a real bridge on its sandbox: one
Checkout at a time (with a way to abandon it), "Keep Pro" for a scheduled downgrade, a credit, and past
due: how much, when Stripe retries, what happens if it fails, "Pay now", "Update card" on a decline.

One bridge for the module; each test uses its own demo owner."""

from __future__ import annotations

import httpx
import stripe
from PySide6.QtCore import Qt

from ...support.browser import Browser
from ...support.harness import button, texts


def stripe_at(backend) -> stripe.StripeClient:  # noqa: ANN001 - the Backend fixture
    return stripe.StripeClient("sk_test_sandbox", base_addresses={"api": backend.sandbox_url})


def customer_of(backend, email: str) -> str:  # noqa: ANN001
    return stripe_at(backend).v1.customers.list({"email": email}).data[0].id


def test_one_checkout_at_a_time_and_a_way_to_abandon_it(open_window, backend, browser: Browser, qtbot) -> None:
    window = open_window.signed_in("new@demo.test").window
    window.show_page("plans")
    qtbot.mouseClick(button(window.plans, "Subscribe to Pro"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(browser.visited), timeout=20_000)
    assert "Finish paying for Pro" in texts(window.plans)
    assert not window.plans.buttons["starter"].isEnabled() and not window.plans.buttons["pro"].isEnabled()
    assert window.plans.buttons["pro"].text() == "Waiting for your payment…"

    qtbot.mouseClick(button(window.plans, "Abandon this payment"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.plans.buttons["starter"].isEnabled(), timeout=20_000)
    assert window.plans.buttons["pro"].text() == "Subscribe to Pro" and window.plans.buttons["pro"].isEnabled()
    assert "Abandon this payment" not in texts(window.plans)
    customer = customer_of(backend, "new@demo.test")
    sessions = stripe_at(backend).v1.checkout.sessions.list({"customer": customer}).data
    assert [s.status for s in sessions] == ["expired"]
    assert httpx.get(browser.visited[0], timeout=10).status_code == 410


def test_keep_pro_undoes_a_scheduled_downgrade(open_window, qtbot) -> None:
    window = open_window.signed_in("pro@demo.test").window
    window.show_page("plans")
    qtbot.mouseClick(window.plans.buttons["starter"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.plan_change.dialog is not None and window.plan_change.dialog.isVisible(),
                    timeout=20_000)
    dialog = window.plan_change.dialog
    assert "Then $10.00 on" in dialog.next_label.text()
    dialog.confirm_button.click()
    qtbot.waitUntil(lambda: window.plans.buttons["starter"].text().startswith("Starts on"), timeout=20_000)
    assert not window.plans.buttons["starter"].isEnabled()   # never offered again
    assert "Keep Pro" in texts(window.plans)
    window.show_page("overview")
    assert "Switches to Starter" in texts(window.overview) and "Keep Pro" in texts(window.overview)
    assert "$10.00 on" in window.overview.next_bill.text()

    qtbot.mouseClick(button(window.overview, "Keep Pro"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Switches to Starter" not in texts(window.overview), timeout=20_000)
    assert "$25.00 on" in window.overview.next_bill.text()
    window.show_page("plans")
    qtbot.waitUntil(lambda: window.plans.buttons["starter"].text() == "Switch to Starter", timeout=20_000)
    assert "Keep Pro" not in texts(window.plans)


def test_a_credit_is_shown_and_taken_off_the_next_bill(open_window, backend, qtbot) -> None:
    parts = open_window.signed_in("starter@demo.test")
    stripe_at(backend).v1.customers.update(customer_of(backend, "starter@demo.test"), {"balance": -400})
    overview = parts.window.overview

    def shown() -> bool:
        parts.window.refresh()   # the owner presses Refresh (no Stripe page is open, so no event stream)
        return "$4.00, used by your next bills" in texts(overview)

    qtbot.waitUntil(shown, timeout=20_000)
    assert "$6.00 on" in overview.next_bill.text()


def test_past_due_says_what_is_owed_and_pay_now_and_update_card(open_window, backend, browser: Browser,
                                                                  qtbot) -> None:
    parts = open_window.signed_in("pastdue@demo.test")
    window = parts.window
    shown = texts(window.overview)
    assert "Your payment of $10.00 failed. Stripe will try your card again on" in shown
    assert "if no payment goes through, your plan will be cancelled." in shown
    window.show_page("invoices")
    qtbot.waitUntil(lambda: window.invoices.model.rowCount() > 0, timeout=20_000)
    statuses = [window.invoices.model.data(window.invoices.model.index(row, 4)) for row in
                range(window.invoices.model.rowCount())]
    assert statuses[0].startswith("Payment failed, retry ") and "Due" not in statuses

    # Pay now with the declining card on file: declined, offered a card update, the bill still open.
    window.show_page("overview")
    qtbot.mouseClick(window.overview.warning_buttons["Pay now"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.actions.declined is not None and window.actions.declined.isVisible(),
                    timeout=20_000)
    assert "the bill is still open" in window.actions.declined.text()
    window.actions.declined.close()

    # A good card on file (added elsewhere): Pay now pays, the plan is active again.
    api = stripe_at(backend)
    customer = customer_of(backend, "pastdue@demo.test")
    card = api.v1.payment_methods.create({"type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                                                    "exp_year": 2034, "cvc": "123"}})
    api.v1.payment_methods.attach(card.id, {"customer": customer})
    api.v1.customers.update(customer, {"invoice_settings": {"default_payment_method": card.id}})
    window.refresh()
    qtbot.waitUntil(lambda: "•••• 4242" in texts(window.overview), timeout=20_000)
    qtbot.mouseClick(window.overview.warning_buttons["Pay now"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Paid $10.00" in window.statusBar().currentMessage(), timeout=20_000)
    qtbot.waitUntil(lambda: "Active" in texts(window.overview), timeout=20_000)
    assert "Pay now" not in window.overview.warning_buttons

    # An upgrade declined for the card offers "Update card" right there.
    declining = api.v1.payment_methods.create({"type": "card", "card": {
        "number": "4000000000000341", "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    api.v1.payment_methods.attach(declining.id, {"customer": customer})
    api.v1.customers.update(customer, {"invoice_settings": {"default_payment_method": declining.id}})
    window.refresh()
    qtbot.waitUntil(lambda: "•••• 0341" in texts(window.overview), timeout=20_000)
    window.actions.declined = None
    window.show_page("plans")
    qtbot.mouseClick(window.plans.buttons["pro"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.plan_change.dialog is not None and window.plan_change.dialog.isVisible(),
                    timeout=20_000)
    window.plan_change.dialog.confirm_button.click()
    qtbot.waitUntil(lambda: window.actions.declined is not None and window.actions.declined.isVisible(),
                    timeout=20_000)
    assert "plan was not changed" in window.actions.declined.text()
    window.actions.declined.update_button.click()
    qtbot.waitUntil(lambda: bool(browser.visited), timeout=20_000)
    assert "/p/session/" in browser.visited[0] and "update-card" in browser.pages[0]
    window.hosted.end()


def test_a_change_made_elsewhere_shows_without_a_click(open_window, backend, qtbot) -> None:
    """The bridge's event stream says the plan changed (a card set by platform support, by another device):
    the open window shows it by itself, without the owner pressing Refresh or opening a Stripe page."""
    window = open_window.signed_in("pastdue@demo.test").window
    qtbot.waitUntil(lambda: window.live_events.running, timeout=20_000)
    api = stripe_at(backend)
    customer = customer_of(backend, "pastdue@demo.test")
    card = api.v1.payment_methods.create({"type": "card", "card": {"number": "5555555555554444", "exp_month": 3,
                                                                    "exp_year": 2033, "cvc": "123"}})
    api.v1.payment_methods.attach(card.id, {"customer": customer})
    api.v1.customers.update(customer, {"invoice_settings": {"default_payment_method": card.id}})
    qtbot.waitUntil(lambda: "•••• 4444" in texts(window.overview), timeout=20_000)
    assert "expires 03/2033" in texts(window.overview)
