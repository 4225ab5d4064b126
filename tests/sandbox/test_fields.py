"""Every object the sandbox answers carries every field the SDK's typed class declares.

Read from the raw JSON (not through the SDK, which would hide a missing field until it is read),
nested objects and list envelopes included.
"""

from __future__ import annotations

import typing
from typing import Any

import httpx
import pytest
import stripe

from server_bridge.sandbox import Sandbox
from server_bridge.sandbox.schema import _list_item_class, _stripe_class, _strip_optional, fields, object_class
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


def build_world(client: stripe.StripeClient) -> dict[str, str]:
    """One of each object the sandbox makes; returns kind -> API path that answers it."""
    prices = plan_prices(client)
    customer, card = customer_with_card(client)
    endpoint = client.v1.webhook_endpoints.create({"url": "http://127.0.0.1:9/hook", "enabled_events": ["*"]})
    world = {
        "customer": f"customers/{customer.id}?expand[]=invoice_settings.default_payment_method",
        "payment_method": f"payment_methods/{card.id}",
        "price": f"prices/{prices['pro']}",
        "product": f"products/{client.v1.prices.retrieve(prices['pro']).product}",
        "webhook_endpoint": f"webhook_endpoints/{endpoint.id}",
    }
    events = client.v1.events.list({"limit": 1}).data
    world["event"] = f"events/{events[0].id}"
    world["list"] = f"customers/{customer.id}/payment_methods"
    return world


def test_every_object_has_every_declared_field(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    world = build_world(client)
    problems: dict[str, list[str]] = {}
    for kind, path in world.items():
        answer = httpx.get(f"{sandbox.base_url}/v1/{path}", auth=(sandbox.api_key, ""))
        assert answer.status_code == 200, (kind, answer.text)
        body = answer.json()
        cls = object_class(body["object"])
        assert cls is not None, kind
        gaps = missing_fields(body, cls, kind)
        if gaps:
            problems[kind] = gaps[:10]
    assert problems == {}


@pytest.mark.parametrize("kind", ["customer", "subscription", "invoice", "line_item", "payment_method",
                                  "billing_portal.session", "checkout.session", "subscription_schedule",
                                  "event", "webhook_endpoint", "billing_portal.configuration", "price",
                                  "product", "subscription_item"])
def test_schema_knows_every_kind(kind: str) -> None:
    cls = object_class(kind)
    assert cls is not None and "id" in fields(cls)
    assert all(not typing.get_origin(tp) is typing.ClassVar for tp in fields(cls).values())
