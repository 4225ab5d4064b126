"""Losing the bridge and getting it back, with no click: the event stream tells, the app recovers by itself.

The bridge is the real one (billing-bridge serve --sandbox) behind a relay on a fixed port: `down()` cuts
every connection and refuses new ones, as a stopped bridge does; `up()` listens again on the same port,
as the restarted bridge would, and the owner's token stays valid."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from desktop_app.services import BridgeClient, BridgeRefused, BridgeUnreachable, UnexpectedResponse
from desktop_app.services import errors as kinds
from desktop_app.services.error_words import describe

from ...support.harness import DEMO_PASSWORD, texts


def signed_in_with_stream(open_window, qtbot, email: str = "pro@demo.test"):  # noqa: ANN001, ANN201
    parts = open_window.build(email)
    window, session = parts.window, parts.session
    with qtbot.waitSignals([window.ready, window.live_events.connected], timeout=30_000):
        window.start(lambda: bool(session.sign_in(open_window.url, email, DEMO_PASSWORD)))
    qtbot.waitUntil(lambda: parts.earnings.live, timeout=30_000)
    return parts


def test_a_stopped_bridge_shows_offline_within_seconds_and_comes_back_alone(open_window, backend, qtbot) -> None:
    parts = signed_in_with_stream(open_window, qtbot)
    window, billing = parts.window, parts.billing
    token = parts.session.store.get(parts.session.owner_key)
    backend.down()
    cut = time.monotonic()
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Offline: showing data from"), timeout=5_000)
    noticed = time.monotonic() - cut
    words = window.status_label.text()
    assert "not answering; it may be restarting" in words and "internet connection" not in words
    assert "Pro plan" in texts(window.overview)      # the last good view stays
    qtbot.waitUntil(lambda: parts.earnings.offline, timeout=5_000)
    assert noticed < 5
    assert not window.banner.isVisible()             # offline is a state, not an error to dismiss

    backend.up()                                      # the same address answers again, nobody clicks
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Updated"), timeout=20_000)
    qtbot.waitUntil(lambda: not parts.earnings.offline and parts.earnings.live, timeout=20_000)
    assert not billing.offline and billing.client is not None
    assert window.sign_in_dialog is None              # never asked to sign in again
    assert parts.session.store.get(parts.session.owner_key) == token
    qtbot.waitUntil(lambda: window.live_events.running, timeout=5_000)


def test_a_bridge_that_never_comes_back_keeps_the_owner_signed_in(open_window, backend, qtbot) -> None:
    parts = signed_in_with_stream(open_window, qtbot, "starter@demo.test")
    backend.down()
    qtbot.waitUntil(lambda: parts.billing.offline, timeout=5_000)
    qtbot.waitUntil(lambda: parts.billing.retry_timer.isActive() or parts.billing.refreshing, timeout=5_000)
    window = parts.window
    window.refresh_action.trigger()                   # a click while down: still offline, still signed in
    qtbot.waitUntil(lambda: not parts.billing.refreshing, timeout=10_000)
    assert parts.billing.offline and parts.billing.client is not None and window.sign_in_dialog is None
    backend.up()
    qtbot.waitUntil(lambda: not parts.billing.offline, timeout=20_000)


def _unused_address() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_check_your_connection_only_when_it_is_the_connection() -> None:
    with BridgeClient(_unused_address(), timeout=2) as client, pytest.raises(BridgeUnreachable) as down:
        client.summary()
    assert down.value.kind == kinds.DOWN
    assert "connection" not in describe(down.value).lower()
    with BridgeClient("http://billing.invalid", timeout=2) as client, pytest.raises(BridgeUnreachable) as nowhere:
        client.summary()   # .invalid never resolves (RFC 6761)
    assert nowhere.value.kind == kinds.NETWORK
    assert "check your internet connection" in describe(nowhere.value)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    with BridgeClient("http://bridge.test", transport=httpx.MockTransport(slow)) as client, \
            pytest.raises(BridgeUnreachable) as timed_out:
        client.summary()
    assert timed_out.value.kind == kinds.SLOW and "slow" in describe(timed_out.value)

    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="<html>Internal Server Error</html>")

    with BridgeClient("http://bridge.test", transport=httpx.MockTransport(broken)) as client, \
            pytest.raises(UnexpectedResponse) as server:
        client.summary()
    assert describe(server.value) == "The billing server had a problem (500); try again shortly."
    stripe = BridgeRefused(503, "stripe_unavailable", "Stripe timed out.")
    assert "payment service" in describe(stripe) and "connection" not in describe(stripe)
