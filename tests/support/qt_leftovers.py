"""What a UI test may leave behind: active Qt timers and Python threads it started."""

from __future__ import annotations

import threading

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def active_timers(app: QApplication) -> list[str]:
    found = []
    for widget in app.topLevelWidgets():
        for timer in widget.findChildren(QTimer):
            if timer.isActive():
                found.append(f"{type(widget).__name__}/{timer.objectName() or timer.parent().__class__.__name__}")
    return found


def new_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    """Python threads started during the test (by object: the OS reuses idents; the pool's Qt threads
    appear as _DummyThread and are the pool's business)."""
    return [t for t in threading.enumerate() if t not in before and t.is_alive()
            and not isinstance(t, threading._DummyThread)]  # noqa: SLF001
