"""The signed-in owner's earnings as the window shows them: cached first, refreshed, offline-aware.
"account" here is always the owner's Stripe connected account.

Refreshes ride on the billing refresh (MainWindow calls refresh() when the bridge answered) and on the
event stream's Connect topics. Pages and the tray subscribe to its signals; none talks to the bridge.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QLocale, QObject, QTimer, Signal

from ...services import BridgeRefused
from ..common.owner_data import OwnerData
from ..common.worker import WorkerPool

if TYPE_CHECKING:   # msgspec and the earnings types load on a worker, after the first paint
    from ...services import BridgeClient
    from ...services.earnings import EarningsView
    from ...services.earnings_cache import EarningsCache

IMPORT_POLL_MS = 3000   # while the bridge imports past sales: its progress, even if an event is missed


class Earnings(OwnerData):
    news = Signal(list)          # [Note]: things the tray tells once

    TOPICS = frozenset({"earnings"})

    def __init__(self, cache: EarningsCache, *, pool: WorkerPool, clock: Callable[[], float] = time.time,
                 page_size: int = 20, parent: QObject | None = None) -> None:
        super().__init__(pool, parent)
        self.cache = cache
        self.clock = clock
        self.page_size = page_size
        self.view: EarningsView | None = None
        self.unavailable = False   # a billing server without the earnings API
        self._told: set[str] = set()
        self._first_look = True
        self.import_timer = QTimer(self)
        self.import_timer.setSingleShot(True)
        self.import_timer.setInterval(IMPORT_POLL_MS)
        self.import_timer.timeout.connect(self.refresh)

    def _forget(self) -> None:
        self.import_timer.stop()
        self.view = None
        self.unavailable = False
        self._told, self._first_look = set(), True

    def close(self) -> None:
        super().close()
        self.import_timer.stop()

    # ----- data
    @property
    def account(self):  # noqa: ANN201 - ConnectAccount | None
        return self.view.account if self.view else None

    @property
    def updated_at(self) -> float | None:
        return self.view.saved_at if self.view else None

    def _cache_reader(self) -> Callable[[], EarningsView | None]:
        key, cache = self.owner_key, self.cache
        return lambda: cache.load(key) if key else None

    def _show_cached(self, view: EarningsView) -> None:
        self._told, self._first_look = set(view.told), False
        self.view = view
        self.changed.emit()
        self.status_changed.emit()

    def _fetcher(self, client: BridgeClient) -> Callable[[], EarningsView]:
        size, clock = self.page_size, self.clock

        def fetch() -> EarningsView:
            from ...services.earnings import fetch_view
            return fetch_view(client, page_size=size, now=clock())
        return fetch

    def _show_live(self, view: EarningsView) -> None:
        self.unavailable = False
        from ...services.earnings_notes import news
        fresh = news(view, self._told, first_look=self._first_look, locale=QLocale().name())
        self._first_look = False
        view.told = tuple(sorted(self._told))
        self.view = view
        key, cache = self.owner_key, self.cache
        self.pool.start(lambda: cache.save(key, view), on_error=lambda exc: None)
        self.changed.emit()
        self.status_changed.emit()
        if fresh:
            self.news.emit(fresh)
        progress = view.account.sales_import if view.account is not None else None
        if progress is not None and progress.state == "running" and not self.cycle.closed:
            self.import_timer.start()

    def _known_refusal(self, exc: BaseException) -> bool:
        if isinstance(exc, BridgeRefused) and exc.status == 404 and exc.code == "not_found":
            self.unavailable = True
            return True
        return False

    def set_offline(self, offline: bool) -> None:
        """The billing refresh found the bridge unreachable (or reachable again): the same holds here."""
        if offline and not self.offline and self.owner_key:
            self.cycle.offline = True
            self.status_changed.emit()
