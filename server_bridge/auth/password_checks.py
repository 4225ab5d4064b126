"""A bound on password checks running at once.

Each argon2id check takes 64 MiB for as long as it runs: forty sign-ins at once took a bridge from
100 MiB to 2.4 GiB and slowed its webhooks. At most `at_once` checks run, each on a thread of its own;
the others wait their turn on the event loop (holding no thread of the shared pool that webhooks and
reads use) for up to `wait` seconds, then are answered 503 `busy` with Retry-After.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from server_bridge.api import errors

T = TypeVar("T")


class PasswordChecks:
    def __init__(self, at_once: int, wait: float) -> None:
        self.at_once = at_once
        self.wait = wait
        self._turns: anyio.CapacityLimiter | None = None
        self._threads: anyio.CapacityLimiter | None = None

    async def run(self, check: Callable[..., T], *args: object) -> T:
        """`check(*args)` on a worker thread once a turn is free; errors.Busy after waiting `wait` s."""
        if self._turns is None:   # made on the event loop that serves the app
            self._turns = anyio.CapacityLimiter(self.at_once)
            self._threads = anyio.CapacityLimiter(self.at_once)
        with anyio.move_on_after(self.wait) as waiting:
            await self._turns.acquire()
        if waiting.cancelled_caught:
            raise errors.Busy()
        try:
            return await anyio.to_thread.run_sync(check, *args, limiter=self._threads)
        finally:
            self._turns.release()
