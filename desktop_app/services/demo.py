"""`billing-manager --demo`: the bridge and its Stripe sandbox as a child process on free ports.

A separate process, never an import: the desktop app must not contain the bridge, which comes with
the `bridge` extra (`pip install 'billing-manager[bridge]'`) and may not be installed. The bridge writes a ready file once both servers accept connections; its output goes to a log file in
the data folder, whose last lines are the error message if it dies while starting.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parents[2]
READY_FILE = "bridge-ready.json"
LOG_FILE = "bridge.log"


BRIDGE_MODULES = ("fastapi", "uvicorn", "sqlalchemy", "alembic", "stripe", "argon2", "pydantic_settings",
                  "sse_starlette", "fpdf")
INSTALL_BRIDGE = ("The demo runs the billing server, which is not installed: "
                  "pip install 'billing-manager[bridge]'")


def bridge_missing() -> str | None:
    """The sentence telling what to install when the bridge's libraries are absent, else None."""
    for name in BRIDGE_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return INSTALL_BRIDGE
    return None


class DemoBridgeError(RuntimeError):
    """The demo bridge did not start; the message carries the end of its log."""


def demo_environment() -> dict[str, str]:
    """This process's environment without BRIDGE_* settings (a demo must never reach a real database or
    Stripe account configured for a real bridge), with the source tree importable when run from a checkout."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("BRIDGE_")}
    if (SOURCE_ROOT / "server_bridge").is_dir():
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE_ROOT), env.get("PYTHONPATH", "")]))
    return env


class DemoBridge:
    def __init__(self, data_dir: Path | None = None, *, python: str = sys.executable,
                 env: Mapping[str, str] | None = None) -> None:
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="billing-demo-"))
        self.ready_file = self.data_dir / READY_FILE
        self.log_path = self.data_dir / LOG_FILE
        self.python = python
        self.env = dict(env) if env is not None else demo_environment()
        self.bridge_url = ""
        self.sandbox_url = ""
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def command(self) -> list[str]:
        return [self.python, "-m", "server_bridge.cli", "serve", "--sandbox", "--port", "0",
                "--ready-file", str(self.ready_file), "--data-dir", str(self.data_dir)]

    def start(self, timeout: float = 60) -> str:
        """Start the bridge and return its URL once it answers; DemoBridgeError if it dies or takes too long."""
        if self.process is not None:
            return self.bridge_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.ready_file.unlink()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, env=self.env)
        deadline = time.monotonic() + timeout
        while True:
            ready = self._read_ready()
            if ready is not None:
                self.bridge_url = ready["bridge_url"]
                self.sandbox_url = ready.get("sandbox_url", "")
                return self.bridge_url
            code = self.process.poll()
            if code is not None:
                self.process = None
                raise DemoBridgeError(f"The demo billing server stopped while starting (exit code {code}).\n"
                                      f"{self.log_tail()}")
            if time.monotonic() > deadline:
                tail = self.log_tail()
                self.stop()
                raise DemoBridgeError(f"The demo billing server did not start within {timeout:g} s.\n{tail}")
            time.sleep(0.05)  # waiting on another process's file: nothing to block on

    def _read_ready(self) -> dict | None:
        try:
            data = json.loads(self.ready_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if isinstance(data, dict) and isinstance(data.get("bridge_url"), str):
            return data
        return None

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.rstrip().splitlines()[-lines:]) or "(empty log)"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 10) -> None:
        """Terminate the bridge, killing it if it has not gone after `timeout` seconds."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> DemoBridge:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
