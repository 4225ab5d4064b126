"""Stripe's wire format: auth, errors, paging, expand, idempotency, versions."""

from __future__ import annotations

import httpx
import pytest
import stripe

from stripe_sandbox import Sandbox
from stripe_sandbox.schema import API_VERSION


def test_wrong_api_key_is_401(sandbox: Sandbox) -> None:
    bad = stripe.StripeClient("sk_test_wrong", base_addresses={"api": sandbox.base_url})
    with pytest.raises(stripe.AuthenticationError) as caught:
        bad.v1.customers.list()
    assert caught.value.http_status == 401


def test_unknown_id_is_404_in_stripes_shape(sandbox: Sandbox) -> None:
    answer = httpx.get(f"{sandbox.base_url}/v1/customers/cus_missing", auth=(sandbox.api_key, ""))
    assert answer.status_code == 404
    error = answer.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", "resource_missing", "id")
    assert "cus_missing" in error["message"]
    assert answer.headers["request-id"].startswith("req_")


def test_unknown_id_through_the_sdk(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.invoices.retrieve("in_missing")
    assert (caught.value.http_status, caught.value.code) == (404, "resource_missing")


def test_missing_param_is_400_naming_it(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.prices.create({"currency": "usd", "unit_amount": 100})
    assert (caught.value.http_status, caught.value.param) == (400, "product")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.list({"limit": 1000})
    assert caught.value.param == "limit"


def test_unknown_path_is_404(sandbox: Sandbox) -> None:
    answer = httpx.get(f"{sandbox.base_url}/v1/nothing_here", auth=(sandbox.api_key, ""))
    assert answer.status_code == 404 and answer.json()["error"]["type"] == "invalid_request_error"


def test_api_version_is_echoed(sandbox: Sandbox) -> None:
    answer = httpx.get(f"{sandbox.base_url}/v1/customers", auth=(sandbox.api_key, ""),
                       headers={"Stripe-Version": API_VERSION})
    assert answer.headers["stripe-version"] == API_VERSION


def test_paging_newest_first(client: stripe.StripeClient) -> None:
    made = [client.v1.customers.create({"email": f"p{i}@example.test"}).id for i in range(5)]
    first = client.v1.customers.list({"limit": 2})
    assert [c.id for c in first.data] == made[::-1][:2] and first.has_more
    second = client.v1.customers.list({"limit": 2, "starting_after": first.data[-1].id})
    assert [c.id for c in second.data] == made[::-1][2:4]
    back = client.v1.customers.list({"limit": 2, "ending_before": second.data[0].id})
    assert [c.id for c in back.data] == [c.id for c in first.data]
    everything = [c.id for c in client.v1.customers.list({"limit": 2}).auto_paging_iter()]
    assert everything == made[::-1]


def test_idempotent_create_replays_without_a_second_write(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    params = {"email": "once@example.test"}
    first = client.v1.customers.create(params, {"idempotency_key": "key-1"})
    again = client.v1.customers.create(params, {"idempotency_key": "key-1"})
    assert first.id == again.id
    assert len(client.v1.customers.list({"email": "once@example.test"}).data) == 1
    assert len(client.v1.events.list({"type": "customer.created"}).data) == 1
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create({"email": "other@example.test"}, {"idempotency_key": "key-1"})


def test_same_key_in_flight_is_409(sandbox: Sandbox) -> None:
    sandbox.idempotency.begin("busy", "POST", "customers", "email=a")
    answer = httpx.post(f"{sandbox.base_url}/v1/customers", auth=(sandbox.api_key, ""),
                        data={"email": "a"}, headers={"Idempotency-Key": "busy"})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "idempotency_key_in_use"


def test_unknown_param_is_refused_by_name(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.create({"emial": "typo@example.test"})  # type: ignore[typeddict-unknown-key]
    assert (caught.value.code, caught.value.param) == ("parameter_unknown", "emial")
    assert client.v1.customers.list().data == []


def test_unknown_nested_param_is_refused_by_path(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({"email": "nested@example.test"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.create({"customer": customer.id,
                                        "items": [{"prcie": "price_x"}]})  # type: ignore[typeddict-unknown-key]
    assert (caught.value.code, caught.value.param) == ("parameter_unknown", "items[0][prcie]")


def test_stripe_account_header_keeps_objects_apart(client: stripe.StripeClient) -> None:
    """Objects made for a connected account (Stripe-Account) live on it, not on the platform."""
    shop = client.v1.accounts.create({"type": "express"}).id
    mine = client.v1.customers.create({"email": "platform@example.test"})
    theirs = client.v1.customers.create({"email": "shop@example.test"}, {"stripe_account": shop})
    assert [c.id for c in client.v1.customers.list().data] == [mine.id]
    assert [c.id for c in client.v1.customers.list(options={"stripe_account": shop}).data] == [theirs.id]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.retrieve(theirs.id)
    event = client.v1.events.list({"type": "customer.created"}, {"stripe_account": shop}).data[0]
    assert (event.account, event.data.object.id) == (shop, theirs.id)
    with pytest.raises(stripe.PermissionError):  # an account that does not exist
        client.v1.customers.list(options={"stripe_account": "acct_1Nope"})
    assert [e.data.object.id for e in client.v1.events.list({"type": "customer.created"}).data] == [mine.id]


@pytest.mark.parametrize(("path", "expand", "message"), [
    ("customers/{customer}", "invoice_setings.default_payment_method",
     "This property cannot be expanded (invoice_setings.default_payment_method)."),
    ("customers/{customer}", "email", "This property cannot be expanded (email)."),
    ("customers/{customer}", "invoice_settings", "This property cannot be expanded (invoice_settings)."),
    ("customers", "invoice_settings.default_payment_method",
     "This property cannot be expanded (invoice_settings.default_payment_method). You may want to try expanding "
     "'data.invoice_settings.default_payment_method' instead."),
])
def test_expanding_what_cannot_be_expanded_is_400(client: stripe.StripeClient, sandbox: Sandbox, path: str,
                                                  expand: str, message: str) -> None:
    customer = client.v1.customers.create({"email": "x@example.test"})
    answer = httpx.get(f"{sandbox.base_url}/v1/{path.format(customer=customer.id)}", params={"expand[]": expand},
                       auth=(sandbox.api_key, ""))
    assert answer.status_code == 400 and answer.json()["error"]["message"] == message


def test_a_refused_expand_writes_nothing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.create({"email": "once@example.test", "expand": ["subscription"]})
    assert client.v1.customers.list({"email": "once@example.test"}).data == []


def test_expandable_ids_and_fields_sent_on_request(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({"payment_method": "pm_card_visa",
                                           "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    found = client.v1.customers.retrieve(customer.id, {"expand": ["invoice_settings.default_payment_method",
                                                                  "sources", "tax_ids"]})
    assert found.invoice_settings.default_payment_method.card.last4 == "4242"
    assert found.sources.data == [] and found.tax_ids.data == []
    listed = client.v1.customers.list({"expand": ["data.invoice_settings.default_payment_method"]}).data
    assert listed[0].invoice_settings.default_payment_method.object == "payment_method"
