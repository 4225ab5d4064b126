"""The worker helper: results and errors arrive on the GUI thread; errors without a handler are shown."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.services import BridgeRefused, BridgeUnreachable, IncompleteDownload, NotSignedIn, error_words
from desktop_app.services.errors import UnexpectedResponse
from desktop_app.ui.common import errors
from desktop_app.ui.common.worker import WorkerPool


def test_result_arrives_on_the_gui_thread(qtbot) -> None:
    gui = QThread.currentThread()
    seen: list[tuple[object, bool, bool]] = []
    pool = WorkerPool()

    def op() -> str:
        return "worker" if threading.current_thread() is not threading.main_thread() else "gui"

    pool.start(op, on_done=lambda r: seen.append((r, QThread.currentThread() is gui, pool.busy)))
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [("worker", True, False)]


def test_error_goes_to_on_error_or_to_the_reporter(qtbot) -> None:
    failures: list[BaseException] = []
    pool = WorkerPool()

    def boom() -> None:
        raise BridgeUnreachable("down")

    pool.start(boom, on_error=failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    assert isinstance(failures[0], BridgeUnreachable)

    with qtbot.waitSignal(errors.reporter().message) as shown:
        pool.start(boom)
    assert "reach" in shown.args[0]


def test_callbacks_are_dropped_once_cancelled(qtbot) -> None:
    """What a closing window relies on: a result arriving after cancel_all calls nobody back."""
    gate = threading.Event()
    seen: list[object] = []
    pool = WorkerPool()
    pool.start(lambda: gate.wait(5), on_done=seen.append)
    assert pool.busy
    pool.cancel_all()
    gate.set()
    assert pool.wait_for_done()
    QApplication.processEvents()  # deliver any queued result (to be dropped)
    assert seen == [] and not pool.busy


@pytest.mark.parametrize("exc, words", [
    (BridgeUnreachable("x"), "Cannot reach"),
    (NotSignedIn(401, "token_expired", "expired"), "expired"),
    (BridgeRefused(401, "invalid_credentials", "bad"), "Wrong email or password"),
    (BridgeRefused(429, "too_many_attempts", "slow down", retry_after=120), "Try again in 2 minutes"),
    (BridgeRefused(502, "stripe_error", "Stripe said no."), "Stripe said no."),
    (BridgeRefused(413, "payload_too_large", "at most 16384 bytes"), "too large; nothing was changed"),
    (UnexpectedResponse("The billing server answered 413 Request Entity Too Large.", status=413),
     "too large; nothing was changed"),
    (BridgeRefused(503, "stripe_timeout", "slow"), "Stripe is slow to answer; nothing was changed."),
    (IncompleteDownload("invoice-7.pdf"), "did not arrive whole"),
    (PermissionError(13, "denied", "/x"), "No permission"),
    (KeyError("bug"), "Something went wrong"),
])
def test_errors_in_the_owners_words(exc: BaseException, words: str) -> None:
    assert words in error_words.describe(exc)


def test_the_leftover_guard_sees_timers_and_threads(qapp, qtbot) -> None:
    from tests.support.qt_leftovers import active_timers, new_threads

    before = set(threading.enumerate())
    window = QWidget()
    timer = QTimer(window)
    timer.start(60_000)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="left-behind")
    thread.start()
    try:
        assert any(entry.startswith("QWidget/") for entry in active_timers(qapp))
        assert [t.name for t in new_threads(before)] == ["left-behind"]
    finally:
        timer.stop()
        stop.set()
        thread.join()
        window.deleteLater()


def test_the_event_listener_restarts_while_its_old_thread_winds_down(qtbot) -> None:
    from desktop_app.ui.shell.hosted import EventListener
    release = threading.Event()
    calls: list[int] = []

    def source(stop: threading.Event, on_connect):  # noqa: ANN001, ANN202 - a stream that ignores stop at first
        calls.append(1)
        on_connect()
        release.wait(10)
        return iter(())

    listener = EventListener(source)
    with qtbot.waitSignal(listener.connected):
        listener.start()
    listener.stop()
    with qtbot.waitSignal(listener.connected):
        listener.start()                    # a new flow while the old thread is still stuck in its read
    assert len(calls) == 2 and listener.running
    release.set()
    assert listener.stop(wait=5) and not listener.running
