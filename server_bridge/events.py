"""In-process fan-out of "refresh" notices to the desktops listening on GET /v1/events.

Publishers are sync code on worker threads (webhook handling, writes, backfills), subscribers are
SSE streams on the server's event loop: publish hands each topic list to the subscriber's own loop
with call_soon_threadsafe, so no lock is held across the thread boundary.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

_CLOSED: list[str] = []


@dataclass(eq=False)
class _Subscriber:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[list[str]] = field(default_factory=asyncio.Queue)


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[_Subscriber]] = {}
        self._closed = False

    def publish(self, customer_id: str | None, topics: list[str]) -> None:
        """Tell every stream of this customer's owner to refresh `topics`. Safe from any thread."""
        if not customer_id or not topics:
            return
        with self._lock:
            targets = list(self._subscribers.get(customer_id, ()))
        for subscriber in targets:
            self._deliver(subscriber, list(topics))

    def subscriber_count(self, customer_id: str | None = None) -> int:
        with self._lock:
            if customer_id is not None:
                return len(self._subscribers.get(customer_id, ()))
            return sum(len(s) for s in self._subscribers.values())

    async def subscribe(self, customer_id: str) -> AsyncIterator[list[str]]:
        """Yield topic lists published for `customer_id` until the bus closes or the caller stops."""
        subscriber = _Subscriber(asyncio.get_running_loop())
        with self._lock:
            if self._closed:
                return
            self._subscribers.setdefault(customer_id, set()).add(subscriber)
        try:
            while True:
                topics = await subscriber.queue.get()
                if topics is _CLOSED:
                    return
                yield topics
        finally:
            with self._lock:
                group = self._subscribers.get(customer_id)
                if group is not None:
                    group.discard(subscriber)
                    if not group:
                        del self._subscribers[customer_id]

    def close(self) -> None:
        """End every stream, so a server shutting down does not wait on open connections."""
        with self._lock:
            self._closed = True
            targets = [s for group in self._subscribers.values() for s in group]
        for subscriber in targets:
            self._deliver(subscriber, _CLOSED)

    @staticmethod
    def _deliver(subscriber: _Subscriber, topics: list[str]) -> None:
        try:
            subscriber.loop.call_soon_threadsafe(subscriber.queue.put_nowait, topics)
        except RuntimeError:
            pass  # that loop has closed: its stream is gone
