"""Background work with one call, so no network or disk I/O ever runs on the GUI thread.

A QRunnable on the global pool; its signals live on a separate QObject created on the GUI
thread, so results arrive there through queued connections. The pool keeps a strong
reference to every task until its result has been delivered.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from .errors import report

T = TypeVar("T")


class _Relay(QObject):
    """Lives on the GUI thread; receives the worker's signals there and calls back."""

    done = Signal(object)
    failed = Signal(object)

    def __init__(self, task: "Task[Any]") -> None:
        super().__init__()
        self._task = task
        self.done.connect(self._on_done)
        self.failed.connect(self._on_failed)

    @Slot(object)
    def _on_done(self, result: object) -> None:
        self._task._deliver(result, None)

    @Slot(object)
    def _on_failed(self, exc: object) -> None:
        self._task._deliver(None, exc)  # type: ignore[arg-type]


class Task(QRunnable, Generic[T]):
    def __init__(self, pool: "WorkerPool", op: Callable[[], T], on_done: Callable[[T], None] | None,
                 on_error: Callable[[BaseException], None] | None) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._pool = pool
        self._op = op
        self._on_done = on_done
        self._on_error = on_error
        self.cancelled = False
        self.relay = _Relay(self)

    def run(self) -> None:  # worker thread
        try:
            result = self._op()
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the GUI thread
            self.relay.failed.emit(exc)
        else:
            self.relay.done.emit(result)

    def cancel(self) -> None:
        """Drop the result: the op still finishes, but nobody is called back."""
        self.cancelled = True

    def _deliver(self, result: object, exc: BaseException | None) -> None:
        self._pool._finished(self)
        if self.cancelled:
            return
        if exc is None:
            if self._on_done is not None:
                self._on_done(result)  # type: ignore[arg-type]
        elif self._on_error is not None:
            self._on_error(exc)
        else:
            report(exc)


class WorkerPool(QObject):
    """Owns the running tasks of one window, so shutdown can wait for them."""

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._threads = pool or QThreadPool.globalInstance()
        self._running: set[Task[Any]] = set()

    def start(self, op: Callable[[], T], *, on_done: Callable[[T], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None) -> Task[T]:
        task: Task[T] = Task(self, op, on_done, on_error)
        self._running.add(task)
        self._threads.start(task)
        return task

    def _finished(self, task: Task[Any]) -> None:
        self._running.discard(task)

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def cancel_all(self) -> None:
        for task in list(self._running):
            task.cancel()

    def wait_for_done(self, msecs: int = 30_000) -> bool:
        """Cancel pending callbacks and wait for the threads; for shutdown and tests."""
        self.cancel_all()
        ok = self._threads.waitForDone(msecs)
        self._running.clear()
        return ok
