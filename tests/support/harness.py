"""Opening the real window, signed in as a demo owner, for the UI tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from desktop_app.app import Parts, build
from desktop_app.services import Config, MemoryStore, Paths, SecretStore
from tests.support.demo_bridges import DEMO_PASSWORD


@dataclass
class Opener:
    qtbot: object
    root: Path
    url: str
    opened: list[Parts] = field(default_factory=list)

    def build(self, name: str = "app", *, store: SecretStore | None = None, page_size: int = 5,
              sign_in: str = "password") -> Parts:
        """sign_in="password": the app's own form is allowed, as in the demo; "browser" is the default app's."""
        paths = Paths.under(self.root / name)
        config = Config.load(paths)
        config.sign_in = sign_in
        parts = build(paths, store or MemoryStore(), bridge_url=self.url, config=config,
                      page_size=page_size, retry_delays=(0.3, 0.6, 1.0))
        self.opened.append(parts)
        parts.window.show()
        return parts

    def signed_in(self, email: str, name: str | None = None, **kwargs: object) -> Parts:
        parts = self.build(name or email, **kwargs)  # type: ignore[arg-type]
        session = parts.session
        with self.qtbot.waitSignal(parts.window.ready, timeout=30_000):  # type: ignore[attr-defined]
            parts.window.start(lambda: bool(session.sign_in(self.url, email, DEMO_PASSWORD)))
        return parts

    def close(self) -> None:
        for parts in self.opened:
            parts.close()
            parts.window.close()


def texts(widget: QWidget) -> str:
    """Every visible label and button text under widget, as the owner would read them."""
    found = []
    for child in widget.findChildren(QLabel) + widget.findChildren(QPushButton):
        if child.isVisibleTo(widget) and child.text():
            found.append(child.text())
    return "\n".join(found)


def button(widget: QWidget, text: str) -> QPushButton:
    for candidate in widget.findChildren(QPushButton):
        if candidate.text() == text and candidate.isVisibleTo(widget):
            return candidate
    raise AssertionError(f"no visible button {text!r} in {texts(widget)!r}")
