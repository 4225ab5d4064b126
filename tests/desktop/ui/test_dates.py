"""One date format everywhere: the tables, the sentences and the date editors write a day the same way."""

from __future__ import annotations

from PySide6.QtCore import QDate

from desktop_app.services import day


def test_sales_dates_read_like_every_other_date(open_window, qtbot) -> None:
    parts = open_window.signed_in("pro@demo.test")
    window = parts.window
    window.show_page("earnings")
    sales = window.earnings_page.sales
    qtbot.waitUntil(lambda: sales.model.rowCount() > 0 and not sales.model.loading, timeout=30_000)
    assert sales.model.index(0, 0).data() == day(sales.model.item(0).created, "en_US")   # "Nov 21, 2026"
    noon_today = QDate.currentDate().startOfDay().toSecsSinceEpoch() + 12 * 3600
    assert sales.until.text() == day(noon_today, "en_US")    # the date editors too, not 2026-11-26
    window.show_page("invoices")
    assert window.invoices.model.index(0, 1).data() == day(window.invoices.model.item(0).created, "en_US")
