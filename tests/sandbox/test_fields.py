"""Every object the sandbox answers carries every field the SDK's typed class declares.

Read from the raw JSON (not through the SDK, which would hide a missing field until it is read),
nested objects and list envelopes included.
"""

from __future__ import annotations

from typing import Any, Iterator

import urllib.parse

import httpx
import pytest
import stripe
from stripe._encode import _api_encode

from server_bridge.sandbox import Sandbox, create_sandbox_app
from server_bridge.sandbox.schema import _list_item_class, _stripe_class, _strip_optional, fields, object_class
from server_bridge.serving import ThreadedServer
from tests.sandbox.helpers import customer_with_card, plan_prices


def missing_fields(value: Any, cls: type | None, path: str) -> list[str]:
    if not isinstance(value, dict) or cls is None or "UntypedStripeObject" in cls.__name__:
        return []
    if isinstance(value.get("object"), str) and object_class(value["object"]) is not None:
        cls = object_class(value["object"])
    if value.get("object") == "list":
        return [m for i, item in enumerate(value.get("data", [])) for m in missing_fields(item, cls, f"{path}[{i}]")]
    out = []
    for name, tp in fields(cls).items():
        if name not in value:
            out.append(f"{path}.{name}")
            continue
        inner, _ = _strip_optional(tp)
        child = value[name]
        if isinstance(child, dict):
            target = _list_item_class(inner) if child.get("object") == "list" else _stripe_class(inner)
            out += missing_fields(child, target, f"{path}.{name}")
        elif isinstance(child, list):
            item_cls = _list_item_class(inner)
            out += [m for i, item in enumerate(child) for m in missing_fields(item, item_cls, f"{path}.{name}[{i}]")]
    return out


def form(params: dict[str, Any]) -> str:
    """Params encoded exactly as the SDK encodes them."""
    return urllib.parse.urlencode(list(_api_encode(params)))


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
         "invoice_list", "event_list"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_object_has_every_declared_field(world: tuple[Sandbox, dict[str, tuple[str, str]]],
                                               kind: str) -> None:
    box, paths = world
    method, path = paths[kind]
    if method == "POST":
        path, _, query = path.partition("?")
        answer = httpx.post(f"{box.base_url}/v1/{path}", content=query, auth=(box.api_key, ""),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
    else:
        answer = httpx.get(f"{box.base_url}/v1/{path}", auth=(box.api_key, ""))
        assert answer.status_code == 200, answer.text
        body = answer.json()
    assert body is not None
    cls = object_class(body["object"])
    assert cls is not None
    if body["object"] == "list":
        assert body["data"], "an empty list proves nothing"
    assert missing_fields(body, cls, kind) == []
