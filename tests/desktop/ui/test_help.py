"""The Help menu: the user guide, an operator's own help pages, and About with the version and licences."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from desktop_app.services.about import components, licence_of
from desktop_app.services.addresses import OperatorDefaults

from ...support.harness import Opener

ROOT = Path(__file__).resolve().parents[3]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def menu_titles(parts) -> list[str]:  # noqa: ANN001
    return [action.text() for action in parts.window.menuBar().actions()]


def test_about_shows_the_version_the_billing_server_and_the_licences(open_window: Opener, qtbot) -> None:  # noqa: ANN001
    parts = open_window.signed_in("pro@demo.test", "about")
    assert "&Help" in menu_titles(parts)
    help_menu = parts.window.help_menu
    help_menu.about_action.trigger()
    dialog = help_menu.about_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.title_label.text() == f"Billing Manager {VERSION}"
    assert dialog.bridge_label.text() == f"Billing server: {open_window.url}"
    qtbot.waitUntil(lambda: "PySide6_Essentials" in dialog.licence_text(), timeout=10_000)
    text = dialog.licence_text()
    for part in ("PySide6", "Qt", "httpx", "keyring", "platformdirs", "Babel", "msgspec", "pyqtgraph", "Python"):
        assert part.lower() in text.lower(), part
    assert "LGPL-3.0-only" in text and "GNU Lesser General Public License" in text
    for server_part in ("stripe", "fastapi", "SQLAlchemy", "uvicorn"):
        assert server_part not in text   # the bridge's libraries do not ship with the desktop


def test_about_before_sign_in_says_no_billing_server_yet(open_window: Opener, qtbot) -> None:  # noqa: ANN001
    parts = open_window.build("about-first")
    parts.session.config.bridge_url = ""
    dialog = parts.window.help_menu.open_about()
    assert dialog.bridge_label.text() == "No billing server chosen yet."
    qtbot.waitUntil(lambda: "PySide6_Essentials" in dialog.licence_text(), timeout=10_000)


def test_the_licence_list_reads_each_distribution_s_metadata() -> None:
    listed = {re.sub(r"[-_.]+", "-", c.name).lower(): c for c in components()}
    from importlib import metadata
    assert listed["pyside6-essentials"].version == metadata.version("pyside6-essentials")
    assert listed["pyside6-essentials"].licence.startswith("LGPL-3.0-only")
    assert listed["httpx"].licence == licence_of(metadata.distribution("httpx")) == "BSD-3-Clause"
    assert listed["billing manager"].version == VERSION
    assert not {"stripe", "fastapi", "sqlalchemy", "pytest"} & set(listed)


def test_help_opens_the_guide_that_ships_with_the_app(open_window: Opener) -> None:
    parts = open_window.build("guide")
    help_menu = parts.window.help_menu
    help_menu.guide_action.trigger()
    assert help_menu.guide is not None and help_menu.guide.isVisible()
    text = help_menu.guide.text()
    assert "billing-manager://connect?bridge=https://billing.example.com" in text and "Getting started" in text


class Recorder(QObject):
    """The system browser, as far as this test cares: it records the address it is asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def handle(self, url: QUrl) -> None:
        self.opened.append(url.toString())


def test_an_operator_s_help_pages_open_in_the_browser(open_window: Opener) -> None:
    parts = open_window.build("operator-help")
    parts.window.help_menu.set_operator(OperatorDefaults(docs="https://help.example.com/billing"))
    recorder = Recorder()
    QDesktopServices.setUrlHandler("https", recorder, "handle")
    try:
        parts.window.help_menu.guide_action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("https")
    assert recorder.opened == ["https://help.example.com/billing"]
    assert parts.window.help_menu.guide is None


def test_version_on_the_command_line() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "desktop_app", "--version"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == f"billing-manager {VERSION}\n"
