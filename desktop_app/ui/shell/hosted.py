"""While a Stripe page (portal, checkout) is open in the browser: notice when the owner is done.

Three signals of a change, whichever comes first: the bridge's event stream, the window being
activated again, and a poll of the summary every 2 s. The "Waiting for Stripe…" state ends when the
watched data actually changes, when the owner dismisses it, or when nothing is happening:
5 minutes with no change while the owner is away, or 30 s once they are back in the app (it refreshed
on their return and nothing had changed, so they most likely left the page). A browser that did not
start is not waited for: the flow keeps its link for "Open again" and "Copy link".
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterator

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices

from ...services.billing_view import summary_key
from ..plan.billing_state import Billing

log = logging.getLogger(__name__)

EventSource = Callable[..., Iterator[list[str]]]   # source(stop, on_connect=callback), like BridgeClient.events


class EventListener(QObject):
    """Reads the bridge's SSE stream on its own thread (it blocks for long), reconnecting with backoff."""

    topics = Signal(list)
    connected = Signal()   # the bridge accepted the stream: anything missed before is caught by one refresh
    lost = Signal(object)  # the stream broke or could not connect (the exception): the bridge may be gone

    def __init__(self, source: EventSource, parent: QObject | None = None, max_delay: float = 30.0) -> None:
        super().__init__(parent)
        self._source = source
        self._max_delay = max_delay
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopping: list[threading.Thread] = []   # told to stop, maybe not yet gone

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive() and not self._stop.is_set():
            return   # already listening (a stopping thread just finishes on its own)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._stop,), name="bridge-events", daemon=True)
        self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        delay = 1.0
        while not stop.is_set():
            try:
                for topics in self._source(stop, on_connect=self.connected.emit):
                    delay = 1.0
                    if stop.is_set():
                        return
                    self.topics.emit(list(topics))
            except Exception as exc:  # noqa: BLE001 - a broken stream is retried, the poll covers the gap
                log.debug("event stream broke", exc_info=True)
                if not stop.is_set():
                    self.lost.emit(exc)
            stop.wait(delay)
            delay = min(delay * 2, self._max_delay)

    def stop(self, wait: float = 0.0) -> bool:
        self._stop.set()
        threads = [t for t in (*self._stopping, self._thread) if t is not None]
        for thread in threads:
            if wait:
                thread.join(wait)
        self._stopping = [t for t in threads if t.is_alive()]
        self._thread = None
        return not self._stopping

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in (*self._stopping, *([self._thread] if self._thread else [])))


class HostedFlow(QObject):
    opened = Signal(str)   # the URL handed to the browser (whether or not it started)
    state_changed = Signal()   # a link appeared or went, the browser did or did not start, the wait began or ended
    gave_up = Signal()   # the wait ended because nothing happened

    def __init__(self, billing: Billing, events: EventSource, *, poll_ms: int = 2000,
                 give_up_after: float = 300.0, back_grace: float = 30.0,
                 clock: Callable[[], float] = time.monotonic,
                 open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.billing = billing
        self.clock = clock
        self.give_up_after = give_up_after
        self.back_grace = back_grace
        self.open_url = open_url
        self.url = ""            # the page's link while the flow is on screen
        self.launched = False    # whether the browser took the link the last time it was handed over
        self._baseline: object = None
        self._deadline = 0.0
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(poll_ms)
        self.poll_timer.timeout.connect(self._poll)
        self.listener = EventListener(events, self)
        self.listener.topics.connect(self._on_topics)
        self.listener.connected.connect(self._on_connected)
        self._key: Callable[[], object] = self._summary_key
        billing.changed.connect(self.notice_change)

    def open(self, make_url: Callable[[], str], key: Callable[[], object] | None = None) -> None:
        """Create the session now (off the GUI thread) and hand its URL to the browser.

        `key` tells when the owner is done: the wait ends when its value changes (default: the summary)."""
        self._key = key or self._summary_key
        self.billing.pool.start(make_url, on_done=self._open_url)

    def _summary_key(self) -> object:
        return summary_key(self.billing.summary)

    def _open_url(self, url: str) -> None:
        """The browser first; the watching (status, timer, listener thread) right after it.

        The baseline is taken before, so a change the owner makes at once still counts as a change.
        A browser that refused to start (openUrl answered False) is not waited for.
        """
        self.url = url
        self._baseline = self._key()
        self.launched = bool(self.open_url(QUrl(url)))
        if self.launched:
            self._watch()
        else:
            self.state_changed.emit()
        self.opened.emit(url)

    def open_again(self) -> None:
        """Hand the same link to the browser again (a new session would expire a Checkout the owner has open)."""
        if not self.url:
            return
        self.launched = bool(self.open_url(QUrl(self.url)))
        if self.launched:
            self._watch()
        else:
            self.state_changed.emit()

    def link_copied(self) -> None:
        """The owner took the link to a browser of their choice: wait for them as if it had opened."""
        if self.url:
            self._watch()

    def _watch(self) -> None:
        self._deadline = self.clock() + self.give_up_after
        self.billing.set_waiting(True)
        self.poll_timer.start()
        self.listener.start()
        self.state_changed.emit()

    def _poll(self) -> None:
        if self.clock() > self._deadline:
            self.end()
            self.gave_up.emit()
            return
        self.billing.refresh()

    def _on_topics(self, topics: list[str]) -> None:
        if self.billing.waiting:
            self.billing.refresh()

    def _on_connected(self) -> None:
        if self.billing.waiting:
            self.billing.refresh()

    def notice_change(self) -> None:
        """Something the owner may have changed in the browser arrived: done once the watched key moved."""
        if self.billing.waiting and self._key() != self._baseline:
            self.end()

    def window_activated(self) -> None:
        """The owner is back in the app: look now, and stop waiting soon if that shows no change."""
        if self.billing.waiting:
            self._deadline = min(self._deadline, self.clock() + self.back_grace)
            self.billing.refresh()

    def window_deactivated(self) -> None:
        """The owner went (back) to the browser: they are still at it."""
        if self.billing.waiting:
            self._deadline = max(self._deadline, self.clock() + self.give_up_after)

    def end(self) -> None:
        """Stop waiting and take the link off screen (the change came, or the owner dismissed it)."""
        self.poll_timer.stop()
        self.listener.stop()
        self.billing.set_waiting(False)
        if self.url:
            self.url = ""
            self.launched = False
            self.state_changed.emit()

    def shutdown(self, wait: float = 5.0) -> bool:
        self.end()
        return self.listener.stop(wait)
