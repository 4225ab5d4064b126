"""The signed-in owner's earnings as the window shows them: cached first, refreshed, offline-aware.

Refreshes ride on the billing refresh (MainWindow calls refresh() when the bridge answered) and on the
event stream's Connect topics. Pages and the tray subscribe to its signals; none talks to the bridge.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QLocale, QObject, QTimer, Signal

from ...services import BridgeRefused, BridgeUnreachable, NotSignedIn
from ..common.errors import describe, report
from ..common.worker import WorkerPool

if TYPE_CHECKING:   # msgspec and the earnings types load on a worker, after the first paint
    from ...services import BridgeClient
    from ...services.earnings import EarningsView
    from ...services.earnings_cache import EarningsCache

log = logging.getLogger(__name__)
TOPICS = frozenset({"earnings"})
IMPORT_POLL_MS = 3000   # while the bridge imports past sales: its progress, even if an event is missed


def month_start(now: float) -> int:
    """The first second of this calendar month in the owner's time zone."""
    today = dt.datetime.fromtimestamp(now)
    return int(dt.datetime(today.year, today.month, 1).timestamp())


def month_end(start: int) -> int:
    first = dt.datetime.fromtimestamp(start)
    return int(dt.datetime(first.year + first.month // 12, first.month % 12 + 1, 1).timestamp())


class Earnings(QObject):
    changed = Signal()
    status_changed = Signal()
    news = Signal(list)          # [Note]: things the tray tells once
    loaded = Signal()            # live data arrived

    def __init__(self, cache: EarningsCache, *, pool: WorkerPool, clock: Callable[[], float] = time.time,
                 page_size: int = 20, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cache = cache
        self.pool = pool
        self.clock = clock
        self.page_size = page_size
        self.client: BridgeClient | None = None
        self.account_key = ""
        self.view: EarningsView | None = None
        self.live = self.offline = self.refreshing = self.unavailable = False
        self.last_error = ""
        self._told: set[str] = set()
        self._first_look = True
        self._again = False
        self._closed = False
        self._generation = 0
        self.import_timer = QTimer(self)
        self.import_timer.setSingleShot(True)
        self.import_timer.setInterval(IMPORT_POLL_MS)
        self.import_timer.timeout.connect(self.refresh)

    # ----- who
    def bind(self, client: BridgeClient | None, account_key: str) -> None:
        self.clear()
        self._closed = False
        self.client, self.account_key = client, account_key

    def attach(self, client: BridgeClient) -> None:
        self.client = client

    def clear(self) -> None:
        self._generation += 1
        self.import_timer.stop()
        self.client, self.account_key, self.view = None, "", None
        self.live = self.offline = self.refreshing = self.unavailable = self._again = False
        self.last_error = ""
        self._told, self._first_look = set(), True
        self.changed.emit()
        self.status_changed.emit()

    def _current(self, callback: Callable[..., None]) -> Callable[..., None]:
        generation = self._generation

        def guarded(value: object) -> None:
            if generation == self._generation:
                callback(value)
        return guarded

    # ----- data
    @property
    def account(self):  # noqa: ANN201 - ConnectAccount | None
        return self.view.account if self.view else None

    @property
    def updated_at(self) -> float | None:
        return self.view.saved_at if self.view else None

    def load_cached(self) -> None:
        key, cache = self.account_key, self.cache
        if not key:
            return

        def shown(view: EarningsView | None) -> None:
            if view is None or self.live:
                return
            self._told, self._first_look = set(view.told), False
            self.view = view
            self.changed.emit()
            self.status_changed.emit()

        self.pool.start(lambda: cache.load(key), on_done=self._current(shown), on_error=lambda exc: None)

    def refresh(self) -> None:
        if self.client is None or self._closed:
            return
        if self.refreshing:
            self._again = True
            return
        self.refreshing = True
        self.status_changed.emit()
        client, size, clock = self.client, self.page_size, self.clock

        def fetch() -> EarningsView:
            from ...services.earnings import EarningsView
            account = client.connect_account()
            view = EarningsView(account=account, saved_at=clock())
            if not account.has_account:
                return view
            start = month_start(view.saved_at)
            payouts = client.payouts(limit=size)
            disputed = client.sales(limit=20, status="disputed")
            view.balance = client.balance()
            view.payouts, view.payouts_has_more = payouts.data, payouts.has_more
            view.month, view.month_start = client.sales_series(start, month_end(start), "month"), start
            view.disputes = tuple(s for s in disputed.data if s.dispute is not None and s.dispute.open)
            return view

        self.pool.start(fetch, on_done=self._current(self._fetched), on_error=self._current(self._failed))

    def _fetched(self, view: EarningsView) -> None:
        self.refreshing = False
        self.live, self.offline, self.unavailable, self.last_error = True, False, False, ""
        from ...services.earnings_notes import news
        fresh = news(view, self._told, first_look=self._first_look, locale=QLocale().name())
        self._first_look = False
        view.told = tuple(sorted(self._told))
        self.view = view
        key, cache = self.account_key, self.cache
        self.pool.start(lambda: cache.save(key, view), on_error=lambda exc: None)
        self.changed.emit()
        self.status_changed.emit()
        self.loaded.emit()
        if fresh:
            self.news.emit(fresh)
        progress = view.account.sales_import if view.account is not None else None
        if progress is not None and progress.state == "running" and not self._closed:
            self.import_timer.start()
        self._maybe_again()

    def _failed(self, exc: BaseException) -> None:
        self.refreshing = False
        self._again = False
        if isinstance(exc, NotSignedIn):
            self.status_changed.emit()
            return   # the billing side says so and signs out
        self.last_error = describe(exc)
        if isinstance(exc, BridgeUnreachable):
            self.offline = True
        elif isinstance(exc, BridgeRefused) and exc.status == 404 and exc.code == "not_found":
            self.unavailable = True   # a billing server without the earnings API
        else:
            report(exc)
        self.status_changed.emit()

    def _maybe_again(self) -> None:
        if self._again:
            self._again = False
            self.refresh()

    def close(self) -> None:
        """The window is going: no more refreshes; results in flight are dropped."""
        self._closed = True
        self._generation += 1
        self.import_timer.stop()

    def set_offline(self, offline: bool) -> None:
        """The billing refresh found the bridge unreachable (or reachable again): the same holds here."""
        if offline and not self.offline and self.account_key:
            self.offline = True
            self.status_changed.emit()

    def on_topics(self, topics: list[str]) -> None:
        """The event stream said something changed; refresh when it is about earnings."""
        if TOPICS.intersection(topics):
            self.refresh()
