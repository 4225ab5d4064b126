"""Events and webhooks: what fires, signatures Stripe's SDK accepts, ordered delivery with retries."""

from __future__ import annotations

from typing import Iterator

import pytest
import stripe

from stripe_sandbox import Sandbox
from tests.support.sandbox_helpers import customer_with_card, plan_prices
from tests.support.webhooks import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver(failures=2)
    made.server.start()
    yield made
    made.server.stop()


def test_events_fire_with_previous_attributes(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({"email": "e@example.test", "name": "Old name"})
    client.v1.customers.update(customer.id, {"name": "New name"})
    updated = client.v1.events.list({"type": "customer.updated"}).data
    assert len(updated) == 1
    event = client.v1.events.retrieve(updated[0].id)
    assert event.data.object.name == "New name"
    assert event.data.previous_attributes.to_dict() == {"name": "Old name"}
    assert event.api_version == stripe.api_version and event.request.id.startswith("req_")


def test_subscription_lifecycle_events(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["pro"]}]})
    types = [e.type for e in client.v1.events.list({"limit": 100}).data][::-1]
    tail = types[types.index("customer.subscription.created"):]
    assert tail == ["customer.subscription.created", "invoice.created", "invoice.finalized", "invoice.paid",
                    "invoice.payment_succeeded"]
    assert "payment_method.attached" in types and "customer.created" in types


def test_delivery_is_signed_and_retried(sandbox: Sandbox, client: stripe.StripeClient, receiver: Receiver) -> None:
    endpoint = client.v1.webhook_endpoints.create({"url": f"{receiver.server.url}/hook",
                                                   "enabled_events": ["customer.created", "customer.updated"]})
    assert endpoint.secret.startswith("whsec_")
    assert "secret" not in client.v1.webhook_endpoints.retrieve(endpoint.id)  # only shown when made
    first = client.v1.customers.create({"email": "w@example.test"})
    client.v1.customers.update(first.id, {"name": "Second"})
    client.v1.products.create({"name": "not subscribed to"})
    assert sandbox.wait_for_deliveries(timeout=10)
    assert receiver.attempts == 4
    events = [stripe.Webhook.construct_event(body, signature, endpoint.secret) for body, signature in receiver.bodies]
    assert [e.type for e in events] == ["customer.created", "customer.updated"]
    assert events[0].data.object.id == first.id
    body, signature = receiver.bodies[0]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body.replace(b"w@example", b"x@example"), signature, endpoint.secret)
    assert client.v1.events.retrieve(events[0].id).pending_webhooks == 0


def test_delivery_gives_up_after_the_last_retry(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    endpoint = client.v1.webhook_endpoints.create({"url": "http://127.0.0.1:9/unreachable", "enabled_events": ["*"]})
    client.v1.customers.create({"email": "lost@example.test"})
    assert sandbox.wait_for_deliveries(timeout=10)
    attempts = [d for d in sandbox.deliveries.log if d["endpoint"] == endpoint.id]
    assert len(attempts) == len(sandbox.deliveries.retry_delays) + 1 and not any(d["ok"] for d in attempts)


def test_webhook_endpoints_list_update_delete(client: stripe.StripeClient) -> None:
    endpoint = client.v1.webhook_endpoints.create({"url": "http://127.0.0.1:9/a", "enabled_events": ["*"]})
    client.v1.webhook_endpoints.update(endpoint.id, {"url": "http://127.0.0.1:9/b"})
    assert [e.url for e in client.v1.webhook_endpoints.list().data] == ["http://127.0.0.1:9/b"]
    assert client.v1.webhook_endpoints.delete(endpoint.id).deleted is True
    assert client.v1.webhook_endpoints.list().data == []
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.webhook_endpoints.create({"url": "ftp://x", "enabled_events": ["*"]})
    assert caught.value.param == "url"


def test_events_filter_by_created(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    client.v1.customers.create({"email": "old@example.test"})
    sandbox.advance_clock(100)
    cutoff = sandbox.now()
    client.v1.customers.create({"email": "new@example.test"})
    recent = client.v1.events.list({"created": {"gte": cutoff}}).data
    assert [e.data.object.email for e in recent] == ["new@example.test"]




def test_an_endpoint_pinned_to_an_older_version_gets_that_versions_shapes(sandbox: Sandbox,
                                                                          client: stripe.StripeClient) -> None:
    """Stripe renders each delivery at its endpoint's api_version. Before 2025-03-31.basil a
    subscription carried its period dates itself (its items did not) and an invoice named its
    subscription at the top level, not under `parent`."""
    old, new = Receiver(), Receiver()
    for receiving in (old, new):
        receiving.server.start()
    try:
        wanted = ["customer.subscription.created", "invoice.paid"]
        pinned_old = client.v1.webhook_endpoints.create({"url": f"{old.server.url}/hook", "enabled_events": wanted,
                                                         "api_version": "2025-02-24.acacia"})
        pinned_new = client.v1.webhook_endpoints.create({"url": f"{new.server.url}/hook", "enabled_events": wanted,
                                                         "api_version": stripe.api_version})
        assert pinned_old.api_version == "2025-02-24.acacia"
        prices = plan_prices(client)
        customer, _ = customer_with_card(client)
        sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["pro"]}]})
        assert sandbox.wait_for_deliveries(timeout=10)
        old_events = [stripe.Webhook.construct_event(b, s, pinned_old.secret).to_dict() for b, s in old.bodies]
        new_events = [stripe.Webhook.construct_event(b, s, pinned_new.secret).to_dict() for b, s in new.bodies]
    finally:
        for receiving in (old, new):
            receiving.server.stop()
    assert [e["id"] for e in old_events] == [e["id"] for e in new_events]
    assert {e["api_version"] for e in old_events} == {"2025-02-24.acacia"}
    assert {e["api_version"] for e in new_events} == {stripe.api_version}

    old_sub, new_sub = old_events[0]["data"]["object"], new_events[0]["data"]["object"]
    period_end = sub["items"].data[0].current_period_end
    assert old_sub["current_period_end"] == period_end and "current_period_end" not in old_sub["items"]["data"][0]
    assert "current_period_end" not in new_sub and new_sub["items"]["data"][0]["current_period_end"] == period_end

    old_invoice, new_invoice = old_events[1]["data"]["object"], new_events[1]["data"]["object"]
    assert old_invoice["subscription"] == sub.id and "parent" not in old_invoice
    assert old_invoice["lines"]["data"][0]["subscription"] == sub.id
    assert old_invoice["lines"]["data"][0]["type"] == "subscription"
    assert "subscription" not in new_invoice
    assert new_invoice["parent"]["subscription_details"]["subscription"] == sub.id
    # the event itself, read through the API, is at the version the sandbox speaks
    assert client.v1.events.retrieve(old_events[0]["id"]).api_version == stripe.api_version
