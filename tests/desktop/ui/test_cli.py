"""`python -m desktop_app` as a user runs it: the demo with --screenshot, and a screenshot that cannot be taken."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[3]


def run_app(*args: str, timeout: float = 120, **env_vars: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **env_vars}
    return subprocess.run([sys.executable, "-m", "desktop_app", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_demo_screenshot_of_the_invoices_page_at_200_percent(tmp_path: Path) -> None:
    shot = tmp_path / "shots" / "demo.png"
    done = run_app("--demo", "--demo-owner", "starter@demo.test", "--page", "invoices", "--theme", "dark",
                   "--screenshot", str(shot), QT_SCALE_FACTOR="2")
    assert done.returncode == 0, done.stderr[-2000:]
    image = QImage(str(shot))
    assert not image.isNull() and image.width() > 1400 and image.height() > 900   # twice the logical size
    dark = image.pixelColor(image.width() // 2, image.height() // 2)
    assert dark.lightness() < 100


def test_screenshot_without_a_sign_in_fails_with_exit_1(tmp_path: Path) -> None:
    shot = tmp_path / "never.png"
    done = run_app("--paths-root", str(tmp_path / "home"), "--bridge-url", "http://127.0.0.1:9",
                   "--screenshot", str(shot), timeout=60)
    assert done.returncode == 1
    assert not shot.exists()


def test_self_test_on_a_first_run_shows_the_sign_in_and_exits(tmp_path: Path) -> None:
    shot = tmp_path / "first-run.png"
    done = run_app("--paths-root", str(tmp_path / "home"), "--self-test", "--screenshot", str(shot), timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "self-test: sign-in shown; billing server: none"
    assert not QImage(str(shot)).isNull()


def test_self_test_exits_even_when_nobody_reads_its_output(tmp_path: Path) -> None:
    """`billing-manager --self-test | head -0` once hung: printing to a closed pipe failed inside a Qt slot."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen([sys.executable, "-m", "desktop_app", "--paths-root", str(tmp_path / "home"),
                              "--self-test"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert child.stdout is not None
    child.stdout.close()
    assert child.wait(timeout=60) == 0


def test_a_screenshot_of_earnings_waits_for_the_earnings(open_window, qtbot, tmp_path: Path) -> None:
    """`--page earnings --screenshot` fired when the plan had loaded, before the earnings had."""
    from desktop_app.app import take_screenshot

    from ...support.harness import DEMO_PASSWORD
    parts = open_window.build("shot")
    window, session = parts.window, parts.session
    window.show_page("earnings")
    seen: list[tuple[bool, int]] = []
    original = window.grab

    def grab():  # noqa: ANN202 - what the screenshot holds, noted as it is taken
        page = window.earnings_page
        seen.append((parts.earnings.live, page.sales.model.rowCount() if page.built else 0))
        return original()

    window.grab = grab
    shot = tmp_path / "earnings.png"
    exits: list[int] = []

    class App:   # the real app's exit() would end every event loop of the test run, not just this one
        def exit(self, code: int) -> None:
            exits.append(code)

    take_screenshot(window, shot, App(), timeout_ms=60_000)  # type: ignore[arg-type]
    window.start(lambda: bool(session.sign_in(open_window.url, "pro@demo.test", DEMO_PASSWORD)))
    qtbot.waitUntil(shot.exists, timeout=60_000)
    live, rows = seen[0]
    assert live and rows > 0 and exits == [0]
