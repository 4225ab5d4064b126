"""The Earnings page in the real window, against the real bridge on the sandbox, for each demo owner.

One bridge for the module: the tests read, or change what no other test here looks at (new@demo.test
starts selling; one of pastdue@demo.test's sales is disputed)."""

from __future__ import annotations

import csv
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from desktop_app.services import BridgeClient

from ...support.browser import Browser
from ...support.harness import button, texts

pytestmark = pytest.mark.timeout(420)
IMPORT_TIMEOUT = 240_000   # the bridge imports a demo owner's year of sales on first sight, paced as for Stripe


def imported(parts) -> bool:  # noqa: ANN001
    account = parts.earnings.account
    return account is not None and (not account.has_account or account.sales_import is not None
                                    and account.sales_import.state == "done")


def earnings_page(parts, qtbot, *, sales: bool = False):  # noqa: ANN001, ANN201
    """Ctrl+4, then wait for the live account with its past sales imported (the page follows the import
    through the event stream), and, if asked, the first sales page."""
    window = parts.window
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "earnings"
    page = window.earnings_page
    qtbot.waitUntil(lambda: page.built and page.sentence.isVisible(), timeout=5_000)   # built on first show
    qtbot.waitUntil(lambda: parts.earnings.live and imported(parts), timeout=IMPORT_TIMEOUT)
    if sales:
        qtbot.waitUntil(lambda: page.sales.model.rowCount() > 0 and not page.sales.model.loading, timeout=60_000)
    return page


def test_pro_sees_an_active_account_its_balance_payouts_and_sales(open_window, qtbot) -> None:
    parts = open_window.signed_in("pro@demo.test")
    page = earnings_page(parts, qtbot, sales=True)
    shown = texts(page)
    assert "Your account is active" in shown
    assert "Payouts: every day, 2 days after each sale" in shown
    assert "Available" in shown and "On the way\nto your bank" in shown and "USD" in shown
    # The open dispute can take more than the daily payouts left available: said, not just shown as -$.
    below_zero = any(b.available < 0 for b in parts.earnings.view.balance.balances)
    assert ("Below zero: refunds or disputes took more than was available." in shown) == below_zero
    assert button(page, "Open Stripe dashboard")
    assert not page.finish_button.isVisibleTo(page) and not page.start_button.isVisibleTo(page)
    qtbot.waitUntil(lambda: page.payouts.model.rowCount() > 0, timeout=30_000)
    statuses = {page.payouts.model.data(page.payouts.model.index(r, 2)) for r in range(page.payouts.model.rowCount())}
    arrivals = [page.payouts.model.data(page.payouts.model.index(r, 3)) for r in range(page.payouts.model.rowCount())]
    assert "On the way" in statuses and "Paid" in statuses
    assert all(a.startswith(("Expected ", "Arrived ")) for a in arrivals)
    overview = texts(parts.window.overview)
    assert "Your sales this month: $" in overview and "net" in overview
    assert "Your Pro plan costs $25.00 a month" in overview


def test_a_payout_opens_its_breakdown_which_adds_up_and_its_transactions_export(open_window, qtbot,
                                                                                 tmp_path: Path) -> None:
    parts = open_window.signed_in("pro@demo.test")
    page = earnings_page(parts, qtbot)
    model = page.payouts.model
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=30_000)
    paid = next(r for r in range(model.rowCount()) if model.data(model.index(r, 2)) == "Paid")
    page.tabs.setCurrentWidget(page.payouts)
    with qtbot.waitSignal(page.payouts.opened) as opened:
        page.payouts.table.doubleClicked.emit(model.index(paid, 0))
    dialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=20_000)
    detail = dialog.detail
    assert detail.breakdown and sum(line.amount for line in detail.breakdown) == detail.payout.amount
    assert "Sales" in texts(dialog) and "Stripe fees" in texts(dialog) and "Payout" in texts(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0 and not dialog.model.loading, timeout=20_000)
    target = tmp_path / "payout.csv"
    with qtbot.waitSignal(dialog.exported, timeout=30_000):
        dialog.export_csv(target)
    rows = list(csv.DictReader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert rows and len(rows) >= dialog.model.rowCount()
    dialog.close()


def test_search_date_range_and_status_filter_the_sales(open_window, qtbot) -> None:
    parts = open_window.signed_in("pro@demo.test")
    page = earnings_page(parts, qtbot, sales=True)
    sales = page.sales
    first = sales.model.item(0)
    assert first is not None and first.customer_email
    sales.search.setText(first.customer_email.upper())
    qtbot.waitUntil(lambda: not sales.model.loading and sales.model.rowCount() > 0
                    and all(sales.model.item(r).customer_email == first.customer_email
                            for r in range(sales.model.rowCount())), timeout=20_000)
    assert "sale" in sales.note.text()
    sales.search.setText("no such customer anywhere")
    qtbot.waitUntil(lambda: not sales.model.loading and sales.model.rowCount() == 0, timeout=20_000)
    assert sales.note.text() == "No sales match."
    sales.search.clear()
    sales.status.setCurrentIndex(4)    # Disputed
    qtbot.waitUntil(lambda: not sales.model.loading and sales.model.rowCount() >= 1
                    and {sales.model.data(sales.model.index(r, 3)) for r in range(sales.model.rowCount())} == {"Disputed"},
                    timeout=20_000)
    sales.status.setCurrentIndex(0)
    sales.since.setDate(sales.until.date().addDays(-7))
    qtbot.waitUntil(lambda: not sales.model.loading and sales.model.rowCount() > 0, timeout=20_000)
    start, _end = sales.date_range()
    assert all(sales.model.item(r).created >= start for r in range(sales.model.rowCount()))


def test_sales_page_in_lazily_and_export_the_date_range(open_window, qtbot, tmp_path: Path) -> None:
    parts = open_window.signed_in("pro@demo.test")
    page = earnings_page(parts, qtbot, sales=True)
    sales = page.sales
    assert sales.model.rowCount() == 100 and sales.model.has_more     # one page, not a year of sales
    table = sales.table
    table.verticalScrollBar().setValue(table.verticalScrollBar().maximum())
    qtbot.waitUntil(lambda: sales.model.rowCount() == 200, timeout=20_000)
    target = tmp_path / "sales.csv"
    with qtbot.waitSignal(sales.exported, timeout=60_000):
        sales.export_csv(target)
    rows = list(csv.DictReader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) > 200 and {"gross", "net", "status"} <= set(rows[0])


def test_starter_is_asked_for_a_photo_id_and_finishing_setup_in_the_browser_pays_out_again(
        open_window, backend, browser: Browser, qtbot) -> None:
    parts = open_window.signed_in("starter@demo.test")
    page = earnings_page(parts, qtbot)
    shown = texts(page)
    assert "Stripe needs more information from you by " in shown and "Payouts are paused until you do." in shown
    assert "Upload a photo ID (overdue)" in shown and "Deadline: " in shown
    qtbot.mouseClick(button(page, "Finish setup"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(browser.visited), timeout=20_000)
    assert parts.billing.waiting and parts.window.waiting_banner.isVisible()
    assert "Photo ID" in browser.pages[0]
    with httpx.Client(base_url=backend.sandbox_url, timeout=30) as sandbox:   # the owner uploads the ID there
        account = sandbox.post("/_sandbox/connect/demo").json()["starter@demo.test"]
        assert sandbox.post("/_sandbox/connect/onboard", json={"account": account}).status_code == 200
    qtbot.waitUntil(lambda: "Your account is active" in texts(page), timeout=30_000)
    qtbot.waitUntil(lambda: not parts.billing.waiting, timeout=10_000)
    assert not page.finish_button.isVisibleTo(page) and "Upload a photo ID" not in texts(page)


class Recorder(QObject):
    """Stands in for the system browser where the page is Stripe's own site: records, never fetches."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def handle(self, url: QUrl) -> None:
        self.opened.append(url.toString())


def test_pastdue_has_a_full_dashboard_and_sees_the_failed_payout(open_window, qtbot) -> None:
    recorder = Recorder()
    QDesktopServices.setUrlHandler("https", recorder, "handle")
    try:
        check_pastdue(open_window, recorder, qtbot)
    finally:
        QDesktopServices.unsetUrlHandler("https")


def check_pastdue(open_window, recorder: Recorder, qtbot) -> None:  # noqa: ANN001
    parts = open_window.signed_in("pastdue@demo.test")
    page = earnings_page(parts, qtbot)
    model = page.payouts.model
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=30_000)
    failed = [model.data(model.index(r, 3)) for r in range(model.rowCount()) if model.data(model.index(r, 2)) == "Failed"]
    assert failed and failed[0].startswith("Did not arrive: ") and len(failed[0]) > len("Did not arrive: ")
    qtbot.mouseClick(button(page, "Open Stripe dashboard"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(recorder.opened), timeout=20_000)
    assert recorder.opened == ["https://dashboard.stripe.com/"]


def test_new_owner_starts_selling_and_the_page_follows_the_account(open_window, backend, browser: Browser,
                                                                    qtbot) -> None:
    parts = open_window.signed_in("new@demo.test")
    page = earnings_page(parts, qtbot)
    assert "You are not taking payments yet" in texts(page)
    assert not page.tabs.isVisibleTo(page) and not page.balance_card.isVisibleTo(page)
    assert "You are not taking payments yet." in texts(parts.window.overview)
    qtbot.mouseClick(button(page, "Start selling"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(browser.visited), timeout=20_000)
    qtbot.waitUntil(lambda: parts.earnings.account is not None and parts.earnings.account.has_account, timeout=20_000)
    assert "not set up yet" in texts(page)
    assert button(page, "Finish setup")


def test_another_owners_payout_is_not_found(open_window, backend, qtbot) -> None:
    parts = open_window.signed_in("pro@demo.test")
    earnings_page(parts, qtbot)
    pro_payout = parts.earnings.view.payouts[0].id
    other = BridgeClient(backend.url)
    try:
        other.login("pastdue@demo.test", "demo", "pytest-other")
        from desktop_app.services import BridgeRefused
        try:
            other.payout(pro_payout)
        except BridgeRefused as exc:
            assert exc.status == 404 and exc.code == "not_found"
        else:
            raise AssertionError("another owner's payout was served")
    finally:
        other.close()


def test_offline_the_page_shows_its_saved_data_with_its_age(open_window, backend, qtbot) -> None:
    parts = open_window.signed_in("pro@demo.test")
    page = earnings_page(parts, qtbot)
    balance = texts(page.balance_card)
    backend.down()
    parts.window.refresh()
    qtbot.waitUntil(lambda: parts.billing.offline, timeout=20_000)
    parts.earnings.refresh()
    qtbot.waitUntil(lambda: parts.earnings.offline, timeout=20_000)
    assert page.age_label.text().startswith("Offline: showing data from ")
    assert texts(page.balance_card) == balance
    backend.up()
    qtbot.waitUntil(lambda: not parts.billing.offline, timeout=30_000)
    qtbot.waitUntil(lambda: not parts.earnings.offline, timeout=30_000)
    assert page.age_label.text().startswith("Updated")


def test_the_chart_draws_net_sales_per_month(open_window, qtbot) -> None:
    parts = open_window.signed_in("pro@demo.test")
    page = earnings_page(parts, qtbot)
    page.tabs.setCurrentWidget(page.chart_tab)
    qtbot.waitUntil(lambda: page.chart is not None and page.chart.series is not None, timeout=30_000)
    chart = page.chart
    assert chart.bucket_key() == "month"
    points = chart.series.series[0].points
    assert 12 <= len(points) <= 13 and sum(p.count for p in points) > 0
    assert chart.total.text().startswith("Net in these dates: $")
    with qtbot.waitSignal(chart.drawn, timeout=30_000):
        chart.bucket.setCurrentIndex(1)
    assert chart.bucket_key() == "week" and len(chart.series.series[0].points) >= 52


def test_a_new_dispute_arrives_live_and_the_tray_tells_its_evidence_due_date(open_window, backend, qtbot) -> None:
    parts = open_window.signed_in("pastdue@demo.test")
    page = earnings_page(parts, qtbot, sales=True)
    model = page.sales.model
    row = next(r for r in range(model.rowCount()) if model.item(r).status == "succeeded")
    sale = model.item(row)
    with httpx.Client(base_url=backend.sandbox_url, timeout=30) as sandbox:
        account = sandbox.post("/_sandbox/connect/demo").json()["pastdue@demo.test"]
        with qtbot.waitSignal(parts.earnings.news, timeout=60_000,
                              check_params_cb=lambda notes: any("disputed" in n.text for n in notes)) as told:
            made = sandbox.post("/_sandbox/connect/disputes", json={"account": account, "charge": sale.id})
            assert made.status_code == 200, made.text
    note = next(n for n in told.args[0] if "disputed" in n.text)
    assert "Send your evidence by " in note.text and note.urgent
    qtbot.waitUntil(lambda: model.item(row) is not None and model.item(row).id == sale.id
                    and model.data(model.index(row, 3)) == "Disputed", timeout=30_000)
