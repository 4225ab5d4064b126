"""The gateway: pinned API version, webhook signatures as Stripe makes them, Stripe failures mapped."""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
import socket
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import stripe
from pydantic import SecretStr

from server_bridge.billing.setup import WEBHOOK_EVENTS, setup_stripe
from server_bridge.connect.event_handlers import CONNECT_EVENTS
from server_bridge.gateway import (STRIPE_VERSION, Gateway, StripeCalls, StripeRefused, StripeUnavailable,
                                   WebhookSignatureError, verify_webhook)
from stripe_sandbox.serving import ThreadedServer
from stripe_sandbox.webhooks import webhook_secret

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


def test_the_gateway_makes_every_call_the_bridge_is_typed_against() -> None:
    calls = [name for name, value in vars(StripeCalls).items() if callable(value) and not name.startswith("_")]
    assert len(calls) > 40
    for name in calls:
        assert inspect.signature(getattr(Gateway, name)) == inspect.signature(getattr(StripeCalls, name)), name
    gateway = Gateway(settings())
    try:
        assert all(hasattr(gateway, attribute) for attribute in StripeCalls.__annotations__)
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


def test_a_refused_key_is_reported_without_the_key(sandbox_gateway: tuple[Any, Gateway]) -> None:
    sandbox, _ = sandbox_gateway
    wrong = Gateway(settings(stripe_api_base=sandbox.base_url, stripe_secret_key=SecretStr("sk_test_wrong_secret")))
    try:
        with pytest.raises(StripeRefused) as refused:
            wrong.get_customer("cus_1")
        assert "wrong_secret" not in refused.value.message and "sk_test" not in refused.value.message
    finally:
        wrong.close()


def test_a_gateway_needs_a_key() -> None:
    with pytest.raises(ValueError, match="BRIDGE_STRIPE_SECRET_KEY"):
        Gateway(settings(stripe_secret_key=None))


@pytest.fixture
def sandbox_gateway() -> Iterator[tuple[Any, Gateway]]:
    """A bare sandbox (no bridge) and a gateway on it."""
    from stripe_sandbox import Sandbox, create_sandbox_app

    sandbox = Sandbox()
    server = ThreadedServer(create_sandbox_app(sandbox))
    sandbox.base_url = server.bind()
    server.start()
    gateway = Gateway(settings(stripe_api_base=sandbox.base_url, stripe_timeout=5,
                               stripe_secret_key=SecretStr(sandbox.api_key)))
    try:
        yield sandbox, gateway
    finally:
        gateway.close()
        server.stop()


def test_setup_is_idempotent_and_replaces_only_the_webhook_endpoint(sandbox_gateway: tuple[Any, Gateway]) -> None:
    sandbox, gateway = sandbox_gateway
    first = setup_stripe(gateway, "https://billing.example.com")
    second = setup_stripe(gateway, "https://billing.example.com/")
    assert first.plans == second.plans and set(first.plans) == {"starter", "pro"}
    assert first.portal_configuration_id == second.portal_configuration_id
    assert first.webhook_secrets["platform"] != second.webhook_secrets["platform"]
    assert second.webhook_secrets["platform"].startswith("whsec_")

    assert len(second.webhook_secrets) == 2
    assert not set(first.webhook_secrets.values()) & set(second.webhook_secrets.values())
    endpoints = {e["metadata"]["endpoint"]: e for e in sandbox.list("webhook_endpoint") if not e.get("deleted")}
    assert {name: e["url"] for name, e in endpoints.items()} == {
        "platform": "https://billing.example.com/v1/webhooks/stripe",
        "connect": "https://billing.example.com/v1/webhooks/stripe/connect"}
    assert set(endpoints["platform"]["enabled_events"]) == set(WEBHOOK_EVENTS)
    assert set(endpoints["connect"]["enabled_events"]) == set(CONNECT_EVENTS)
    assert endpoints["connect"]["api_version"] == STRIPE_VERSION

    prices = {key: sandbox.get("price", price_id) for key, price_id in second.plans.items()}
    assert {k: (p["unit_amount"], p["currency"], p["recurring"]["interval"], p["lookup_key"])
            for k, p in prices.items()} == {"starter": (1000, "usd", "month", "billing-manager-starter"),
                                            "pro": (2500, "usd", "month", "billing-manager-pro")}
    assert len(sandbox.list("price")) == 2 and len(sandbox.list("product")) == 2

    portal = sandbox.get("billing_portal.configuration", second.portal_configuration_id)
    features = portal["features"]
    assert features["payment_method_update"]["enabled"] is True
    assert features["invoice_history"]["enabled"] is True
    assert features["subscription_update"]["enabled"] is False
    cancel = features["subscription_cancel"]
    assert cancel["enabled"] is True and cancel["mode"] == "at_period_end"
    assert cancel["cancellation_reason"]["enabled"] is True and "too_expensive" in cancel["cancellation_reason"]["options"]
    assert portal["default_return_url"] == "https://billing.example.com/return/portal"


def test_setup_replaces_an_endpoint_pinned_to_another_version_or_to_none(
        sandbox_gateway: tuple[Any, Gateway]) -> None:
    """Live Stripe renders events at the account's default version for an endpoint without one:
    setup leaves only endpoints pinned to the version the bridge's SDK speaks."""
    sandbox, gateway = sandbox_gateway
    url = "https://billing.example.com/v1/webhooks/stripe"
    gateway.create_webhook_endpoint({"url": url, "enabled_events": ["*"], "api_version": "2025-02-24.acacia"},
                                    key="old-pinned")
    gateway.create_webhook_endpoint({"url": url, "enabled_events": ["*"]}, key="unpinned")
    elsewhere = gateway.create_webhook_endpoint({"url": "https://other.example.com/hook", "enabled_events": ["*"]},
                                                key="someone-else")
    result = setup_stripe(gateway, "https://billing.example.com")
    endpoints = {e["id"]: e for e in gateway.list_webhook_endpoints()}
    ours = [e for e in endpoints.values() if e["url"] == url]
    assert len(ours) == 1 and ours[0]["api_version"] == stripe.api_version
    assert elsewhere["id"] in endpoints       # not ours to touch
    assert webhook_secret(sandbox.store, ours[0]["id"]) == result.webhook_secrets["platform"]


def test_the_endpoint_table_covers_every_event_the_bridge_applies() -> None:
    from server_bridge.billing.setup import WEBHOOK_ENDPOINTS

    names = [spec.name for spec in WEBHOOK_ENDPOINTS]
    assert len(names) == len(set(names)) and "platform" in names
    platform = next(spec for spec in WEBHOOK_ENDPOINTS if spec.name == "platform")
    assert platform.events == WEBHOOK_EVENTS and platform.path == "/v1/webhooks/stripe" and not platform.connect
    connect = [spec for spec in WEBHOOK_ENDPOINTS if spec.connect]
    assert connect and all(not set(spec.events) & set(WEBHOOK_EVENTS) for spec in connect)


def test_every_write_carries_an_idempotency_key(sandbox_gateway: tuple[Any, Gateway]) -> None:
    """The same key twice is one customer at Stripe: a retried user action never doubles."""
    sandbox, gateway = sandbox_gateway
    one = gateway.create_customer({"email": "a@example.com"}, key="customer:owner:1")
    two = gateway.create_customer({"email": "a@example.com"}, key="customer:owner:1")
    assert one["id"] == two["id"] and len(sandbox.list("customer")) == 1
