"""One signed-in owner's data as the window shows it: the cached copy first, then refreshed from the bridge
one request at a time, offline-aware. The billing state (ui/plan/billing_state.py) and the earnings state
(ui/earnings/earnings_state.py) are two of these; pages subscribe to their signals and never talk to the
bridge themselves.

The bookkeeping is Qt-free (services/refresh.py); this adds the signals and runs the work on the pool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import QObject, Signal

from ...services import BridgeUnreachable, NotSignedIn
from ...services.error_words import describe
from ...services.refresh import RefreshCycle
from .errors import report
from .worker import WorkerPool

if TYPE_CHECKING:   # the client (and httpx) load off the GUI thread, after the cache is on screen
    from ...services import BridgeClient

log = logging.getLogger(__name__)


class OwnerData(QObject):
    changed = Signal()            # the data shown was replaced
    status_changed = Signal()     # online / offline / refreshing (and what the subclass adds)
    loaded = Signal()             # live data arrived from the bridge

    TOPICS: ClassVar[frozenset[str]] = frozenset()   # the event stream's topics about this data

    def __init__(self, pool: WorkerPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = pool
        self.client: BridgeClient | None = None
        self.owner_key = ""       # services.owner_key: whose data, on which bridge (names the cache files)
        self.cycle = RefreshCycle()

    # ----- what the last refresh said
    @property
    def live(self) -> bool:
        return self.cycle.live

    @property
    def offline(self) -> bool:
        return self.cycle.offline

    @property
    def refreshing(self) -> bool:
        return self.cycle.refreshing

    @property
    def last_error(self) -> str:
        return self.cycle.last_error

    # ----- whose data
    def bind(self, client: BridgeClient | None, owner_key: str) -> None:
        """Start showing one owner's data; answers for an earlier owner are dropped.

        Without a client yet (start-up, before the keyring has been asked) only the cache is shown."""
        self.clear()
        self.client, self.owner_key = client, owner_key
        self.cycle.closed = False

    def attach(self, client: BridgeClient) -> None:
        """The saved sign-in was restored: same owner, now with a way to reach the bridge."""
        self.client = client
        self.status_changed.emit()

    def clear(self) -> None:
        """Forget the owner's data (sign-out): nothing of theirs stays on screen."""
        self.cycle.forget()
        self.client, self.owner_key = None, ""
        self._forget()
        self.changed.emit()
        self.status_changed.emit()

    def close(self) -> None:
        """The window is going: no more refreshes; answers in flight are dropped."""
        self.cycle.close()

    # ----- cached first
    def load_cached(self, on_done: Callable[[bool], None] | None = None) -> None:
        """Show the last good data at once (read on a worker) unless live data came first; a cache that
        cannot be read is no cache. `on_done(found)` follows either way."""
        read = self._cache_reader()

        def done(cached: Any) -> None:
            if cached is not None and not self.live:
                self._show_cached(cached)
            if on_done is not None:
                on_done(cached is not None)

        def failed(exc: BaseException) -> None:
            log.warning("cache unreadable", exc_info=exc)
            done(None)

        self.pool.start(read, on_done=self.cycle.current(done), on_error=self.cycle.current(failed))

    # ----- refreshed
    def refresh(self) -> None:
        if self.client is None or not self.cycle.begin():
            return
        self._refresh_started()
        self.status_changed.emit()
        self.pool.start(self._fetcher(self.client), on_done=self.cycle.current(self._fetched),
                        on_error=self.cycle.current(self._failed))

    def on_topics(self, topics: list[str]) -> None:
        """The event stream said something changed: refresh when it is about this data."""
        if self.TOPICS.intersection(topics):
            self.refresh()

    def _fetched(self, result: Any) -> None:
        again = self.cycle.succeeded()
        self._show_live(result)
        self.loaded.emit()
        if again:
            self.refresh()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, NotSignedIn):
            self.cycle.abandon()
            self._token_refused(exc)
            return
        unreachable = isinstance(exc, BridgeUnreachable)
        self.cycle.failed(describe(exc), unreachable=unreachable)
        if not unreachable and not self._known_refusal(exc):
            report(exc)
        self._after_failure()
        self.status_changed.emit()

    # ----- what each kind of data says for itself
    def _cache_reader(self) -> Callable[[], Any]:
        """A function for a worker that reads this owner's cached data (None: there is none)."""
        raise NotImplementedError

    def _show_cached(self, cached: Any) -> None:
        raise NotImplementedError

    def _fetcher(self, client: BridgeClient) -> Callable[[], Any]:
        """A function for a worker that fetches this owner's data from the bridge."""
        raise NotImplementedError

    def _show_live(self, result: Any) -> None:
        raise NotImplementedError

    def _forget(self) -> None:
        """Drop the owner's data and stop any timer (clear() then says so)."""

    def _refresh_started(self) -> None:
        """A refresh is on its way."""

    def _token_refused(self, exc: NotSignedIn) -> None:
        """The bridge no longer accepts the token."""
        self.status_changed.emit()

    def _known_refusal(self, exc: BaseException) -> bool:
        """Take a refusal that means something for this data (True), or leave it to the error dialog."""
        return False

    def _after_failure(self) -> None:
        """A refresh failed (not for the token)."""
