"""The one place that shows a failure to the owner (in services.error_words' words) and logs the unexpected."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType
from typing import Callable

from PySide6.QtCore import QObject, Signal

from ...services import BridgeRefused, BridgeUnreachable
from ...services.error_words import describe

log = logging.getLogger(__name__)


class ErrorReporter(QObject):
    """Carries owner-facing error text to whatever shows it (the window's banner)."""

    message = Signal(str)


_reporter = ErrorReporter()


def reporter() -> ErrorReporter:
    return _reporter


def report(exc: BaseException) -> None:
    """Show exc to the owner; unexpected ones are logged with their traceback."""
    if not isinstance(exc, (BridgeUnreachable, BridgeRefused, OSError)):
        log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    _reporter.message.emit(describe(exc))


def install_excepthook() -> Callable[..., None]:
    """Route uncaught exceptions in Qt callbacks to report() instead of a silent abort."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, exc, tb)
            return
        log.error("uncaught: %s", "".join(traceback.format_exception(kind, exc, tb)))
        _reporter.message.emit(describe(exc))

    sys.excepthook = hook
    return previous
