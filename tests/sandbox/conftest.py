"""A fresh sandbox on a real port for each test, and the official SDK pointed at it."""

from __future__ import annotations

import threading
import time
from typing import Iterator

import pytest
import stripe

from stripe_sandbox import Sandbox, create_sandbox_app
from stripe_sandbox.serving import ThreadedServer


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(api_key="sk_test_unit", webhook_retry_delays=(0.05, 0.1, 0.2))
    server = ThreadedServer(create_sandbox_app(box))
    box.base_url = server.bind()
    server.start()
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


@pytest.fixture(autouse=True)
def no_threads_left() -> Iterator[None]:
    """Fail a test that leaves a server or delivery thread running."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while True:
        left = [t for t in threading.enumerate() if t not in before and t.is_alive() and not _pool_thread(t)]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert left == [], f"threads left running: {[t.name for t in left]}"


def _pool_thread(thread: threading.Thread) -> bool:
    """anyio's worker threads (the app's threadpool) idle on after a test; they are not ours to stop."""
    return thread.name.startswith(("AnyIO worker thread", "asyncio_"))
