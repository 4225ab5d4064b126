"""The signed-in owner's billing data as the window shows it: cached first, refreshed, offline-aware.

Pages subscribe to its signals; they never talk to the bridge themselves.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Callable, Sequence

from PySide6.QtCore import QLocale, QObject, QTimer, Signal

from ...services import errors
from ...services import (BridgeUnreachable, Cache, CachedView, Invoice, NotSignedIn, PlanOffer, Summary, day,
    formatting, money)
from ..common.errors import describe, report
from ..common.worker import WorkerPool

if TYPE_CHECKING:  # the client (and httpx) load off the GUI thread, after the cache is on screen
    from ...services import BridgeClient

log = logging.getLogger(__name__)


TOPICS = frozenset({"summary", "plans", "invoices"})   # the bridge's topics for what this model shows


def summary_key(summary: Summary | None) -> object:
    """A summary's content without its as_of stamp, to notice a real change."""
    if summary is None:
        return None
    data = dict(summary.to_json())
    data.pop("as_of", None)
    return repr(sorted(data.items()))


def warm_formatting(locale: str) -> None:
    """Load the locale's number and date data here, off the GUI thread, before the pages format with it."""
    money(0, "usd", locale)
    day(time.time(), locale)


def texts_quietly(summary: Summary | None, plans: Sequence[PlanOffer], invoices: Sequence[Invoice],
                  locale: str) -> dict[str, str]:
    """The view's formatted texts for the cache; without them the next start just formats with babel."""
    try:
        return formatting.texts_for(summary, plans, invoices, locale)
    except Exception:  # noqa: BLE001 - an optimisation must never cost the owner their data
        log.warning("could not format the view for the cache", exc_info=True)
        return {}


def save_quietly(cache: Cache, account: str, view: CachedView) -> None:
    try:
        cache.save(account, view)
    except OSError:
        log.warning("could not save the cache", exc_info=True)


class Account(QObject):
    changed = Signal()            # summary, plans or the first invoice page were replaced
    status_changed = Signal()     # online / offline / waiting / refreshing
    loaded = Signal()             # live data arrived from the bridge
    signed_out = Signal(str)      # the bridge no longer accepts the token; the words say why

    def __init__(self, cache: Cache, *, pool: WorkerPool,
                 clock: Callable[[], float] = time.time, retry_delays: Sequence[float] = (2, 4, 8, 15, 30, 60),
                 page_size: int = 20, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client: BridgeClient | None = None
        self.cache = cache
        self.account = ""
        self._generation = 0
        self.pool = pool
        self.clock = clock
        self.page_size = page_size
        self.summary: Summary | None = None
        self.plans: list[PlanOffer] = []
        self.invoices: list[Invoice] = []
        self.has_more = False
        self.updated_at: float | None = None
        self.offline = False
        self.waiting = False
        self.live = False
        self.refreshing = False
        self.last_error = ""
        self._again = False
        self._writes = 0   # writes answered (apply_summary): a refresh begun before one is not shown
        self._delays = list(retry_delays)
        self._attempt = 0
        self._closed = False
        self.retry_timer = QTimer(self)
        self.retry_timer.setSingleShot(True)
        self.retry_timer.timeout.connect(self.refresh)

    def bind(self, client: BridgeClient | None, account: str) -> None:
        """Start showing one owner's data; results for an earlier owner are dropped.

        Without a client yet (start-up, before the keyring has been asked) only the cache is shown.
        """
        self.clear()
        self.client = client
        self.account = account
        self._closed = False

    def attach(self, client: BridgeClient) -> None:
        """The saved sign-in was restored: same owner, now with a way to reach the bridge."""
        self.client = client
        self.status_changed.emit()

    def clear(self) -> None:
        """Forget the owner's data (sign-out): nothing of theirs stays on screen."""
        self._generation += 1
        self.retry_timer.stop()
        self.client = None
        self.account = ""
        self.summary = None
        self.plans = []
        self.invoices = []
        self.has_more = False
        self.updated_at = None
        self.offline = self.waiting = self.live = self.refreshing = self._again = False
        self.last_error = ""
        self._attempt = 0
        self.changed.emit()
        self.status_changed.emit()

    def _current(self, callback: Callable[[object], None]) -> Callable[[object], None]:
        generation = self._generation

        def guarded(value: object) -> None:
            if generation == self._generation:
                callback(value)
        return guarded

    def load_cached(self, on_done: Callable[[bool], None] | None = None) -> None:
        """Show the last good data at once (read off the GUI thread); a corrupt cache is just absent."""
        account, locale = self.account, QLocale().name()

        def load() -> CachedView | None:
            try:
                view = self.cache.load(account)
            except Exception:  # noqa: BLE001 - a cache must never stop the app
                log.warning("cache unreadable", exc_info=True)
                return None
            if view is None or view.summary is None:
                return view
            if any(key.endswith(f"|{locale}") for key in view.texts):
                formatting.remember(view.texts)   # the pages fill without loading babel
            else:   # saved by an older version or in another locale: format now, and save for the next start
                warm_formatting(locale)
                view.texts = texts_quietly(view.summary, view.plans, view.invoices, locale)
                if view.texts:
                    save_quietly(self.cache, account, view)
            return view

        def done(view: CachedView | None) -> None:
            if view is not None and not self.live:
                self._apply(view, live=False)
            if on_done is not None:
                on_done(view is not None)

        self.pool.start(load, on_done=self._current(done))  # type: ignore[arg-type]

    def refresh(self) -> None:
        if self._closed or self.client is None:
            return
        if self.refreshing:
            self._again = True
            return
        self.refreshing = True
        self.retry_timer.stop()
        self.status_changed.emit()
        client, account, cache, clock, size = self.client, self.account, self.cache, self.clock, self.page_size
        locale = QLocale().name()

        def fetch() -> CachedView:
            summary = client.summary()
            plans = client.plans()
            page = client.invoices(limit=size)
            view = CachedView(summary=summary, plans=list(plans), invoices=list(page.invoices),
                              has_more=page.has_more, saved_at=clock(),
                              texts=texts_quietly(summary, plans, page.invoices, locale))
            save_quietly(cache, account, view)
            return view

        written = self._writes
        self.pool.start(fetch, on_done=self._current(lambda view: self._fetched(view, written)),  # type: ignore[arg-type]
                        on_error=self._current(self._failed))  # type: ignore[arg-type]

    def _fetched(self, view: CachedView, written: int | None = None) -> None:
        if written is not None and written != self._writes:
            # a write answered while this was in flight: its summary and plans may straddle the change
            # (old summary, new plans); the refresh the write asked for brings the consistent view
            self.refreshing = False
            self._again = False
            self.refresh()
            return
        self.refreshing = False
        self._attempt = 0
        self.offline = False
        self.last_error = ""
        self._apply(view, live=True)
        self.loaded.emit()
        self._maybe_again()

    def _failed(self, exc: BaseException) -> None:
        self.refreshing = False
        self._again = False
        if isinstance(exc, NotSignedIn):
            self.signed_out.emit(describe(exc))
            return
        self.last_error = describe(exc)
        if isinstance(exc, BridgeUnreachable):
            self.offline = True
        else:
            report(exc)
        self._schedule_retry()
        self.status_changed.emit()

    def _schedule_retry(self) -> None:
        if self._closed:
            return
        delay = self._delays[min(self._attempt, len(self._delays) - 1)]
        self._attempt += 1
        self.retry_timer.start(int(delay * 1000))

    def _maybe_again(self) -> None:
        if self._again:
            self._again = False
            self.refresh()

    def _apply(self, view: CachedView, *, live: bool) -> None:
        self.summary = view.summary
        self.plans = list(view.plans)
        self.invoices = list(view.invoices)
        self.has_more = view.has_more
        self.updated_at = view.saved_at
        self.live = self.live or live
        self.changed.emit()
        self.status_changed.emit()

    def apply_summary(self, summary: Summary) -> None:
        """A write answered with the new summary: show it before the full refresh lands."""
        self._writes += 1
        self.summary = summary
        self.live = True
        self.updated_at = self.clock()
        self.changed.emit()
        self.status_changed.emit()

    def on_topics(self, topics: list[str]) -> None:
        """The event stream said something changed: refresh when it is about the plan, card or invoices
        (a change made on another device, by the platform, or by Stripe itself)."""
        if TOPICS.intersection(topics):
            self.refresh()

    def connection_lost(self, exc: BaseException) -> None:
        """The event stream broke: offline now rather than at the next click. A refused token is checked
        by a refresh (which signs out only if the bridge says so); its retries and the stream's reconnect
        bring the data back by themselves."""
        if self._closed or self.client is None:
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
            self.offline = True
            self.last_error = describe(exc)
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

    def close(self) -> None:
        """Stop retrying; results still in flight are dropped by the pool."""
        self._closed = True
        self.retry_timer.stop()
