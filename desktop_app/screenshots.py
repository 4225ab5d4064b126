"""`python -m desktop_app.screenshots OUTDIR`: every page for the demo owners, light and dark.

One sandboxed bridge (DemoBridge), the real window, PNGs named <owner>-<page>-<theme>.png.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import QEventLoop, QLocale, QTimer
from PySide6.QtWidgets import QApplication

from .app import DEMO_PASSWORD, build, qt_app
from .services import DemoBridge, MemoryStore, Paths
from .ui import theme
from .ui.main_window import PAGES

OWNERS = ("pro@demo.test", "starter@demo.test", "pastdue@demo.test", "new@demo.test")
THEMES = ("light", "dark")


def settle(app: QApplication, ms: int = 100) -> None:
    """Let layouts and queued shows run before a grab."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shoot_owner(app: QApplication, bridge_url: str, email: str, look: str, root: Path, out: Path) -> list[Path]:
    theme.apply(app, look)
    parts = build(Paths.under(root / f"{email}-{look}"), MemoryStore("Screenshots"), bridge_url=bridge_url)
    window = parts.window
    loop = QEventLoop()
    outcome: list[bool] = []
    window.ready.connect(lambda: (outcome.append(True), loop.quit()))
    window.sign_in_shown.connect(lambda: (outcome.append(False), loop.quit()))
    QTimer.singleShot(60_000, loop.quit)
    window.show()
    session = parts.session
    window.start(lambda: bool(session.sign_in(bridge_url, email, DEMO_PASSWORD)))
    loop.exec()
    saved = []
    try:
        if outcome != [True]:
            raise RuntimeError(f"{email} did not load")
        window.statusBar().clearMessage()
        owner = email.split("@")[0]
        for page in PAGES:
            window.show_page(page)
            settle(app)
            path = out / f"{owner}-{page}-{look}.png"
            if not window.grab().save(str(path)):
                raise RuntimeError(f"could not write {path}")
            saved.append(path)
    finally:
        parts.close()
        window.close()
        window.deleteLater()
        settle(app, 0)
    return saved


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop_app.screenshots")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--owners", nargs="*", default=list(OWNERS))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    app = qt_app()
    QLocale.setDefault(QLocale("en_US"))
    args.outdir.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="billing-shots-"))
    bridge = DemoBridge(root / "bridge")
    try:
        url = bridge.start()
        for email in args.owners:
            for look in THEMES:
                for path in shoot_owner(app, url, email, look, root, args.outdir):
                    print(path)
    finally:
        bridge.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
