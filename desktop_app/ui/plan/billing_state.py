"""The signed-in owner's billing (plan, plans, the first invoices) as the window shows it: cached first,
refreshed, offline-aware, retried with backoff.

Pages subscribe to its signals; they never talk to the bridge themselves.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable, Sequence

from PySide6.QtCore import QLocale, QObject, QTimer, Signal

from ...services import BridgeUnreachable, Cache, CachedView, Invoice, NotSignedIn, PlanOffer, Summary, errors
from ...services.billing_view import fetch_view, load_view
from ...services.error_words import describe
from ..common.owner_data import OwnerData
from ..common.worker import WorkerPool

if TYPE_CHECKING:  # the client (and httpx) load off the GUI thread, after the cache is on screen
    from ...services import BridgeClient


class Billing(OwnerData):
    signed_out = Signal(str)      # the bridge no longer accepts the token; the words say why

    TOPICS = frozenset({"summary", "plans", "invoices"})

    def __init__(self, cache: Cache, *, pool: WorkerPool,
                 clock: Callable[[], float] = time.time, retry_delays: Sequence[float] = (2, 4, 8, 15, 30, 60),
                 page_size: int = 20, parent: QObject | None = None) -> None:
        super().__init__(pool, parent)
        self.cache = cache
        self.clock = clock
        self.page_size = page_size
        self.summary: Summary | None = None
        self.plans: list[PlanOffer] = []
        self.invoices: list[Invoice] = []
        self.has_more = False
        self.updated_at: float | None = None
        self.waiting = False      # a Stripe page is open in the browser (common/hosted.py)
        self._writes = 0   # writes answered (apply_summary): a refresh begun before one is not shown
        self._delays = list(retry_delays)
        self._attempt = 0
        self.retry_timer = QTimer(self)
        self.retry_timer.setSingleShot(True)
        self.retry_timer.timeout.connect(self.refresh)

    def _forget(self) -> None:
        self.retry_timer.stop()
        self.summary = None
        self.plans = []
        self.invoices = []
        self.has_more = False
        self.updated_at = None
        self.waiting = False
        self._attempt = 0

    def close(self) -> None:
        """Stop retrying; results still in flight are dropped."""
        super().close()
        self.retry_timer.stop()

    # ----- cached first
    def _cache_reader(self) -> Callable[[], CachedView | None]:
        cache, owner_key, locale = self.cache, self.owner_key, QLocale().name()
        return lambda: load_view(cache, owner_key, locale)

    def _show_cached(self, view: CachedView) -> None:
        self._apply(view, live=False)

    # ----- refreshed
    def _refresh_started(self) -> None:
        self.retry_timer.stop()

    def _fetcher(self, client: BridgeClient) -> Callable[[], tuple[CachedView, int]]:
        cache, owner_key, size, clock = self.cache, self.owner_key, self.page_size, self.clock
        locale, written = QLocale().name(), self._writes
        return lambda: (fetch_view(client, cache, owner_key, page_size=size, now=clock, locale=locale), written)

    def _fetched(self, result: tuple[CachedView, int]) -> None:
        view, written = result
        if written != self._writes:
            # a write answered while this was in flight: its summary and plans may straddle the change
            # (old summary, new plans); the refresh the write asked for brings the consistent view
            self.cycle.abandon()
            self.refresh()
            return
        super()._fetched(view)

    def _show_live(self, view: CachedView) -> None:
        self._attempt = 0
        self._apply(view, live=True)

    def _apply(self, view: CachedView, *, live: bool) -> None:
        self.summary = view.summary
        self.plans = list(view.plans)
        self.invoices = list(view.invoices)
        self.has_more = view.has_more
        self.updated_at = view.saved_at
        self.changed.emit()
        self.status_changed.emit()

    def apply_summary(self, summary: Summary) -> None:
        """A write answered with the new summary: show it before the full refresh lands."""
        self._writes += 1
        self.summary = summary
        self.cycle.live = True
        self.updated_at = self.clock()
        self.changed.emit()
        self.status_changed.emit()

    # ----- when it fails
    def _token_refused(self, exc: NotSignedIn) -> None:
        self.signed_out.emit(describe(exc))

    def _after_failure(self) -> None:
        self._schedule_retry()

    def _schedule_retry(self) -> None:
        if self.cycle.closed:
            return
        delay = self._delays[min(self._attempt, len(self._delays) - 1)]
        self._attempt += 1
        self.retry_timer.start(int(delay * 1000))

    def connection_lost(self, exc: BaseException) -> None:
        """The event stream broke: offline now rather than at the next click. A refused token is checked
        by a refresh (which signs out only if the bridge says so); its retries and the stream's reconnect
        bring the data back by themselves."""
        if self.cycle.closed or self.client is None:
            return
        if isinstance(exc, NotSignedIn):
            self.refresh()
            return
        if not isinstance(exc, BridgeUnreachable):
            return
        if exc.kind in (errors.BROKEN, errors.SLOW) and not self.offline:
            self.refresh()   # the stream alone broke: asking now tells a blip from a bridge that is gone
            return
        if not self.offline:
            self.cycle.offline = True
            self.cycle.last_error = describe(exc)
            self.status_changed.emit()
        if not self.refreshing and not self.retry_timer.isActive():
            self._schedule_retry()

    def connection_back(self) -> None:
        """The event stream is back: refresh now if the bridge had been out of reach."""
        if self.offline:
            self.refresh()

    def set_waiting(self, waiting: bool) -> None:
        if waiting != self.waiting:
            self.waiting = waiting
            self.status_changed.emit()
