"""The gateway: pinned API version, webhook signatures as Stripe makes them, Stripe failures mapped."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from types import SimpleNamespace

import pytest
import stripe
from pydantic import SecretStr

from server_bridge.gateway import (
    STRIPE_VERSION,
    Gateway,
    StripeUnavailable,
    WebhookSignatureError,
    verify_webhook,
)

SECRET = "whsec_test_one"
EVENT = {"id": "evt_1", "object": "event", "type": "invoice.paid", "created": 1, "livemode": False,
         "data": {"object": {"id": "in_1", "object": "invoice"}}}


def sign(payload: bytes, secret: str = SECRET, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def settings(**overrides: object) -> SimpleNamespace:
    values = {"stripe_secret_key": SecretStr("sk_test_x"), "stripe_api_base": None, "stripe_timeout": 0.5,
              "stripe_max_retries": 0}
    return SimpleNamespace(**{**values, **overrides})


def test_the_api_version_is_the_one_the_sdk_pins() -> None:
    gateway = Gateway(settings())
    try:
        assert STRIPE_VERSION == stripe.api_version
        assert gateway.client._requestor._options.stripe_version == stripe.api_version
    finally:
        gateway.close()


def test_a_payload_signed_like_stripe_is_accepted() -> None:
    payload = json.dumps(EVENT).encode()
    assert verify_webhook(payload, sign(payload), [SecretStr(SECRET)], 300)["id"] == "evt_1"
    # the SDK's own verifier agrees with the signature we make in these tests
    assert stripe.Webhook.construct_event(payload, sign(payload), SECRET).id == "evt_1"


def test_any_configured_secret_and_any_v1_may_match() -> None:
    payload = json.dumps(EVENT).encode()
    header = sign(payload, "whsec_rolled")
    wrong_first = f"{header.split(',')[0]},v1={'0' * 64},{header.split(',')[1]}"
    assert verify_webhook(payload, wrong_first, [SecretStr("whsec_old"), SecretStr("whsec_rolled")], 300)


@pytest.mark.parametrize("case", ["tampered", "wrong secret", "stale", "no v1", "garbage", "future junk t"])
def test_bad_signatures_are_refused(case: str) -> None:
    payload = json.dumps(EVENT).encode()
    header = {
        "tampered": sign(payload),
        "wrong secret": sign(payload, "whsec_other"),
        "stale": sign(payload, at=int(time.time()) - 301),
        "no v1": f"t={int(time.time())}",
        "garbage": "nonsense",
        "future junk t": "t=abc,v1=00",
    }[case]
    body = payload.replace(b"invoice.paid", b"invoice.void") if case == "tampered" else payload
    with pytest.raises(WebhookSignatureError):
        verify_webhook(body, header, [SecretStr(SECRET)], 300)


def test_no_secret_configured_refuses_everything() -> None:
    payload = json.dumps(EVENT).encode()
    with pytest.raises(WebhookSignatureError):
        verify_webhook(payload, sign(payload), [], 300)


def test_an_unreachable_stripe_is_unavailable_not_a_crash() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gateway = Gateway(settings(stripe_api_base=f"http://127.0.0.1:{port}"))
    try:
        with pytest.raises(StripeUnavailable):
            gateway.get_customer("cus_missing")
    finally:
        gateway.close()


def test_a_gateway_needs_a_key() -> None:
    with pytest.raises(ValueError, match="BRIDGE_STRIPE_SECRET_KEY"):
        Gateway(settings(stripe_secret_key=None))
