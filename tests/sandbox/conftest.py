"""A fresh sandbox on a real port for each test, and the official SDK pointed at it."""

from __future__ import annotations

from typing import Iterator

import pytest
import stripe

from server_bridge.sandbox import Sandbox, create_sandbox_app
from server_bridge.serving import ThreadedServer


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(api_key="sk_test_unit", webhook_retry_delays=(0.05, 0.1, 0.2))
    server = ThreadedServer(create_sandbox_app(box))
    box.base_url = server.start()
    try:
        yield box
    finally:
        server.stop()
        box.close()


@pytest.fixture
def client(sandbox: Sandbox) -> stripe.StripeClient:
    return stripe.StripeClient(sandbox.api_key, base_addresses={"api": sandbox.base_url}, max_network_retries=0)


@pytest.fixture
def retrying_client(sandbox: Sandbox) -> stripe.StripeClient:
    return stripe.StripeClient(sandbox.api_key, base_addresses={"api": sandbox.base_url}, max_network_retries=3)
