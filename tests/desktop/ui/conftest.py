"""Fixtures for the desktop UI tests: every test must leave no pool task, thread or timer running."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QLocale, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication


def _active_timers(app: QApplication) -> list[str]:
    found = []
    for widget in app.topLevelWidgets():
        for timer in widget.findChildren(QTimer):
            if timer.isActive():
                found.append(f"{type(widget).__name__}/{timer.objectName() or timer.parent().__class__.__name__}")
    return found


@pytest.fixture(autouse=True, scope="session")
def english_locale() -> None:
    """Amounts and dates as the assertions spell them."""
    QLocale.setDefault(QLocale("en_US"))


def _new_threads(before: set[int | None]) -> list[threading.Thread]:
    """Python threads started during the test (the pool's idle Qt threads appear as _DummyThread)."""
    return [t for t in threading.enumerate() if t.ident not in before and t.is_alive()
            and not isinstance(t, threading._DummyThread)]  # noqa: SLF001


@pytest.fixture(autouse=True)
def no_leftovers(qapp: QApplication, qtbot) -> Iterator[None]:  # noqa: ANN001 - pytest-qt's fixture
    """Fail a test that leaves pool tasks, threads or active timers behind."""
    threads_before = {t.ident for t in threading.enumerate()}
    yield
    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(10_000), "background tasks still running after the test"
    qtbot.waitUntil(lambda: not _new_threads(threads_before), timeout=10_000)
    leftovers = _active_timers(qapp)
    for widget in qapp.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QApplication.processEvents()
    assert leftovers == [], f"timers still active after the test: {leftovers}"


class FakeBackend:
    """Development stand-in for the bridge: an in-memory world (see fake.py)."""

    def __init__(self) -> None:
        from .fake import FakeClient, World
        self.world = World()
        self.url = "http://fake.test"
        self.make_client = lambda url, token: FakeClient(self.world, url, token)

    def down(self) -> None:
        self.world.up = False

    def up(self) -> None:
        self.world.up = True


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def open_window(qtbot, tmp_path, backend) -> Iterator[object]:  # noqa: ANN001
    from .harness import Opener
    opener = Opener(qtbot, tmp_path, backend.url, getattr(backend, "make_client", None))
    yield opener
    opener.close()
