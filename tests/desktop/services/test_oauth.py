"""The browser sign-in's Qt-free half: PKCE, the loopback listener, and redeeming the code at a real bridge."""

from __future__ import annotations

import queue
import re
import socket
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from desktop_app.services import BridgeClient, BridgeRefused
from desktop_app.services.oauth import (BrowserSignIn, LoopbackListener, Redirect, authorize_url, challenge_for,
                                        new_verifier)
from tests.support.demo_bridges import RunningBridge


def test_pkce_is_s256_of_a_fresh_verifier() -> None:
    # RFC 7636 appendix B's example
    assert challenge_for("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    verifier = new_verifier()
    assert re.fullmatch(r"[A-Za-z0-9._~-]{43,128}", verifier) and verifier != new_verifier()


def test_the_authorize_url_asks_for_a_code_with_s256() -> None:
    url = authorize_url("https://billing.example.com/", redirect_uri="http://127.0.0.1:5000/callback", state="s",
                        challenge="c")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://billing.example.com/v1/auth/authorize"
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "response_type": "code", "client_id": "billing-manager", "redirect_uri": "http://127.0.0.1:5000/callback",
        "state": "s", "code_challenge": "c", "code_challenge_method": "S256"}


@pytest.fixture
def listener() -> Iterator[tuple[LoopbackListener, queue.Queue[Redirect]]]:
    got: queue.Queue[Redirect] = queue.Queue()
    running = LoopbackListener("the-state", got.put)
    yield running, got
    running.close()


def test_the_listener_is_on_the_loopback_address_on_a_port_of_the_systems_choosing(listener) -> None:
    running, _ = listener
    assert running.redirect_uri == f"http://127.0.0.1:{running.port}/callback" and running.port > 0
    assert running._server.server_address[0] == "127.0.0.1"   # noqa: SLF001 - never every interface


def test_the_listener_takes_one_redirect_with_its_state(listener) -> None:
    running, got = listener
    with httpx.Client(timeout=5) as browser:
        other = browser.get(running.redirect_uri, params={"code": "stolen", "state": "not-it"})
        assert other.status_code == 400 and "Not this sign-in" in other.text
        missing = browser.get(running.redirect_uri, params={"code": "stolen"})
        assert missing.status_code == 400
        assert browser.get(f"http://127.0.0.1:{running.port}/favicon.ico").status_code == 404
        assert got.empty()
        good = browser.get(running.redirect_uri, params={"code": "abc", "state": "the-state"})
        assert good.status_code == 200 and "You can close this tab" in good.text
        assert got.get(timeout=5) == Redirect(code="abc")
        again = browser.get(running.redirect_uri, params={"code": "other", "state": "the-state"})
        assert again.status_code == 200 and "Already done" in again.text
    assert got.empty()


def test_an_error_redirect_is_handed_on_with_its_description(listener) -> None:
    running, got = listener
    with httpx.Client(timeout=5) as browser:
        page = browser.get(running.redirect_uri, params={"error": "invalid_request", "state": "the-state",
                                                         "error_description": "code_challenge_method must be S256."})
    assert "code_challenge_method must be S256." in page.text
    assert got.get(timeout=5) == Redirect(error="invalid_request", description="code_challenge_method must be S256.")


def test_a_closed_listener_no_longer_answers() -> None:
    running = LoopbackListener("s", lambda redirect: None)
    running.close()
    running.close()
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.1", running.port))


def _sign_in_in_browser(url: str, email: str, password: str) -> httpx.Response:
    with httpx.Client(follow_redirects=True, timeout=10) as browser:
        page = browser.get(url)
        fields = dict(re.findall(r'name="(request|csrf)" value="([^"]*)"', page.text))
        return browser.post(str(page.url.join("/v1/auth/authorize")),
                            data={**fields, "email": email, "password": password})


def test_signing_in_through_the_browser_at_a_real_bridge(demo_bridge: RunningBridge) -> None:
    got: queue.Queue[Redirect] = queue.Queue()
    flow = BrowserSignIn(demo_bridge.url + "/", got.put)
    try:
        landed = _sign_in_in_browser(flow.url, "starter@demo.test", "demo")
        assert landed.status_code == 200 and "Billing Manager is finishing signing you in" in landed.text
        redirect = got.get(timeout=10)
    finally:
        flow.close()
    assert redirect.code
    with BridgeClient(demo_bridge.url) as client:
        signed = client.redeem_code(redirect.code, flow.verifier, flow.redirect_uri, "pytest-browser")
        assert signed.email == "starter@demo.test" and client.token == signed.token
        assert client.me().device == "pytest-browser"
        with pytest.raises(BridgeRefused) as refused:
            client.redeem_code(redirect.code, flow.verifier, flow.redirect_uri, "pytest-browser")
    assert refused.value.code == "invalid_grant" and refused.value.status == 400
    assert "already used" in refused.value.message
