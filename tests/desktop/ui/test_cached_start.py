"""Starting from a cached view with the bridge unreachable: what the owner sees before any network answer."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale

from desktop_app.app import Parts, build
from desktop_app.services import (Cache, CachedView, Config, Invoice, MemoryStore, Paths, PlanOffer, Summary, day,
                                  money, owner_key)
from tests.support import desktop_samples

from ...support.harness import button, texts

EMAIL = "pro@demo.test"


def closed_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def cached_start(tmp_path: Path) -> Iterator[tuple[Parts, Path]]:
    parts, cache_file = start_over_cache(tmp_path)
    try:
        yield parts, cache_file
    finally:
        parts.close()


def start_over_cache(tmp_path: Path) -> tuple[Parts, Path]:
    """A window over a cache written without formatted texts (as before they were kept), bridge down."""
    url, paths = closed_url(), Paths.under(tmp_path)
    Config(bridge_url=url, email=EMAIL).save(paths)
    view = CachedView(summary=Summary.from_json(desktop_samples.summary()),
                      plans=[PlanOffer.from_json(desktop_samples.STARTER), PlanOffer.from_json(desktop_samples.PRO)],
                      invoices=[Invoice.from_json(desktop_samples.invoice(n)) for n in range(3)], has_more=False,
                      saved_at=1764000000)
    cache = Cache(paths.cache_dir)
    cache.save(owner_key(url, EMAIL), view)
    store = MemoryStore("test")
    store.set(owner_key(url, EMAIL), "a-saved-token")
    parts = build(paths, store, retry_delays=(60,))
    parts.window.show()
    parts.window.start()
    return parts, cache.path_for(owner_key(url, EMAIL))


def test_the_cached_view_shows_and_keeps_its_formatted_texts(cached_start, qtbot) -> None:
    parts, cache_file = cached_start
    window = parts.window
    qtbot.waitUntil(lambda: "Pro plan" in texts(window.overview))
    locale = QLocale().name()
    assert f"{money(2500, 'usd', locale)} on {day(1798934400, locale)}" in texts(window.overview)
    saved = json.loads(cache_file.read_text())["texts"]
    assert saved[f"m|2500|usd|{locale}"] == money(2500, "usd", locale)
    assert day(desktop_samples.invoice(2)["period_end"], locale) in saved.values()
    qtbot.waitUntil(lambda: parts.billing.offline)
    assert window.status_text().startswith("Offline: showing data from")


def test_pages_not_yet_seen_fill_when_shown(cached_start, qtbot) -> None:
    parts, _ = cached_start
    window = parts.window
    qtbot.waitUntil(lambda: "Pro plan" in texts(window.overview))
    assert window.invoices.model.rowCount() == 3   # the rows are there before the table is ever shown
    window.show_page("plans")
    assert "Current plan" in texts(window.plans) and button(window.plans, "Your current plan") is not None
    window.show_page("invoices")
    table = window.invoices.table
    assert table.model() is window.invoices.model and table.model().rowCount() == 3
    table.selectRow(0)
    assert [i.id for i in window.invoices.selected_invoices()] == ["in_0000"]


def test_texts_that_cannot_be_formatted_cost_nothing_but_speed(tmp_path: Path, qtbot, monkeypatch) -> None:
    def broken(*_: object) -> dict[str, str]:
        raise ValueError("no locale data")

    monkeypatch.setattr("desktop_app.services.formatting.texts_for", broken)
    parts, cache_file = start_over_cache(tmp_path)
    try:
        qtbot.waitUntil(lambda: "Pro plan" in texts(parts.window.overview))
        qtbot.waitUntil(lambda: parts.billing.offline)   # the sign-in was restored and the refresh tried
        assert json.loads(cache_file.read_text())["texts"] == {} and not parts.window.banner.isVisible()
    finally:
        parts.close()
