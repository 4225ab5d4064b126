"""The bridge's background Stripe reads for Connect: imports, payout links, fees, balance refreshes.

One thread per bridge takes tasks from a queue (a task already waiting is not queued twice) and
paces every Stripe call under a request rate shared by all owners, so an import of 100,000 sales
never pushes the platform over Stripe's rate limit. An import does one page per task and queues its
next page behind whatever else is waiting, so one owner's import never holds up another owner's
webhook follow-ups. A failing task is logged and dropped; what it left undone is found again by
the next import (unlinked payouts, unknown fees).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from server_bridge.connect import backfill, records
from server_bridge.connect.earnings import owner_of_account, owner_topic_key
from server_bridge.gateway import Pacer, StripeCalls

log = logging.getLogger(__name__)


Task = tuple[str, str, str]   # (kind, account id, argument)


class ConnectWorker:
    def __init__(self, sessions: Callable[[], Session], gateway: StripeCalls, *, bus: Any = None, rate: float = 20.0,
                 pace: Callable[[], None] | None = None) -> None:
        self.sessions = sessions
        self.gateway = gateway
        self.bus = bus
        self.pace = pace or Pacer(rate)
        self._tasks: deque[Task] = deque()
        self._waiting: set[Task] = set()
        self._cv = threading.Condition()
        self._stopped = False
        self._busy = False
        self._thread: threading.Thread | None = None

    # -- asking for work ---------------------------------------------------------------------------

    def submit(self, kind: str, account_id: str, argument: str = "") -> None:
        task = (kind, account_id, argument)
        with self._cv:
            if self._stopped or task in self._waiting:
                return
            self._waiting.add(task)
            self._tasks.append(task)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="bridge-connect-worker", daemon=True)
                self._thread.start()
            self._cv.notify()

    def start_import(self, account_id: str) -> None:
        self.submit("import", account_id)

    def link_payout(self, account_id: str, payout_id: str) -> None:
        self.submit("link", account_id, payout_id)

    def follow_up(self, account_id: str, kinds: tuple[str, ...]) -> None:
        for kind in kinds:
            self.submit(kind, account_id)

    def idle(self) -> bool:
        with self._cv:
            return not self._tasks and not self._busy

    def close(self, timeout: float = 5.0) -> None:
        with self._cv:
            self._stopped = True
            self._tasks.clear()
            self._waiting.clear()
            self._cv.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    # -- doing it ----------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._tasks and not self._stopped:
                    self._cv.wait()
                if self._stopped:
                    return
                task = self._tasks.popleft()
                self._waiting.discard(task)
                self._busy = True
            try:
                again = self._do(*task)
            except Exception:
                log.exception("Connect task %s for %s failed", task[0], task[1])
                again = False
            finally:
                with self._cv:
                    self._busy = False
            if again:
                self.submit(*task)

    def _do(self, kind: str, account_id: str, argument: str) -> bool:
        with self.sessions() as session:
            if kind == "import":
                more = backfill.step(session, self.gateway, account_id, self.pace)
            elif kind == "link":
                backfill.link_payout(session, self.gateway, account_id, argument, self.pace)
                session.commit()
                more = False
            elif kind == "fees":
                more = backfill.fetch_fees(session, self.gateway, account_id, self.pace)
                session.commit()
            elif kind == "balance":
                self.pace()
                records.save_balance(session, account_id, self.gateway.get_balance(account_id), int(time.time()))
                session.commit()
                more = False
            elif kind == "account":
                self.pace()
                records.save_account(session, self.gateway.get_account(account_id), int(time.time()))
                session.commit()
                more = False
            else:
                raise ValueError(f"unknown Connect task {kind!r}")
            owner = owner_of_account(session, account_id)
            if owner is not None and self.bus is not None:
                self.bus.publish(owner_topic_key(owner), ["earnings"])
            return more
