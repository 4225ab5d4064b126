"""Stripe failing under the bridge (sandbox.inject_fault): a clear 503, never a duplicate write."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from server_bridge.auth import owners

TIMEOUT = 0.4
RETRIES = 2


STACK_SETTINGS = {"stripe_timeout": TIMEOUT, "stripe_max_retries": RETRIES}  # timeouts quick to provoke


@pytest.fixture(scope="module")
def stack(module_stack: Any) -> Any:
    return module_stack


@pytest.fixture(autouse=True)
def no_faults_left(stack: Any) -> Iterator[None]:
    yield
    stack.sandbox.clear_faults()


@pytest.mark.parametrize("kind", ["500", "429"])
def test_stripe_errors_past_the_retries_are_a_503(stack: Any, client_for: Callable[..., httpx.Client],
                                                  kind: str) -> None:
    client = client_for(stack, "pro@demo.test")
    stack.sandbox.inject_fault(kind, count=RETRIES + 1)
    answer = client.post("/v1/billing/portal-session", json={})
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "stripe_unavailable"


def test_one_stripe_error_is_retried_away(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    client = client_for(stack, "pro@demo.test")
    stack.sandbox.inject_fault("500", count=1)
    answer = client.post("/v1/billing/portal-session", json={})
    assert answer.status_code == 200 and answer.json()["url"].startswith(stack.sandbox_url)


def test_a_stripe_that_never_answers_is_a_503(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    """A first read for an owner the bridge has never synced needs Stripe; if Stripe hangs, a clear 503,
    and nothing half-synced: the next read, with Stripe back, backfills."""
    customer = stack._gateway.create_customer({"email": "late@demo.test"}, key="tests:late-owner")
    with stack.app.state.sessions() as session:
        owners.add_owner(session, "late@demo.test", "demo", customer_id=customer["id"])
        session.commit()
    client = client_for(stack, "late@demo.test")
    stack.sandbox.inject_fault("timeout", count=RETRIES + 1, delay=TIMEOUT * 3)
    answer = client.get("/v1/billing/summary")
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "stripe_timeout"   # a read: nothing changed
    stack.sandbox.clear_faults()
    summary = client.get("/v1/billing/summary")
    assert summary.status_code == 200 and summary.json()["status"] == "none"


def test_reads_keep_working_while_stripe_is_down(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    client = client_for(stack, "pro@demo.test")
    client.get("/v1/billing/summary")
    stack.sandbox.inject_fault("500", count=50)
    for path in ("/v1/billing/summary", "/v1/billing/plans", "/v1/billing/invoices"):
        assert client.get(path).status_code == 200


def test_a_timed_out_upgrade_retried_charges_once(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    """The first attempt times out at the bridge but completes at Stripe; the retry, with the same
    idempotency key, gets that answer instead of a second charge."""
    owner = "starter@demo.test"
    client = client_for(stack, owner)
    customer = stack.demo_owners[owner]
    preview = client.post("/v1/billing/plan-change/preview", json={"plan": "pro"}).json()
    invoices_before = len(stack.sandbox.list("invoice", customer=customer))
    subscriptions_before = len(stack.sandbox.list("subscription", customer=customer))

    stack.sandbox.inject_fault("timeout", count=1, delay=TIMEOUT * 2)
    answer = client.post("/v1/billing/plan-change", json={"plan": "pro", "proration_date": preview["proration_date"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["plan"]["key"] == "pro"
    stack.sandbox.wait_for_deliveries(10)
    assert len(stack.sandbox.list("subscription", customer=customer)) == subscriptions_before
    assert len(stack.sandbox.list("invoice", customer=customer)) == invoices_before + 1
