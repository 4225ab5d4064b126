"""A real bridge with its Stripe sandbox, started the way `billing-manager --demo` starts it: as a
separate process (`billing-bridge serve --sandbox`) on free ports, in a temporary data folder
(tests/support/demo_bridges.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop_app.services import BridgeClient
from tests.support.demo_bridges import DEMO_PASSWORD, RunningBridge, running_bridge


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
