"""A second start hands its link to the running app over a real QLocalServer, and then exits."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalServer

from desktop_app.ui.shell.single_instance import MAX_MESSAGE, InstanceServer, hand_over, server_name

from ...support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[3]
LINK = "billing-manager://connect?bridge=https://billing.example.com"


@pytest.fixture
def server(tmp_path: Path, qtbot):  # noqa: ANN001, ANN201
    listening = InstanceServer(server_name(tmp_path / "config"))
    assert listening.listen()
    yield listening
    listening.close()


def test_a_second_start_hands_its_link_to_the_first(server: InstanceServer, qtbot) -> None:  # noqa: ANN001
    with qtbot.waitSignal(server.received, timeout=5_000) as got:
        assert hand_over(server.name, LINK)
    assert got.args == [LINK]


def test_a_plain_second_start_asks_the_first_to_come_forward(server: InstanceServer, qtbot) -> None:  # noqa: ANN001
    with qtbot.waitSignal(server.received, timeout=5_000) as got:
        assert hand_over(server.name, "")
    assert got.args == [""]


def test_nobody_listening_means_this_start_is_the_first(tmp_path: Path) -> None:
    assert hand_over(server_name(tmp_path / "nobody"), LINK) is False


def test_each_settings_folder_has_its_own_instance(tmp_path: Path) -> None:
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")
    assert server_name(tmp_path / "a") == server_name(tmp_path / "x" / ".." / "a")


def test_an_oversized_message_is_dropped(server: InstanceServer, qtbot) -> None:  # noqa: ANN001
    received: list[str] = []
    server.received.connect(received.append)
    peer = socket.socket(socket.AF_UNIX)
    peer.connect(server.server.fullServerName())
    peer.sendall(b"x" * (MAX_MESSAGE + 10))
    qtbot.waitUntil(lambda: not server._buffers, timeout=5_000)   # noqa: SLF001 - the peer was cut off
    peer.close()
    with qtbot.waitSignal(server.received, timeout=5_000):
        hand_over(server.name, LINK)
    assert received == [LINK]


def test_a_socket_left_by_a_crashed_app_is_taken_over(tmp_path: Path, qtbot) -> None:  # noqa: ANN001
    name = server_name(tmp_path / "crashed")
    probe = QLocalServer()
    assert probe.listen(name)
    path = probe.fullServerName()
    probe.close()
    crashed = socket.socket(socket.AF_UNIX)   # bound and never unlinked, as a killed process leaves it
    crashed.bind(path)
    crashed.close()
    assert os.path.exists(path) and not hand_over(name, "")
    again = InstanceServer(name)
    try:
        assert again.listen()
        with qtbot.waitSignal(again.received, timeout=5_000):
            assert hand_over(name, LINK)
    finally:
        again.close()


def run_app(*args: str, **kw: object) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "desktop_app", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)  # type: ignore[call-overload]


def test_a_link_opened_while_the_app_runs_reaches_the_open_window(tmp_path: Path) -> None:
    """Two real processes: the second start exits at once and the first offers the link's bridge."""
    home = tmp_path / "home"
    first = run_app("--paths-root", str(home))
    try:
        name = server_name(home / "config")
        wait_until(lambda: first.poll() is not None or hand_over(name, ""), timeout=60)
        assert first.poll() is None
        second = run_app("--paths-root", str(home), "billing-manager://connect?bridge=https://billing.example.com/")
        assert second.wait(timeout=60) == 0
        settings = home / "config" / "config.json"
        wait_until(lambda: settings.exists() and json.loads(settings.read_text())["bridge_url"]
                   == "https://billing.example.com", timeout=30)
        assert first.poll() is None   # still the one window
    finally:
        first.terminate()
        first.wait(timeout=30)
