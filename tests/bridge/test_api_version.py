"""Webhooks at another API version (issue 6 §3), over real HTTP on SQLite and PostgreSQL.

The reported case: an endpoint left at the account's default version (before 2025-03-31.basil)
delivered a correctly signed `customer.subscription.updated` with the period dates on the
subscription, not its items. Applied as it was, the summary lost `current_period_end` and the next
bill, and a downgrade answered 500 (KeyError on `item["current_period_end"]`). The bridge must
re-read such an object through the gateway (which speaks the pinned version) instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from pydantic import SecretStr

from tests.support.billing_loop import settle

OLD_VERSION = "2025-02-24.acacia"


def repin_bridge_endpoint(stack: Any, version: str) -> None:
    """Put the bridge's endpoint at `version`, as an account set up by hand before would have it."""
    gateway = stack.app.state.gateway
    url = f"{stack.bridge_url}/v1/webhooks/stripe"
    current = next(e for e in gateway.list_webhook_endpoints() if e["url"] == url)
    gateway.delete_webhook_endpoint(current["id"])
    old = gateway.create_webhook_endpoint({"url": url, "enabled_events": current["enabled_events"],
                                           "api_version": version}, key=f"repin:{url}:{version}")
    assert old["api_version"] == version
    stack.app.state.settings.webhook_secrets.append(SecretStr(old["secret"]))


def test_an_old_shape_event_is_reread_and_a_downgrade_still_works(any_stack: Any,
                                                                  client_for: Callable[..., httpx.Client]) -> None:
    pro = client_for(any_stack, "pro@demo.test")
    before = pro.get("/v1/billing/summary").json()
    assert before["current_period_end"] and before["next_invoice"]
    repin_bridge_endpoint(any_stack, OLD_VERSION)
    customer = any_stack.demo_owners["pro@demo.test"]
    sub = next(s for s in any_stack.app.state.gateway.list_subscriptions(customer) if s["status"] == "active")
    requests_before = any_stack.sandbox.request_count()
    any_stack.app.state.gateway.update_subscription(sub["id"], {"metadata": {"note": "from the Dashboard"}},
                                                    key="dashboard-edit")
    assert any_stack.sandbox.wait_for_deliveries(15)
    delivered = [d for d in any_stack.sandbox.deliveries.log if d["ok"]]
    assert delivered, any_stack.sandbox.deliveries.log[-3:]
    # the event came in the old shape and was re-read: one more Stripe call than the update itself
    assert any_stack.sandbox.request_count() >= requests_before + 2

    summary = settle(any_stack, pro, lambda s: s["current_period_end"] is not None)
    assert summary["current_period_end"] == before["current_period_end"]
    assert summary["next_invoice"] == before["next_invoice"]
    preview = pro.post("/v1/billing/plan-change/preview", json={"plan": "starter"})
    assert preview.status_code == 200, preview.text
    changed = pro.post("/v1/billing/plan-change",
                       json={"plan": "starter", "proration_date": preview.json()["proration_date"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["pending_change"]["plan"]["key"] == "starter"
