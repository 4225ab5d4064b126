"""billing-manager://connect links in the real window against the real bridge: what the owner sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication

from desktop_app.app import Parts
from desktop_app.services import BridgeClient, NotSignedIn
from desktop_app.services.addresses import make_link
from desktop_app.ui.shell.links import LinkHandler

from ...support.harness import Opener

ROOT = Path(__file__).resolve().parents[3]
OTHER = "https://billing.other-platform.example"


def with_links(parts: Parts) -> LinkHandler:
    return LinkHandler(parts.window)


def settled_sign_in(parts: Parts, qtbot):  # noqa: ANN001, ANN201
    parts.window.start()
    qtbot.waitUntil(lambda: parts.window.sign_in_dialog is not None and parts.window.sign_in_dialog.isVisible())
    return parts.window.sign_in_dialog


def test_a_link_on_first_run_fills_in_the_billing_server(open_window: Opener, qtbot) -> None:  # noqa: ANN001
    parts = open_window.build("first")
    parts.session.config.bridge_url = ""
    links = with_links(parts)
    links.open(make_link(open_window.url))       # before the start settles: it waits for the sign-in
    dialog = settled_sign_in(parts, qtbot)
    assert dialog.url_edit.text() == open_window.url
    assert dialog.email_edit.hasFocus()
    saved = parts.session.paths.config_dir / "config.json"
    qtbot.waitUntil(lambda: saved.exists() and json.loads(saved.read_text())["bridge_url"] == open_window.url)


def test_a_link_while_the_sign_in_is_open_replaces_the_address(open_window: Opener, qtbot) -> None:  # noqa: ANN001
    parts = open_window.build("open")
    links = with_links(parts)
    dialog = settled_sign_in(parts, qtbot)
    dialog.email_edit.setText("pro@demo.test")
    links.open("billing-manager://connect?bridge=https://billing.example.com/")
    assert dialog.url_edit.text() == "https://billing.example.com"
    assert dialog.password_edit.hasFocus()


@pytest.mark.parametrize("link, words", [
    ("billing-manager://connect?bridge=http://billing.example.com", "must start with https://"),
    ("billing-manager://connect?bridge=https%3A%2F%2Fme%3Apw%40billing.example.com", "user name or password"),
    ("billing-manager://connect", "does not say which billing server"),
    ("https://billing.example.com", "not a Billing Manager link"),
])
def test_a_bad_link_says_why_and_changes_nothing(open_window: Opener, qtbot, link: str, words: str) -> None:  # noqa: ANN001
    parts = open_window.build("bad")
    links = with_links(parts)
    dialog = settled_sign_in(parts, qtbot)
    links.open(link)
    assert parts.window.banner.isVisible() and words in parts.window.banner_text.text()
    assert dialog.url_edit.text() == open_window.url and parts.session.bridge_url == open_window.url


def test_a_link_to_the_bridge_in_use_says_so(open_window: Opener) -> None:
    parts = open_window.signed_in("pro@demo.test", "same")
    links = with_links(parts)
    links.open(make_link(open_window.url + "/"))
    assert parts.window.statusBar().currentMessage() == f"Already connected to {open_window.url}."
    assert links.switch_dialog is None and parts.billing.client is not None


def test_a_link_to_another_bridge_asks_and_staying_changes_nothing(open_window: Opener, qtbot) -> None:  # noqa: ANN001
    parts = open_window.signed_in("pro@demo.test", "stay")
    links = with_links(parts)
    links.open(make_link(OTHER))
    dialog = links.switch_dialog
    assert dialog is not None and dialog.isVisible()
    words = dialog.informativeText()
    assert f"signed in to {open_window.url} as pro@demo.test" in words and OTHER in words
    dialog.stay_button.click()
    assert parts.billing.client is not None and parts.session.bridge_url == open_window.url
    assert parts.window.sign_in_dialog is None


def test_switching_signs_out_of_the_old_bridge_and_offers_the_new_one(open_window: Opener, qtbot) -> None:  # noqa: ANN001
    parts = open_window.signed_in("pro@demo.test", "switch")
    token = parts.session.store.get(parts.session.owner_key)
    links = with_links(parts)
    links.open(make_link(OTHER))
    assert links.switch_dialog is not None
    links.switch_dialog.switch_button.click()
    qtbot.waitUntil(lambda: parts.window.sign_in_dialog is not None and parts.window.sign_in_dialog.isVisible(),
                    timeout=15_000)
    assert parts.window.sign_in_dialog.url_edit.text() == OTHER
    assert parts.session.bridge_url == OTHER and parts.billing.client is None
    with BridgeClient(open_window.url, token=token) as old, pytest.raises(NotSignedIn):
        old.me()   # the old bridge's token was revoked, not left behind


def test_a_link_waiting_for_a_restored_sign_in_asks_before_switching(open_window: Opener, qtbot) -> None:  # noqa: ANN001
    first = open_window.signed_in("pro@demo.test", "restore")
    store = first.session.store
    first.close()
    again = open_window.build("restore", store=store)       # same folders: the saved sign-in comes back
    links = with_links(again)
    links.open(make_link(OTHER))
    assert links.switch_dialog is None                     # not before the start has settled
    with qtbot.waitSignal(again.window.session_bound, timeout=20_000):
        again.window.start()
    assert links.switch_dialog is not None and links.switch_dialog.isVisible()
    links.switch_dialog.stay_button.click()


def test_macos_hands_a_clicked_link_over_as_a_file_open_event(open_window: Opener, qtbot) -> None:  # noqa: ANN001
    parts = open_window.build("mac")
    links = with_links(parts)
    app = QApplication.instance()
    app.installEventFilter(links)
    try:
        dialog = settled_sign_in(parts, qtbot)
        QApplication.sendEvent(app, QFileOpenEvent(QUrl("billing-manager://connect?bridge=https://mac.example.com")))
        assert dialog.url_edit.text() == "https://mac.example.com"
    finally:
        app.removeEventFilter(links)


def self_test(home: Path, *args: str, operator: str = "", saved: str = "") -> str:
    if operator:
        (home / "app").mkdir(parents=True, exist_ok=True)
        (home / "app" / "billing-manager.toml").write_text(f'bridge = "{operator}"\n')
    if saved:
        (home / "config").mkdir(parents=True, exist_ok=True)
        (home / "config" / "config.json").write_text(json.dumps({"bridge_url": saved}))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "desktop_app", "--paths-root", str(home), "--self-test", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_the_billing_server_comes_from_the_link_then_the_last_used_then_the_operator(tmp_path: Path) -> None:
    link = "billing-manager://connect?bridge=https://link.example.com"
    assert self_test(tmp_path / "none").endswith("billing server: none")
    assert self_test(tmp_path / "op", operator="https://op.example.com").endswith("billing server: https://op.example.com")
    assert self_test(tmp_path / "saved", operator="https://op.example.com", saved="https://saved.example.com") \
        .endswith("billing server: https://saved.example.com")
    assert self_test(tmp_path / "link", link, operator="https://op.example.com", saved="https://saved.example.com") \
        .endswith("billing server: https://link.example.com")
