"""Fixtures for the desktop UI tests: every test must leave no pool task, thread or timer running."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QThreadPool
from PySide6.QtWidgets import QApplication

from tests.support.browser import Browser
from tests.support.demo_bridges import RunningBridge
from tests.support.harness import Opener
from tests.support.proxy import Relay
from tests.support.qt_leftovers import active_timers, new_threads


@pytest.fixture(autouse=True, scope="session")
def english_locale() -> None:
    """Amounts and dates as the assertions spell them."""
    QLocale.setDefault(QLocale("en_US"))


@pytest.fixture(autouse=True)
def no_leftovers(qapp: QApplication, qtbot) -> Iterator[None]:  # noqa: ANN001 - pytest-qt's fixture
    """Fail a test that leaves pool tasks, threads or active timers behind."""
    threads_before = set(threading.enumerate())
    yield
    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(10_000), "background tasks still running after the test"
    try:
        qtbot.waitUntil(lambda: not new_threads(threads_before), timeout=10_000)
    except qtbot.TimeoutError:
        pytest.fail(f"threads still running after the test: {[t.name for t in new_threads(threads_before)]}")
    leftovers = active_timers(qapp)
    for widget in qapp.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QApplication.processEvents()
    assert leftovers == [], f"timers still active after the test: {leftovers}"


class Backend:
    """The real bridge (billing-bridge serve --sandbox, a separate process) behind a relay the test can cut."""

    def __init__(self, bridge: RunningBridge) -> None:
        self.bridge = bridge
        self.sandbox_url = bridge.sandbox_url
        self.relay = Relay(bridge.url).start()
        self.url = self.relay.url

    def down(self) -> None:
        self.relay.stop()

    def up(self) -> None:
        self.relay.start()

    def close(self) -> None:
        self.relay.stop()


def _backend(request: pytest.FixtureRequest, bridge_fixture: str) -> Iterator[Backend]:
    backend = Backend(request.getfixturevalue(bridge_fixture))
    yield backend
    backend.close()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """The module's shared bridge: for tests that read, or change only what no other test looks at."""
    yield from _backend(request, "demo_bridge")


@pytest.fixture
def fresh_backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """A bridge of the test's own, for tests that change an owner's plan."""
    yield from _backend(request, "fresh_bridge")


def _opener(qtbot, root: Path, backend: Backend) -> Iterator[Opener]:  # noqa: ANN001
    opener = Opener(qtbot, root, backend.url)
    yield opener
    opener.close()


@pytest.fixture
def open_window(qtbot, tmp_path: Path, backend: Backend) -> Iterator[Opener]:  # noqa: ANN001
    yield from _opener(qtbot, tmp_path, backend)


@pytest.fixture
def fresh_window(qtbot, tmp_path: Path, fresh_backend: Backend) -> Iterator[Opener]:  # noqa: ANN001
    yield from _opener(qtbot, tmp_path, fresh_backend)


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Stands in for the system browser: QDesktopServices.openUrl lands here for http and https."""
    installed = Browser().install()
    yield installed
    installed.uninstall()
