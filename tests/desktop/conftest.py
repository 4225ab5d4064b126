"""A real bridge with its Stripe sandbox, started the way `billing-manager --demo` starts it: as a
separate process (`billing-bridge serve --sandbox`) on free ports, in a temporary data folder."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_app.services import BridgeClient, DemoBridge

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


@pytest.fixture(scope="module")
def demo_bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBridge]:
    """One bridge for a whole test module: for tests that read, or change only their own owner's state."""
    with running_bridge(tmp_path_factory.mktemp("demo-bridge")) as bridge:
        yield bridge


@pytest.fixture
def fresh_bridge(tmp_path: Path) -> Iterator[RunningBridge]:
    """A bridge of its own, for a test that changes state other tests would see."""
    with running_bridge(tmp_path / "bridge") as bridge:
        yield bridge


@pytest.fixture
def client_for() -> Iterator[Callable[[RunningBridge, str], BridgeClient]]:
    """`client_for(bridge, "pro@demo.test")` -> a BridgeClient signed in as that demo owner (closed afterwards).

    Each gets a device name of its own: signing in again on the same device revokes that device's token."""
    clients: list[BridgeClient] = []

    def make(bridge: RunningBridge, email: str, device: str | None = None) -> BridgeClient:
        client = BridgeClient(bridge.url)
        clients.append(client)
        client.login(email, DEMO_PASSWORD, device or f"pytest-{uuid.uuid4().hex[:8]}")
        return client

    yield make
    for client in clients:
        client.close()
