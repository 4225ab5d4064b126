"""Customers, products, prices and cards through the official SDK over HTTP."""

from __future__ import annotations

import pytest
import stripe

from tests.support.sandbox_helpers import customer_with_card, plan_prices


def test_customer_create_retrieve_update_list(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({"email": "ada@example.test", "name": "Ada's Bakery",
                                           "metadata": {"site": "ada"}})
    assert customer.id.startswith("cus_") and customer.email == "ada@example.test"
    updated = client.v1.customers.update(customer.id, {"name": "Ada's Bakery Ltd", "metadata": {"plan": "pro"}})
    assert updated.name == "Ada's Bakery Ltd"
    assert updated.metadata.to_dict() == {"site": "ada", "plan": "pro"}
    assert client.v1.customers.retrieve(customer.id).name == "Ada's Bakery Ltd"
    client.v1.customers.create({"email": "other@example.test"})
    found = client.v1.customers.list({"email": "ada@example.test"})
    assert [c.id for c in found.data] == [customer.id]


def test_default_card_expands(client: stripe.StripeClient) -> None:
    customer, card = customer_with_card(client)
    fetched = client.v1.customers.retrieve(customer.id, {"expand": ["invoice_settings.default_payment_method"]})
    default = fetched.invoice_settings.default_payment_method
    assert isinstance(default, stripe.PaymentMethod)
    assert (default.id, default.card.brand, default.card.last4) == (card.id, "visa", "4242")


def test_prices_by_lookup_key(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    found = client.v1.prices.list({"lookup_keys": ["pro", "starter"], "active": True})
    assert {p.lookup_key: p.id for p in found.data} == prices
    pro = client.v1.prices.retrieve(prices["pro"])
    assert (pro.unit_amount, pro.currency, pro.recurring.interval) == (2500, "usd", "month")
    assert client.v1.products.retrieve(pro.product).name == "Site plans"
    assert len(client.v1.products.list().data) == 1
    product = client.v1.products.update(pro.product, {"marketing_features": [{"name": "Custom domain"}]})
    assert [f.name for f in product.marketing_features] == ["Custom domain"]


def test_duplicate_lookup_key_is_refused(client: stripe.StripeClient) -> None:
    plan_prices(client)
    product = client.v1.products.list().data[0]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.prices.create({"product": product.id, "unit_amount": 1, "currency": "usd", "lookup_key": "pro"})
    assert caught.value.param == "lookup_key"


def test_cards_from_numbers_attach_list_detach(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({"email": "c@example.test"})
    card = client.v1.payment_methods.create({"type": "card", "card": {"number": "5555555555554444", "exp_month": 4,
                                                                      "exp_year": 2040, "cvc": "123"}})
    assert (card.card.brand, card.card.last4, card.customer) == ("mastercard", "4444", None)
    client.v1.payment_methods.attach(card.id, {"customer": customer.id})
    listed = client.v1.customers.payment_methods.list(customer.id)
    assert [pm.id for pm in listed.data] == [card.id]
    assert [pm.id for pm in client.v1.payment_methods.list({"customer": customer.id, "type": "card"}).data] == [card.id]
    detached = client.v1.payment_methods.detach(card.id)
    assert detached.customer is None
    assert client.v1.customers.payment_methods.list(customer.id).data == []


def test_declining_card_fails_to_attach(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({"email": "d@example.test"})
    with pytest.raises(stripe.CardError) as caught:
        client.v1.payment_methods.attach("pm_card_chargeDeclined", {"customer": customer.id})
    assert caught.value.code == "card_declined"
    assert caught.value.http_status == 402
    card = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": customer.id})
    assert card.card.last4 == "0341"


def test_bad_card_number_names_the_param(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.CardError) as caught:
        client.v1.payment_methods.create({"type": "card", "card": {"number": "4242424242424241", "exp_month": 1,
                                                                   "exp_year": 2040}})
    assert (caught.value.code, caught.value.param) == ("incorrect_number", "card[number]")


def test_card_of_another_customer_cannot_be_default(client: stripe.StripeClient) -> None:
    _, card = customer_with_card(client, email="one@example.test")
    other = client.v1.customers.create({"email": "two@example.test"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.update(other.id, {"invoice_settings": {"default_payment_method": card.id}})
    assert caught.value.param == "invoice_settings[default_payment_method]"


def test_deleted_customer_answers_as_deleted(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["pro"]}]})
    assert client.v1.customers.delete(customer.id).deleted is True
    assert client.v1.customers.retrieve(customer.id).deleted is True
    assert client.v1.subscriptions.retrieve(sub.id).status == "canceled"
    assert client.v1.customers.list().data == []


def test_customer_with_a_declining_card_is_not_created(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.CardError):
        client.v1.customers.create({"email": "no@example.test", "payment_method": "pm_card_chargeDeclined"})
    assert client.v1.customers.list().data == []
    made = client.v1.customers.create({"email": "yes@example.test", "payment_method": "pm_card_visa",
                                       "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    default = made.invoice_settings.default_payment_method
    assert client.v1.payment_methods.retrieve(default).customer == made.id
