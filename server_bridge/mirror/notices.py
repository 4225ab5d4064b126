"""Fan-out of "refresh" notices to the desktops listening on GET /v1/events.

Publishers are sync code on worker threads (webhook handling, writes, backfills), subscribers are
SSE streams on the server's event loop: publish hands each topic list to the subscriber's own loop
with call_soon_threadsafe, so no lock is held across the thread boundary.

Several bridges on one PostgreSQL database hear each other through LISTEN/NOTIFY (PostgresRelay):
a webhook applied by one instance refreshes desktops connected to another.

Each stream holds a Lease taken before its response starts: the bus counts them per token and per
owner (a cap, so one token cannot open hundreds of streams) and ends the streams of tokens that are
no longer live (StreamWarden asks the database every few seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

_CLOSED: list[str] = []
CHANNEL = "billing_bridge_refresh"


@dataclass(eq=False)
class _Subscriber:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[list[str]] = field(default_factory=asyncio.Queue)


class StreamCapReached(Exception):
    """The token or the owner already has as many open streams as the settings allow."""

    def __init__(self, per: str, limit: int) -> None:
        super().__init__(f"{per} already has {limit} open event streams")
        self.per = per
        self.limit = limit


@dataclass(eq=False)
class Lease:
    """One stream's place under the caps, from before its response starts until it ends (release is idempotent)."""

    bus: EventBus
    token_id: int
    owner_id: int
    subscriber: _Subscriber | None = None
    ended: bool = False
    released: bool = False

    def release(self) -> None:
        self.bus._release(self)


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[_Subscriber]] = {}
        self._leases: set[Lease] = set()
        self._per_token: Counter[int] = Counter()
        self._per_owner: Counter[int] = Counter()
        self._closed = False
        self.relay: PostgresRelay | None = None

    def publish(self, customer_id: str | None, topics: list[str]) -> None:
        """Tell every stream of this customer's owner to refresh `topics`. Safe from any thread."""
        if not customer_id or not topics:
            return
        self.publish_here(customer_id, topics)
        if self.relay is not None:
            self.relay.send(customer_id, topics)

    def publish_here(self, customer_id: str, topics: list[str]) -> None:
        """Fan out to this process's streams only."""
        with self._lock:
            targets = list(self._subscribers.get(customer_id, ()))
        for subscriber in targets:
            self._deliver(subscriber, list(topics))

    def subscriber_count(self, customer_id: str | None = None) -> int:
        with self._lock:
            if customer_id is not None:
                return len(self._subscribers.get(customer_id, ()))
            return sum(len(s) for s in self._subscribers.values())

    def lease(self, token_id: int, owner_id: int, *, per_token: int, per_owner: int) -> Lease:
        """A place for one more stream of this token, or StreamCapReached. Checked and taken under one lock,
        so a burst of requests cannot all pass the check before any of them counts."""
        with self._lock:
            if self._per_token[token_id] >= per_token:
                raise StreamCapReached("this sign-in", per_token)
            if self._per_owner[owner_id] >= per_owner:
                raise StreamCapReached("this account", per_owner)
            lease = Lease(self, token_id, owner_id)
            self._leases.add(lease)
            self._per_token[token_id] += 1
            self._per_owner[owner_id] += 1
            return lease

    def _release(self, lease: Lease) -> None:
        with self._lock:
            if lease.released:
                return
            lease.released = True
            self._leases.discard(lease)
            for counts, key in ((self._per_token, lease.token_id), (self._per_owner, lease.owner_id)):
                counts[key] -= 1
                if counts[key] <= 0:
                    del counts[key]

    def open_token_ids(self) -> set[int]:
        """The tokens that hold a stream in this process."""
        with self._lock:
            return {lease.token_id for lease in self._leases}

    def end_tokens(self, token_ids: set[int]) -> int:
        """End every stream of these tokens (revoked, expired, owner disabled); how many were ended."""
        with self._lock:
            leases = [lease for lease in self._leases if lease.token_id in token_ids and not lease.ended]
            for lease in leases:
                lease.ended = True
        for lease in leases:
            if lease.subscriber is not None:
                self._deliver(lease.subscriber, _CLOSED)
        return len(leases)

    async def subscribe(self, customer_id: str, lease: Lease | None = None) -> AsyncIterator[list[str]]:
        """Yield topic lists published for `customer_id` until the bus closes, the lease's token ends or
        the caller stops."""
        subscriber = _Subscriber(asyncio.get_running_loop())
        with self._lock:
            if self._closed or (lease is not None and (lease.ended or lease.released)):
                return
            self._subscribers.setdefault(customer_id, set()).add(subscriber)
            if lease is not None:
                lease.subscriber = subscriber
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
        if self.relay is not None:
            self.relay.stop()

    @staticmethod
    def _deliver(subscriber: _Subscriber, topics: list[str]) -> None:
        try:
            subscriber.loop.call_soon_threadsafe(subscriber.queue.put_nowait, topics)
        except RuntimeError:
            pass  # that loop has closed: its stream is gone


class StreamWarden:
    """Ends the streams of tokens that stopped being live (signed out, expired, owner disabled).

    Every `interval` seconds it asks `find_ended` (one database query, on a worker thread) which of the
    tokens holding streams here are no longer live. The database is the truth, so a token revoked by
    another bridge instance or by `billing-bridge users disable` ends here too, within one interval.
    """

    def __init__(self, bus: EventBus, find_ended: Callable[[set[int]], set[int]], interval: float) -> None:
        self.bus = bus
        self.find_ended = find_ended
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="bridge-stream-warden")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception:  # noqa: BLE001 - a failed check (database down) is retried next interval
                log.exception("could not check the tokens of open event streams")

    async def check(self) -> int:
        token_ids = self.bus.open_token_ids()
        if not token_ids:
            return 0
        ended = await asyncio.to_thread(self.find_ended, token_ids)
        return self.bus.end_tokens(ended) if ended else 0


class PostgresRelay:
    """Carries publishes between bridge processes sharing one PostgreSQL database.

    One thread LISTENs and hands other instances' notices to the local bus; send() NOTIFYs on a
    connection of its own. A notice carries this instance's id so it is not delivered twice here.
    """

    def __init__(self, bus: EventBus, conninfo: str) -> None:
        self.bus = bus
        self.conninfo = conninfo
        self.origin = uuid.uuid4().hex
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._send_lock = threading.Lock()
        self._sender: Any = None
        self._thread: threading.Thread | None = None

    @classmethod
    def for_url(cls, bus: EventBus, sqlalchemy_url: Any) -> "PostgresRelay":
        url = sqlalchemy_url.set(drivername="postgresql")
        return cls(bus, url.render_as_string(hide_password=False))

    def start(self, timeout: float = 10.0) -> None:
        self._thread = threading.Thread(target=self._listen, name="bridge-events-listen", daemon=True)
        self._thread.start()
        if not self._listening.wait(timeout):
            log.warning("event relay did not start listening within %s s", timeout)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        with self._send_lock:
            if self._sender is not None:
                self._sender.close()
                self._sender = None

    def send(self, customer_id: str, topics: list[str]) -> None:
        if self._stop.is_set():
            return
        import psycopg

        payload = json.dumps({"o": self.origin, "c": customer_id, "t": topics})
        with self._send_lock:
            try:
                if self._sender is None or self._sender.closed:
                    self._sender = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5)
                self._sender.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
            except psycopg.Error:
                log.exception("could not relay a refresh to other bridges")
                if self._sender is not None:
                    self._sender.close()
                    self._sender = None

    def _listen(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=0.25):
                            self._receive(notice.payload)
            except psycopg.Error:
                log.exception("event relay lost its connection; reconnecting")
                self._stop.wait(1.0)

    def _receive(self, payload: str) -> None:
        try:
            message = json.loads(payload)
            if message.get("o") == self.origin:
                return
            self.bus.publish_here(str(message["c"]), [str(t) for t in message["t"]])
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed refresh notice: %r", payload[:200])
