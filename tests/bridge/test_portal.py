"""Customer Portal sessions: made on click, returning to the bridge, and what the portal changes
reaching the summary through webhooks."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import stripe

from tests.support.billing_loop import portal, settle, submit


@pytest.fixture(scope="module")
def stack(module_stack: Any) -> Any:
    return module_stack


def session_of(stack: Any, url: str) -> dict:
    return stack.sandbox.get("billing_portal.session", url.rstrip("/").rsplit("/", 1)[-1])


def test_a_portal_session_is_the_owners_and_returns_to_the_bridge(stack: Any,
                                                                  client_for: Callable[..., httpx.Client]) -> None:
    pro = client_for(stack, "pro@demo.test")
    first, second = portal(pro), portal(pro)
    assert first != second   # a new session per click
    session = session_of(stack, first)
    assert session["customer"] == stack.demo_owners["pro@demo.test"]
    assert session["return_url"] == f"{stack.bridge_url}/return/portal"
    configuration = stack.sandbox.get("billing_portal.configuration", session["configuration"])
    assert configuration["metadata"]["app"] == "billing-manager"   # the one `stripe setup` made
    page = httpx.get(first, timeout=10)
    assert page.status_code == 200 and 'id="update-card"' in page.text and 'id="cancel"' in page.text


def test_a_new_card_reaches_the_summary(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    starter = client_for(stack, "starter@demo.test")
    assert starter.get("/v1/billing/summary").json()["card"]["expires_before_next_bill"] is True
    done = submit(portal(starter, "payment_method_update"), "update-card",
                  {"number": "5555555555554444", "exp_month": 4, "exp_year": 2035, "cvc": "321"})
    assert done.status_code == 303
    assert done.headers["location"] == f"{stack.bridge_url}/return/portal?done=payment_method_update"
    page = httpx.get(done.headers["location"], timeout=10)
    assert page.status_code == 200 and "Card updated" in page.text and "No changes" not in page.text
    summary = settle(stack, starter, lambda s: s["card"] and s["card"]["last4"] == "4444")
    assert summary["card"]["brand"] == "mastercard" and summary["card"]["expires_before_next_bill"] is False


def test_a_declined_card_changes_nothing(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    pro = client_for(stack, "pro@demo.test")
    before = pro.get("/v1/billing/summary").json()["card"]
    declined = submit(portal(pro, "payment_method_update"), "update-card",
                      {"number": "4000000000000002", "exp_month": 4, "exp_year": 2035, "cvc": "321"})
    assert declined.status_code == 402 and "declined" in declined.text.lower()
    stack.sandbox.wait_for_deliveries(10)
    assert pro.get("/v1/billing/summary").json()["card"] == before


def test_cancel_then_renew(stack: Any, client_for: Callable[..., httpx.Client],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    published: list[tuple[str, list[str]]] = []
    bus = stack.app.state.bus
    original = bus.publish
    monkeypatch.setattr(bus, "publish", lambda customer, topics: (published.append((customer, topics)),
                                                                   original(customer, topics))[-1])
    pro = client_for(stack, "pro@demo.test")
    done = submit(portal(pro, "subscription_cancel"), "cancel", {"reason": "unused", "comment": ""})
    assert done.status_code == 303
    canceling = settle(stack, pro, lambda s: s["cancel_at_period_end"])
    assert canceling["next_invoice"] is None and canceling["status"] == "active"
    # the desktops listening on /v1/events were told to refresh the summary
    assert any(customer == stack.demo_owners["pro@demo.test"] and "summary" in topics
               for customer, topics in published)

    renewed = submit(portal(pro), "renew", {})
    assert renewed.status_code == 303
    summary = settle(stack, pro, lambda s: not s["cancel_at_period_end"])
    assert summary["next_invoice"]["amount"] == 2500


def test_cancel_flow_needs_a_subscription(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    new = client_for(stack, "new@demo.test")
    answer = new.post("/v1/billing/portal-session", json={"flow": "subscription_cancel"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_subscription"
    assert new.post("/v1/billing/portal-session", json={"flow": "payment_method_update"}).status_code == 200


@pytest.mark.parametrize("email", ["pro@demo.test", "new@demo.test"])
def test_plan_switching_is_not_a_portal_flow(stack: Any, client_for: Callable[..., httpx.Client], email: str) -> None:
    """The portal is configured without plan switching; the owner is sent to the previewed plan change."""
    owner = client_for(stack, email)
    before = stack.sandbox.request_count()
    answer = owner.post("/v1/billing/portal-session", json={"flow": "subscription_update"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_flow"
    assert "preview" in answer.json()["error"]["message"]
    assert stack.sandbox.request_count() == before


def test_without_its_portal_configuration_the_portal_is_refused(
        stack: Any, client_for: Callable[..., httpx.Client], caplog: pytest.LogCaptureFixture) -> None:
    """Never the account's default configuration (it may allow plan switching): a clear 503 and a log line."""
    pro = client_for(stack, "pro@demo.test")
    configuration = session_of(stack, portal(pro))["configuration"]
    sessions_before = len(stack.sandbox.list("billing_portal.session"))
    sdk = stripe.StripeClient(stack.sandbox.api_key, base_addresses={"api": stack.sandbox.base_url})
    sdk.v1.billing_portal.configurations.update(configuration, {"active": False})
    stack._gateway.portal_configuration_id = None        # a bridge started after the configuration went away
    try:
        with caplog.at_level("ERROR", logger="server_bridge.billing.service"):
            answer = pro.post("/v1/billing/portal-session", json={"flow": None})
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "portal_unavailable"
        assert "stripe setup" in caplog.text
        assert len(stack.sandbox.list("billing_portal.session")) == sessions_before
    finally:
        sdk.v1.billing_portal.configurations.update(configuration, {"active": True})
    assert portal(pro)


def test_leaving_a_portal_flow_by_its_back_link_says_no_changes_were_made(
        stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    pastdue = client_for(stack, "pastdue@demo.test")
    before = pastdue.get("/v1/billing/summary").json()
    page = httpx.get(portal(pastdue, "payment_method_update"), timeout=10)
    back = re.search(r'id="return" href="([^"]+)"', page.text)
    assert back is not None
    returned = httpx.get(html.unescape(back.group(1)), timeout=10)
    assert returned.status_code == 200
    assert "No changes were made" in returned.text and "card on file stays as it was" in returned.text
    assert pastdue.get("/v1/billing/summary").json()["card"] == before["card"]


@pytest.mark.parametrize("query, words", [
    ("?done=subscription_cancel", "Plan canceled"),
    ("?left=subscription_cancel", "No changes were made"),
    ("", "If you made none, nothing was changed."),
    ("?done=<script>", "If you made none, nothing was changed."),   # anything else: the plain page
])
def test_the_portal_return_page_says_what_happened(stack: Any, query: str, words: str) -> None:
    page = httpx.get(f"{stack.bridge_url}/return/portal{query}", timeout=10)
    assert page.status_code == 200 and words in page.text and "<script>" not in page.text


def test_leaving_checkout_says_nothing_was_charged(stack: Any) -> None:
    page = httpx.get(f"{stack.bridge_url}/return/checkout/cancel", timeout=10)
    assert "No changes were made" in page.text and "nothing was charged" in page.text
