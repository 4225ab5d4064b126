"""Every answer of the sandbox has the shape the SDK's typed classes give Stripe's objects.

Read from the raw JSON (not through the SDK, which would hide a missing field until it is read),
nested objects and list envelopes included, with the check in shape_check.py; and the check itself
is shown to catch a wrong object.
"""

from __future__ import annotations

import copy
import urllib.parse
from typing import Any, Iterator

import httpx
import pytest
import stripe

from stripe_sandbox import Sandbox, create_sandbox_app
from stripe_sandbox.schema import object_class
from stripe_sandbox.serving import ThreadedServer
from tests.support.sandbox_helpers import customer_with_card, plan_prices
from tests.support.shape_check import problems


def _pairs(value: Any, prefix: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _pairs(inner, f"{prefix}[{key}]" if prefix else key)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _pairs(inner, f"{prefix}[{index}]")
    else:
        yield prefix, str(value).lower() if isinstance(value, bool) else str(value)


def form(params: dict[str, Any]) -> str:
    """Params form-encoded as Stripe takes them (`a[b][0][c]=...`)."""
    return urllib.parse.urlencode(list(_pairs(params, "")))


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Sandbox, dict[str, tuple[str, str]]]]:
    """One of each object the sandbox makes: kind -> (method, API path) that answers it."""
    box = Sandbox(api_key="sk_test_fields")
    server = ThreadedServer(create_sandbox_app(box))
    box.base_url = server.bind()
    server.start()
    client = stripe.StripeClient(box.api_key, base_addresses={"api": box.base_url})
    try:
        prices = plan_prices(client)
        customer, card = customer_with_card(client)
        sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["starter"]}]})
        item = sub["items"].data[0]
        schedule = client.v1.subscription_schedules.create({"from_subscription": sub.id})
        config = client.v1.billing_portal.configurations.create({"features": {"invoice_history": {"enabled": True},
                                                                              "subscription_cancel": {"enabled": True}}})
        portal = form({"customer": customer.id, "configuration": config.id, "flow_data": {
            "type": "subscription_cancel", "subscription_cancel": {"subscription": sub.id},
            "after_completion": {"type": "redirect", "redirect": {"return_url": "http://127.0.0.1:1/r"}}}})
        checkout = client.v1.checkout.sessions.create({"mode": "subscription", "success_url": "http://127.0.0.1:1/s",
                                                       "line_items": [{"price": prices["pro"]}]})
        endpoint = client.v1.webhook_endpoints.create({"url": "http://127.0.0.1:9/hook", "enabled_events": ["x"]})
        event = client.v1.events.list({"type": "customer.subscription.created"}).data[0]
        preview = form({"customer": customer.id, "subscription": sub.id, "subscription_details": {
            "items": [{"id": item.id, "price": prices["pro"]}], "proration_behavior": "always_invoice"}})
        yield box, {
            "customer": ("GET", f"customers/{customer.id}?expand[]=invoice_settings.default_payment_method"),
            "customer_expanded": ("GET", f"customers/{customer.id}?expand[]=sources&expand[]=subscriptions"),
            "payment_method": ("GET", f"payment_methods/{card.id}"),
            "price": ("GET", f"prices/{prices['pro']}?expand[]=product"),
            "product": ("GET", f"products/{client.v1.prices.retrieve(prices['pro']).product}"),
            "subscription": ("GET", f"subscriptions/{sub.id}?expand[]=latest_invoice"),
            "subscription_item": ("GET", f"subscription_items/{item.id}"),
            "invoice": ("GET", f"invoices/{sub.latest_invoice}"),
            "invoice_lines": ("GET", f"invoices/{sub.latest_invoice}/lines"),
            "invoice_preview": ("POST", f"invoices/create_preview?{preview}"),
            "subscription_schedule": ("GET", f"subscription_schedules/{schedule.id}"),
            "billing_portal.configuration": ("GET", f"billing_portal/configurations/{config.id}"),
            "billing_portal.session": ("POST", f"billing_portal/sessions?{portal}"),
            "checkout.session": ("GET", f"checkout/sessions/{checkout.id}?expand[]=line_items"),
            "checkout_line_items": ("GET", f"checkout/sessions/{checkout.id}/line_items"),
            "webhook_endpoint": ("GET", f"webhook_endpoints/{endpoint.id}"),
            "event": ("GET", f"events/{event.id}"),
            "payment_method_list": ("GET", f"customers/{customer.id}/payment_methods"),
            "subscription_list": ("GET", f"subscriptions?customer={customer.id}"),
            "invoice_list": ("GET", f"invoices?customer={customer.id}"),
            "event_list": ("GET", "events?limit=100"),
        }
    finally:
        server.stop()
        box.close()


KINDS = ["customer", "payment_method", "price", "product", "subscription", "subscription_item", "invoice", "invoice_lines",
         "invoice_preview", "subscription_schedule", "billing_portal.configuration", "billing_portal.session",
         "checkout.session", "checkout_line_items", "webhook_endpoint", "event", "payment_method_list", "subscription_list",
         "invoice_list", "event_list", "customer_expanded"]


def answer(box: Sandbox, method: str, path: str) -> dict[str, Any]:
    if method == "POST":
        path, _, query = path.partition("?")
        response = httpx.post(f"{box.base_url}/v1/{path}", content=query, auth=(box.api_key, ""),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    else:
        response = httpx.get(f"{box.base_url}/v1/{path}", auth=(box.api_key, ""))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("kind", KINDS)
def test_every_answer_has_the_sdks_shape(world: tuple[Sandbox, dict[str, tuple[str, str]]], kind: str) -> None:
    box, paths = world
    method, path = paths[kind]
    body = answer(box, method, path)
    if body["object"] == "list":
        assert body["data"], "an empty list proves nothing"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    expanded = frozenset(query.get("expand[]", []))
    assert problems(body, object_class(body["object"]), kind, expanded) == []


def test_a_key_stripe_leaves_out_is_left_out(world: tuple[Sandbox, dict[str, tuple[str, str]]]) -> None:
    box, paths = world
    customer = answer(box, *paths["customer"])
    assert not {"sources", "subscriptions", "tax_ids", "cash_balance", "deleted"} & customer.keys()
    card = answer(box, *paths["payment_method"])
    assert "card" in card and "sepa_debit" not in card and "us_bank_account" not in card
    expanded = answer(box, *paths["customer_expanded"])
    assert expanded["sources"]["data"] == [] and expanded["subscriptions"]["data"][0]["object"] == "subscription"


@pytest.mark.parametrize(("change", "expected"), [
    (lambda s: s.pop("status"), "sub.status: missing"),
    (lambda s: s.update(status="actve"), "sub.status: 'actve' is none of"),
    (lambda s: s.update(cancel_at_period_end=None), "sub.cancel_at_period_end: null"),
    (lambda s: s.update(created="1700000000"), "sub.created: '1700000000' is not an integer"),
    (lambda s: s["items"]["data"][0]["price"].update(unit_amount="1000"),
     "sub.items.data[0].price.unit_amount: '1000' is not an integer"),
    (lambda s: s["items"]["data"][0]["price"].pop("currency"), "sub.items.data[0].price.currency: missing"),
    (lambda s: s.update(surprise=1), "sub.surprise: not a field of Subscription"),
    (lambda s: s["items"].pop("has_more"), "sub.items: not a list envelope"),
    (lambda s: s["items"]["data"][0]["price"].update(tiers=[]), "sub.items.data[0].price.tiers: sent, but Stripe"),
    (lambda s: s["cancellation_details"].update(reason="bored"), "sub.cancellation_details.reason: 'bored'"),
])
def test_the_check_catches_a_wrong_object(world: tuple[Sandbox, dict[str, tuple[str, str]]], change: Any,
                                          expected: str) -> None:
    box, paths = world
    good = answer(box, *paths["subscription"])
    assert problems(good, object_class("subscription"), "sub", frozenset({"latest_invoice"})) == []
    wrong = copy.deepcopy(good)
    change(wrong)
    found = problems(wrong, object_class("subscription"), "sub", frozenset({"latest_invoice"}))
    assert len(found) == 1 and found[0].startswith(expected), found


def test_the_check_catches_a_field_sent_unexpanded(world: tuple[Sandbox, dict[str, tuple[str, str]]]) -> None:
    box, paths = world
    customer = answer(box, *paths["customer"])
    found = problems({**customer, "sources": None}, object_class("customer"), "customer")
    assert found == ["customer.sources: sent, but Stripe leaves it out unless it is expanded"]
