"""A slow or stalled Stripe answers inside the desktop's patience, saying what happened (issue 9 §4).

Before: a Stripe that never answered made the bridge answer 503 after ~31 s (10 s x 3 tries), long
after the desktop had given up at 10 s and told the owner it could not reach the billing server.
"""

from __future__ import annotations

import inspect
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from desktop_app.services.bridge import BridgeClient
from desktop_app.services.errors import BridgeRefused
from server_bridge.auth import owners
from server_bridge.settings import Settings
from tests.support.bridges import Bridge

DESKTOP_TIMEOUT = inspect.signature(BridgeClient).parameters["timeout"].default


@pytest.fixture
def stalled_stripe() -> Iterator[str]:
    """A TCP server that accepts connections and never answers: Stripe at its worst."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        listener.close()


def test_the_default_stripe_timeouts_fit_inside_the_deadline_and_the_desktops_patience() -> None:
    settings = Settings()
    assert settings.stripe_worst_case_seconds() <= settings.request_deadline < DESKTOP_TIMEOUT


def test_a_stalled_stripe_answers_stripe_timeout_before_the_desktop_gives_up(
        make_bridge: Callable[..., Bridge], db_url: str, stalled_stripe: str) -> None:
    """Default timing settings, real HTTP all the way: an owner the bridge has never synced needs Stripe."""
    bridge = make_bridge(db_url, stripe_secret_key="sk_test_stalled", stripe_api_base=stalled_stripe)
    with bridge.sessions() as session:
        owners.add_owner(session, "late@example.test", "pw", customer_id="cus_late")
        session.commit()
    with BridgeClient(bridge.url) as desktop:   # the desktop's own client, with its own timeout
        desktop.login("late@example.test", "pw", "d")
        started = time.monotonic()
        with pytest.raises(BridgeRefused) as refused:
            desktop.summary()
        took = time.monotonic() - started
    assert (refused.value.status, refused.value.code) == (503, "stripe_timeout")
    assert "nothing was changed" in refused.value.message
    assert took < bridge.settings.request_deadline + 1.0 < DESKTOP_TIMEOUT + 1.0


TIMEOUT, RETRIES, DEADLINE = 0.5, 1, 1.6
STACK_SETTINGS = {"stripe_timeout": TIMEOUT, "stripe_max_retries": RETRIES, "request_deadline": DEADLINE}


@pytest.fixture(scope="module")
def stack(module_stack: Any) -> Any:
    return module_stack


@pytest.fixture(autouse=True)
def no_faults_left(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "stack" in request.fixturenames:
        request.getfixturevalue("stack").sandbox.clear_faults()


def test_a_write_stripe_does_not_answer_in_time_does_not_claim_nothing_changed(
        stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    """Stripe may still carry out a write it did not answer: the bridge says it could not be sure
    (stripe_unavailable), never "nothing was changed"."""
    client = client_for(stack, "pro@demo.test")
    stack.sandbox.inject_fault("timeout", count=RETRIES + 1, delay=TIMEOUT * 4)
    started = time.monotonic()
    answer = client.post("/v1/billing/portal-session", json={})
    assert time.monotonic() - started < DEADLINE + 1.0
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "stripe_unavailable", answer.text


def test_many_slow_answers_end_at_the_deadline_not_after_them_all(
        stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    """Each Stripe call answers within its own timeout, but a first sync needs many of them: the
    deadline bounds the route, and the next read (Stripe fast again) finishes the sync."""
    customer = stack._gateway.create_customer({"email": "slow@demo.test"}, key="tests:slow-owner")
    with stack.app.state.sessions() as session:
        owners.add_owner(session, "slow@demo.test", "demo", customer_id=customer["id"])
        session.commit()
    client = client_for(stack, "slow@demo.test")
    stack.sandbox.inject_fault("timeout", count=50, delay=TIMEOUT * 0.8)
    started = time.monotonic()
    answer = client.get("/v1/billing/summary")
    assert time.monotonic() - started < DEADLINE + TIMEOUT + 0.5
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "stripe_timeout", answer.text
    stack.sandbox.clear_faults()
    assert client.get("/v1/billing/summary").json()["status"] == "none"
