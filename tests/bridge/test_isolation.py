"""Every lookup goes through the signed-in owner: another owner's ids answer exactly like missing ones,
the client names plan keys (never price ids), and bad input is a 4xx with a code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest


@pytest.fixture(scope="module")
def stack(module_stack: Any) -> Any:
    return module_stack


@pytest.fixture
def pro(stack: Any, client_for: Callable[..., httpx.Client]) -> httpx.Client:
    return client_for(stack, "pro@demo.test")


@pytest.fixture
def starter(stack: Any, client_for: Callable[..., httpx.Client]) -> httpx.Client:
    return client_for(stack, "starter@demo.test")


def pro_invoice(pro: httpx.Client) -> str:
    return pro.get("/v1/billing/invoices", params={"limit": 1}).json()["data"][0]["id"]


def test_another_owners_invoice_pdf_is_a_404_like_a_missing_one(pro: httpx.Client, starter: httpx.Client) -> None:
    theirs = starter.get(f"/v1/billing/invoices/{pro_invoice(pro)}/pdf")
    missing = starter.get("/v1/billing/invoices/in_doesnotexist/pdf")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json() and theirs.json()["error"]["code"] == "not_found"


def test_another_owners_invoice_as_a_page_anchor_is_a_404_like_a_missing_one(pro: httpx.Client,
                                                                               starter: httpx.Client) -> None:
    theirs = starter.get("/v1/billing/invoices", params={"starting_after": pro_invoice(pro)})
    missing = starter.get("/v1/billing/invoices", params={"starting_after": "in_doesnotexist"})
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


def test_an_owner_without_invoices_gets_404_for_any_anchor(stack: Any, client_for: Callable[..., httpx.Client],
                                                            pro: httpx.Client) -> None:
    new = client_for(stack, "new@demo.test")
    assert new.get("/v1/billing/invoices", params={"starting_after": pro_invoice(pro)}).status_code == 404


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/v1/billing/summary", None), ("GET", "/v1/billing/plans", None), ("GET", "/v1/billing/invoices", None),
    ("GET", "/v1/billing/invoices/in_1/pdf", None), ("POST", "/v1/billing/portal-session", {}),
    ("POST", "/v1/billing/checkout-session", {"plan": "pro"}),
    ("POST", "/v1/billing/plan-change/preview", {"plan": "pro"}),
    ("POST", "/v1/billing/plan-change", {"plan": "pro", "proration_date": 1}),
])
def test_billing_needs_a_signed_in_owner(stack: Any, method: str, path: str, body: Any) -> None:
    before = stack.sandbox.request_count()
    answer = httpx.request(method, stack.bridge_url + path, json=body, headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"
    assert stack.sandbox.request_count() == before


@pytest.mark.parametrize("path, body, code", [
    ("/v1/billing/checkout-session", {"plan": "enterprise"}, "unknown_plan"),
    ("/v1/billing/plan-change/preview", {"plan": "enterprise"}, "unknown_plan"),
    ("/v1/billing/plan-change", {"plan": "enterprise", "proration_date": 1}, "unknown_plan"),
    ("/v1/billing/portal-session", {"flow": "delete_everything"}, "invalid_flow"),
    ("/v1/billing/checkout-session", {}, "invalid_request"),
    ("/v1/billing/plan-change/preview", {"plan": 7}, "invalid_request"),
    ("/v1/billing/plan-change", {"plan": "pro"}, "invalid_request"),
    ("/v1/billing/plan-change", {"plan": "pro", "proration_date": "yesterday"}, "invalid_request"),
])
def test_bad_requests_are_4xx_with_a_code(starter: httpx.Client, path: str, body: Any, code: str) -> None:
    answer = starter.post(path, json=body)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == code


def test_a_price_id_is_not_a_plan(stack: Any, starter: httpx.Client) -> None:
    answer = starter.post("/v1/billing/plan-change/preview", json={"plan": stack.settings.plans["pro"]})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "unknown_plan"


def test_malformed_json_is_invalid_request(starter: httpx.Client) -> None:
    answer = starter.post("/v1/billing/checkout-session", content=b"{not json",
                          headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("limit", ["0", "101", "many"])
def test_invoice_page_sizes_out_of_range(starter: httpx.Client, limit: str) -> None:
    answer = starter.get("/v1/billing/invoices", params={"limit": limit})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_request"


def test_return_urls_come_from_settings_not_the_client(stack: Any, pro: httpx.Client) -> None:
    answer = pro.post("/v1/billing/portal-session", json={"flow": None, "return_url": "https://evil.example"})
    assert answer.status_code == 200
    session_id = answer.json()["url"].rstrip("/").rsplit("/", 1)[-1]
    session = stack.sandbox.get("billing_portal.session", session_id)
    assert session["return_url"] == f"{stack.bridge_url}/return/portal"
