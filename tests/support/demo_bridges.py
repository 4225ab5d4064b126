"""The demo bridge as `billing-manager --demo` starts it: `billing-bridge serve --sandbox` in its own process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from desktop_app.services import DemoBridge

START_TIMEOUT = 90.0
DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class RunningBridge:
    url: str            # the bridge, e.g. http://127.0.0.1:41234
    sandbox_url: str    # the sandbox beside it (control API under /_sandbox/)
    data_dir: Path

    @property
    def bridge_url(self) -> str:
        return self.url


@contextmanager
def running_bridge(data_dir: Path) -> Iterator[RunningBridge]:
    """`billing-bridge serve --sandbox` as its own process on `data_dir`, stopped at the end."""
    bridge = DemoBridge(data_dir)
    bridge.start(timeout=START_TIMEOUT)
    try:
        yield RunningBridge(bridge.bridge_url, bridge.sandbox_url, bridge.data_dir)
    finally:
        bridge.stop()
