"""Every failure answers the one error envelope with a fitting status: never a bare 422 or a leaked 500."""

from __future__ import annotations

import logging

import httpx
import pytest

from server_bridge.api import errors
from server_bridge.app import create_app
from server_bridge.settings import Settings
from stripe_sandbox.serving import ThreadedServer
from tests.support.bridges import Bridge


def assert_error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]["message"]


@pytest.mark.parametrize("body, named", [
    (b'{"email": "a@b.test", "password": ', "JSON"),
    (b'{"email": "a@b.test", "password": "x"}', "device"),
    (b'{"email": 5, "password": "x", "device": "d"}', "email"),
    (b'{"email": "a@b.test", "password": "x", "device": ""}', "device"),
    (b'{"email": "a@b.test", "password": "x", "device": "' + b"d" * 101 + b'"}', "device"),
    (b'["email", "password"]', "JSON object"),
    (b'null', "body"),
    (b'', "body"),
])
def test_bad_sign_in_bodies_are_invalid_requests(shared_bridge: Bridge, body: bytes, named: str) -> None:
    with shared_bridge.client() as client:
        answer = client.post("/v1/auth/login", content=body, headers={"Content-Type": "application/json"})
    assert named in assert_error(answer, 400, "invalid_request")


def test_a_form_post_is_an_invalid_request(shared_bridge: Bridge) -> None:
    with shared_bridge.client() as client:
        answer = client.post("/v1/auth/login", data={"email": "a@b.test", "password": "x", "device": "d"})
    assert_error(answer, 400, "invalid_request")


def test_unknown_routes_and_methods(shared_bridge: Bridge) -> None:
    with shared_bridge.client() as client:
        assert_error(client.get("/v1/nothing-here"), 404, "not_found")
        assert_error(client.get("/"), 404, "not_found")
        answer = client.delete("/v1/auth/login")
        assert_error(answer, 405, "method_not_allowed")
        assert "POST" in answer.headers["Allow"]


@pytest.mark.parametrize("path, words", [
    ("/return/portal", "saved"),
    ("/return/checkout/success", "subscription has started"),
    ("/return/checkout/cancel", "nothing was charged"),
])
def test_return_pages_need_no_sign_in(shared_bridge: Bridge, path: str, words: str) -> None:
    with shared_bridge.client() as client:
        answer = client.get(path, params={"session_id": "cs_<script>"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "go back to Billing Manager" in answer.text and words in answer.text
    assert "<script>" not in answer.text


def raiser(exc: Exception):  # noqa: ANN201
    def fail() -> None:
        raise exc
    return fail


def test_bugs_and_stripe_failures_map_to_the_envelope(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    from server_bridge import gateway

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}", data_dir=tmp_path,
                              stripe_secret_key=None))
    failures = {
        "/bug": RuntimeError("password=hunter2 in the traceback"),
        "/down": gateway.StripeUnavailable(),
        "/refused": gateway.StripeRefused("No such price: 'price_x'"),
        "/declined": gateway.CardDeclined("Your card was declined."),
        "/gone": errors.NotFound.of("That invoice"),
    }
    for path, exc in failures.items():
        app.add_api_route(path, raiser(exc))
    with ThreadedServer(app) as server, httpx.Client(base_url=server.url) as client:
        with caplog.at_level(logging.ERROR, logger="server_bridge.api.errors"):
            message = assert_error(client.get("/bug"), 500, "internal_error")
        assert "hunter2" not in message and "hunter2" in caplog.text
        assert_error(client.get("/down"), 503, "stripe_unavailable")
        assert assert_error(client.get("/refused"), 502, "stripe_error") == "No such price: 'price_x'"
        assert assert_error(client.get("/declined"), 402, "payment_failed") == "Your card was declined."
        assert assert_error(client.get("/gone"), 404, "not_found") == "That invoice was not found."
