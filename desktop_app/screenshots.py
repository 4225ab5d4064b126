"""`python -m desktop_app.screenshots OUTDIR`: every page for the demo owners, light and dark.

One sandboxed bridge (DemoBridge), the real window, PNGs named <owner>-<page>-<theme>.png.
Deterministic where this process decides: one font (DejaVu Sans, which `./dev` installs) at one
size, the en_US locale, UTC. A PNG is written only when its pixels changed, so an unchanged page
leaves its file (and git) alone.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QEventLoop, QLocale, QTimer
from PySide6.QtGui import QFont, QFontDatabase, QImage
from PySide6.QtWidgets import QApplication, QWidget

from .app import DEMO_PASSWORD, Parts, build, qt_app
from .services import DemoBridge, MemoryStore, Paths
from .ui.common import theme
from .ui.shell.main_window import PAGES

OWNERS = ("pro@demo.test", "starter@demo.test", "pastdue@demo.test", "new@demo.test")
THEMES = ("light", "dark")
FONT_FAMILY, FONT_POINTS = "DejaVu Sans", 9
FIXED_ENVIRONMENT = {"TZ": "UTC", "LC_ALL": "en_US.UTF-8", "LANG": "en_US.UTF-8", "QT_SCALE_FACTOR": "1",
                     "QT_FONT_DPI": "96"}
log = logging.getLogger(__name__)
written: list[Path] = []     # this run's PNGs whose pixels changed (or that were new)
unchanged: list[Path] = []


def fix_environment() -> None:
    """Time zone, locale and scaling as every run has them (the demo bridge, a child, inherits them too)."""
    os.environ.update(FIXED_ENVIRONMENT)
    if hasattr(time, "tzset"):
        time.tzset()


def fix_font(app: QApplication) -> bool:
    """One font for every run, whatever the machine's default; False (and a warning) when it is missing."""
    if FONT_FAMILY not in QFontDatabase.families():
        log.warning("%s is not installed: the screenshots will differ from ones taken with it", FONT_FAMILY)
        return False
    font = QFont(FONT_FAMILY)
    font.setPointSize(FONT_POINTS)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    app.setFont(font)
    return True


def same_pixels(image: QImage, path: Path) -> bool:
    """Whether the PNG at path shows exactly these pixels (its metadata and compression do not count)."""
    if not path.exists():
        return False
    old = QImage(str(path))
    if old.isNull() or old.size() != image.size():
        return False
    fmt = QImage.Format.Format_ARGB32
    return old.convertToFormat(fmt) == image.convertToFormat(fmt)


def save_if_changed(image: QImage, path: Path) -> bool:
    """Write the PNG only when its pixels changed; True when written."""
    if same_pixels(image, path):
        unchanged.append(path)
        return False
    if not image.save(str(path)):
        raise RuntimeError(f"could not write {path}")
    written.append(path)
    return True


def settle(app: QApplication, ms: int = 100) -> None:
    """Let layouts and queued shows run before a grab."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(app: QApplication, condition: Callable[[], bool], timeout_s: float = 240.0) -> bool:
    """Run the event loop until condition() holds (checked every 100 ms) or the time is up."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        settle(app)
    return True


def earnings_loaded(parts: Parts) -> bool:
    """Live, with the owner's past sales imported by the bridge (it does so on first sight)."""
    account = parts.earnings.account
    if not parts.earnings.live or account is None:
        return False
    return not account.has_account or account.sales_import is None or account.sales_import.state == "done"


def shoot_earnings(app: QApplication, parts: Parts, owner: str, look: str, out: Path) -> list[Path]:
    """The Earnings page (sales tab), then its payouts and chart tabs and one payout's breakdown."""
    window = parts.window
    page = window.earnings_page
    wait_for(app, lambda: not page.sales.model.loading and not page.payouts.model.loading, 60)
    shots = [("earnings", window, None)]
    account = parts.earnings.account
    if account is not None and account.has_account:
        shots += [("earnings-payouts", window, page.payouts), ("earnings-chart", window, page.chart_tab)]
    saved = []
    for name, widget, tab in shots:
        if tab is not None:
            page.tabs.setCurrentWidget(tab)
        if tab is page.chart_tab:
            wait_for(app, lambda: page.chart is not None and page.chart.series is not None, 60)
        settle(app, 300)
        saved.append(grab(widget, out / f"{owner}-{name}-{look}.png"))
    payouts = parts.earnings.view.payouts if parts.earnings.view else ()
    paid = next((p for p in payouts if p.status == "paid"), None)
    if paid is not None:
        dialog = page.payouts.open_payout(paid)
        wait_for(app, lambda: dialog.detail is not None and not dialog.model.loading, 60)
        settle(app, 300)
        saved.append(grab(dialog, out / f"{owner}-payout-{look}.png"))
        dialog.close()
    page.tabs.setCurrentIndex(0)
    return saved


def grab(widget: QWidget, path: Path) -> Path:
    save_if_changed(widget.grab().toImage(), path)
    return path


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
        if not wait_for(app, lambda: earnings_loaded(parts)):
            raise RuntimeError(f"{email}'s earnings did not load")
        for page in PAGES:
            window.show_page(page)
            settle(app)
            if page == "earnings":
                saved += shoot_earnings(app, parts, owner, look, out)
                continue
            saved.append(grab(window, out / f"{owner}-{page}-{look}.png"))
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
    fix_environment()
    app = qt_app()
    QLocale.setDefault(QLocale("en_US"))
    fix_font(app)
    args.outdir.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="billing-shots-"))
    bridge = DemoBridge(root / "bridge")
    try:
        url = bridge.start()
        for email in args.owners:
            for look in THEMES:
                for path in shoot_owner(app, url, email, look, root, args.outdir):
                    print(path, "written" if path in written else "unchanged")
        print(f"{len(written)} written, {len(unchanged)} unchanged")
    finally:
        bridge.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
