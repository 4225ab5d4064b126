"""Every request's time budget: the bridge answers before the desktop stops waiting (10 s).

`Deadline` (ASGI middleware) starts a Budget for each HTTP request; the gateway reads it through
`current()` to cut each Stripe call's timeout to what is left and to refuse a call once none is left.
The budget is a context variable, so it follows the request into the thread pool where routes run.
Outside a request (the CLI, background workers) there is no budget and the gateway's own timeout holds.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass
class Budget:
    ends_at: float                   # time.monotonic() when the request must have its answer
    sent_change: bool = False        # a call that changes something at Stripe has been sent

    def remaining(self) -> float:
        return self.ends_at - time.monotonic()


_budget: ContextVar[Budget | None] = ContextVar("bridge_request_budget", default=None)


def current() -> Budget | None:
    """The running request's budget, or None outside a request."""
    return _budget.get()


class Deadline:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        reset = _budget.set(Budget(time.monotonic() + self.seconds))
        try:
            await self.app(scope, receive, send)
        finally:
            _budget.reset(reset)
