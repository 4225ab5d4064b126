"""The part of keeping an owner's data fresh that needs no Qt: which answers still count, one refresh in
flight at a time, and what the last one said (live, offline, why).

ui/common/owner_data.py gives it Qt's signals, the worker pool and the timers; the billing and the
earnings state both run on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class RefreshCycle:
    def __init__(self) -> None:
        self.generation = 0     # moves on with another owner or a closed window: older answers are dropped
        self.closed = False
        self.refreshing = False
        self.again = False      # asked for while one was in flight: runs once that one lands
        self.live = False       # the bridge answered at least once (not only the cache)
        self.offline = False
        self.last_error = ""

    def forget(self) -> None:
        """Another owner, or none: answers still on their way no longer count."""
        self.generation += 1
        self.refreshing = self.again = self.live = self.offline = False
        self.last_error = ""

    def close(self) -> None:
        self.closed = True
        self.generation += 1

    def current(self, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        """`callback`, called only while the owner (and the window) it was made for is still shown."""
        generation = self.generation

        def guarded(value: Any) -> None:
            if generation == self.generation:
                callback(value)
        return guarded

    def begin(self) -> bool:
        """Whether to start a refresh now: not once closed, and not while one is in flight (that one is
        asked to run again when it lands)."""
        if self.closed:
            return False
        if self.refreshing:
            self.again = True
            return False
        self.refreshing = True
        return True

    def abandon(self) -> None:
        """The refresh in flight ended without an answer to show, nor one to ask again for."""
        self.refreshing = self.again = False

    def succeeded(self) -> bool:
        """The bridge answered; whether another refresh was asked for meanwhile (start it now)."""
        self.refreshing = False
        self.live, self.offline, self.last_error = True, False, ""
        again, self.again = self.again, False
        return again

    def failed(self, words: str, *, unreachable: bool) -> None:
        """The refresh failed; `words` say why, and a bridge out of reach means offline."""
        self.abandon()
        self.last_error = words
        if unreachable:
            self.offline = True
