"""Billing portal and Checkout sessions: created through the API, completed as the pages do."""

from __future__ import annotations

import pytest
import stripe

from stripe_sandbox import CardError, Sandbox
from stripe_sandbox.billing import checkout, portal
from tests.support.sandbox_helpers import customer_with_card, plan_prices

FEATURES = {
    "invoice_history": {"enabled": True},
    "payment_method_update": {"enabled": True},
    "subscription_cancel": {"enabled": True, "mode": "at_period_end",
                            "cancellation_reason": {"enabled": True, "options": ["too_expensive", "other"]}},
    "subscription_update": {"enabled": False},
}


def test_portal_configuration_create_list_update(client: stripe.StripeClient) -> None:
    config = client.v1.billing_portal.configurations.create({
        "business_profile": {"headline": "Sites by Ada"}, "features": FEATURES,
        "default_return_url": "http://127.0.0.1:1/return"})
    assert config.features.subscription_cancel.enabled is True
    assert config.features.subscription_update.enabled is False
    assert config.features.subscription_cancel.cancellation_reason.options == ["too_expensive", "other"]
    assert config.is_default
    updated = client.v1.billing_portal.configurations.update(config.id, {"business_profile": {"headline": "Ada"}})
    assert updated.business_profile.headline == "Ada"
    assert [c.id for c in client.v1.billing_portal.configurations.list().data] == [config.id]


def test_portal_session_and_cancel_flow(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["pro"]}]})
    config = client.v1.billing_portal.configurations.create({"features": FEATURES})
    session = client.v1.billing_portal.sessions.create({
        "customer": customer.id, "return_url": "http://127.0.0.1:1/back", "configuration": config.id,
        "flow_data": {"type": "subscription_cancel", "subscription_cancel": {"subscription": sub.id},
                      "after_completion": {"type": "redirect", "redirect": {"return_url": "http://127.0.0.1:1/done"}}}})
    assert session.url == f"{sandbox.base_url}/p/session/{session.id}"
    assert session.flow.subscription_cancel.subscription == sub.id
    assert session.flow.after_completion.redirect.return_url == "http://127.0.0.1:1/done"
    portal.cancel(sandbox.store, session.id, reason="too_expensive", comment="Cheaper elsewhere")
    after = client.v1.subscriptions.retrieve(sub.id)
    assert after.cancel_at_period_end and after.cancellation_details.feedback == "too_expensive"
    assert after.cancellation_details.comment == "Cheaper elsewhere"
    portal.renew(sandbox.store, session.id)
    assert not client.v1.subscriptions.retrieve(sub.id).cancel_at_period_end
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.billing_portal.sessions.create({"customer": customer.id, "flow_data": {
            "type": "subscription_cancel", "subscription_cancel": {"subscription": "sub_missing"}}})
    assert caught.value.param == "flow_data[subscription_cancel][subscription]"


def test_portal_card_update(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, old = customer_with_card(client)
    client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["pro"]}]})
    session = client.v1.billing_portal.sessions.create({"customer": customer.id, "flow_data": {
        "type": "payment_method_update"}})
    with pytest.raises(CardError) as caught:
        portal.update_card(sandbox.store, session.id, number="4000000000000002", exp_month=1, exp_year=2040, cvc="123")
    assert caught.value.decline_code == "generic_decline"
    portal.update_card(sandbox.store, session.id, number="5555 5555 5555 4444", exp_month=2, exp_year=2041, cvc="123")
    fetched = client.v1.customers.retrieve(customer.id, {"expand": ["invoice_settings.default_payment_method"]})
    card = fetched.invoice_settings.default_payment_method.card
    assert (card.brand, card.last4, card.exp_year) == ("mastercard", "4444", 2041)
    assert fetched.invoice_settings.default_payment_method.id != old.id


def test_checkout_creates_the_subscription(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer = client.v1.customers.create({"email": "new@example.test"})
    session = client.v1.checkout.sessions.create({
        "mode": "subscription", "customer": customer.id, "line_items": [{"price": prices["starter"], "quantity": 1}],
        "success_url": "http://127.0.0.1:1/ok?session={CHECKOUT_SESSION_ID}", "cancel_url": "http://127.0.0.1:1/no",
        "client_reference_id": "owner-7", "metadata": {"plan": "starter"},
        "subscription_data": {"metadata": {"owner_id": "7"}}})
    assert session.url == f"{sandbox.base_url}/c/pay/{session.id}" and session.status == "open"
    assert session.amount_total == 1000
    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert [i.price.id for i in items.data] == [prices["starter"]]
    with pytest.raises(CardError):
        checkout.complete(sandbox.store, session.id, email="new@example.test", number="4000000000000341", exp_month=1,
                                  exp_year=2040, cvc="123")
    assert client.v1.subscriptions.list({"customer": customer.id, "status": "all"}).data == []
    url = checkout.complete(sandbox.store, session.id, email="new@example.test", number="4242424242424242",
                                    exp_month=1, exp_year=2040, cvc="123", name="Ada")
    assert url == f"http://127.0.0.1:1/ok?session={session.id}"
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status) == ("complete", "paid")
    sub = client.v1.subscriptions.retrieve(done.subscription)
    assert sub.status == "active" and sub.customer == customer.id
    assert (sub.metadata.to_dict(), done.metadata.to_dict()) == ({"owner_id": "7"}, {"plan": "starter"})
    assert client.v1.invoices.retrieve(done.invoice).status == "paid"
    events = [e.type for e in client.v1.events.list({"type": "checkout.session.completed"}).data]
    assert events == ["checkout.session.completed"]


def test_checkout_expire_and_bad_params(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    session = client.v1.checkout.sessions.create({"mode": "subscription", "line_items": [{"price": prices["pro"]}],
                                                  "success_url": "http://127.0.0.1:1/ok"})
    assert client.v1.checkout.sessions.expire(session.id).status == "expired"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create({"mode": "subscription", "success_url": "http://127.0.0.1:1/ok"})
    assert caught.value.param == "line_items"


def test_new_card_in_the_portal_pays_the_failed_bill(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    owners = sandbox.seed_demo_owners(prices)
    customer_id = owners["pastdue@demo.test"]
    session = client.v1.billing_portal.sessions.create({"customer": customer_id})
    portal.update_card(sandbox.store, session.id, number="4242424242424242", exp_month=3, exp_year=2040, cvc="123")
    sub = client.v1.subscriptions.list({"customer": customer_id}).data[0]
    assert sub.status == "active"
    latest = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (latest.status, latest.attempt_count) == ("paid", 2)


def test_a_flow_needs_its_portal_feature(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["pro"]}]})
    config = client.v1.billing_portal.configurations.create({"features": FEATURES})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.billing_portal.sessions.create({"customer": customer.id, "configuration": config.id, "flow_data": {
            "type": "subscription_update", "subscription_update": {"subscription": sub.id}}})
    assert caught.value.param == "flow_data[type]"
    allowed = client.v1.billing_portal.sessions.create({"customer": customer.id, "configuration": config.id,
                                                        "flow_data": {"type": "payment_method_update"}})
    assert allowed.flow.type == "payment_method_update"


def test_portal_flow_cannot_reach_another_customers_plan(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    owner, _ = customer_with_card(client, email="owner@example.test")
    other, _ = customer_with_card(client, email="other@example.test")
    theirs = client.v1.subscriptions.create({"customer": other.id, "items": [{"price": prices["pro"]}]})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.billing_portal.sessions.create({"customer": owner.id, "flow_data": {
            "type": "subscription_cancel", "subscription_cancel": {"subscription": theirs.id}}})
    assert caught.value.param == "flow_data[subscription_cancel][subscription]"
    assert not client.v1.subscriptions.retrieve(theirs.id).cancel_at_period_end
