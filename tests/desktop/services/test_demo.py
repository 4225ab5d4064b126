"""DemoBridge's process handling, with small stand-in programs instead of the bridge."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from desktop_app.services import DemoBridge, DemoBridgeError

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="stand-ins are POSIX scripts")


def stand_in(tmp_path: Path, body: str) -> str:
    """An executable that takes the bridge's command line (`-m server_bridge.cli serve ...`)."""
    path = tmp_path / "fake-python"
    path.write_text(f"#!{sys.executable}\nimport sys, json, os, time, signal\n"
                    "args = sys.argv[1:]\nready = args[args.index('--ready-file') + 1]\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_start_reads_the_ready_file_and_stop_ends_the_process(tmp_path: Path) -> None:
    python = stand_in(tmp_path, (
        "tmp = ready + '.tmp'\n"
        "open(tmp, 'w').write(json.dumps({'bridge_url': 'http://127.0.0.1:1', 'sandbox_url': 'http://127.0.0.1:2',"
        " 'pid': os.getpid()}))\nos.replace(tmp, ready)\ntime.sleep(60)\n"))
    bridge = DemoBridge(tmp_path / "data", python=python)
    assert bridge.start(timeout=20) == "http://127.0.0.1:1"
    assert bridge.sandbox_url == "http://127.0.0.1:2" and bridge.running
    process = bridge.process
    bridge.stop()
    assert process is not None and process.poll() is not None and not bridge.running


def test_death_while_starting_shows_the_log(tmp_path: Path) -> None:
    python = stand_in(tmp_path, "print('ConfigError: port in use', file=sys.stderr)\nsys.exit(3)\n")
    bridge = DemoBridge(tmp_path / "data", python=python)
    with pytest.raises(DemoBridgeError) as err:
        bridge.start(timeout=20)
    assert "exit code 3" in str(err.value) and "ConfigError: port in use" in str(err.value)
    assert not bridge.running


def test_stop_kills_a_bridge_that_ignores_terminate(tmp_path: Path) -> None:
    python = stand_in(tmp_path, (
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "open(ready, 'w').write(json.dumps({'bridge_url': 'http://x', 'sandbox_url': '', 'pid': 1}))\n"
        "time.sleep(60)\n"))
    bridge = DemoBridge(tmp_path / "data", python=python)
    bridge.start(timeout=20)
    process = bridge.process
    bridge.stop(timeout=0.5)
    assert process is not None and process.poll() is not None


def test_too_slow_is_an_error_and_nothing_keeps_running(tmp_path: Path) -> None:
    python = stand_in(tmp_path, "time.sleep(60)\n")
    bridge = DemoBridge(tmp_path / "data", python=python)
    with pytest.raises(DemoBridgeError, match="did not start"):
        bridge.start(timeout=0.3)
    assert not bridge.running


def test_own_temporary_folder_is_removed(tmp_path: Path) -> None:
    python = stand_in(tmp_path, "sys.exit(1)\n")
    bridge = DemoBridge(python=python)
    with pytest.raises(DemoBridgeError):
        bridge.start(timeout=20)
    bridge.stop()
    assert not bridge.data_dir.exists()


def test_the_demo_never_sees_a_real_bridges_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIDGE_DATABASE_URL", "postgresql://production/billing")
    monkeypatch.setenv("BRIDGE_STRIPE_SECRET_KEY", "sk_live_real")
    python = stand_in(tmp_path, (
        "leaked = sorted(k for k in os.environ if k.startswith('BRIDGE_'))\n"
        "open(ready, 'w').write(json.dumps({'bridge_url': 'http://x', 'sandbox_url': repr(leaked), 'pid': 1}))\n"
        "time.sleep(60)\n"))
    bridge = DemoBridge(tmp_path / "data", python=python)
    try:
        bridge.start(timeout=20)
        assert bridge.sandbox_url == "[]"
    finally:
        bridge.stop()
