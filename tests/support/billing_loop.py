"""Driving the bridge's billing over real HTTP: hosted forms as a browser submits them, settling on
webhooks, paging invoices, opening the portal, and a card Checkout accepts."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.waiting import wait_until

GOOD = {"email": "new@demo.test", "name": "New Owner", "number": "4242424242424242", "exp_month": 12,
        "exp_year": 2034, "cvc": "123"}


def form_action(page: str, form_id: str) -> str:
    """The action of the <form id=form_id> on a hosted page (asserting the form is there)."""
    for tag in re.findall(r"<form\b[^>]*>", page):
        if re.search(rf'\bid="{re.escape(form_id)}"', tag):
            found = re.search(r'\baction="([^"]*)"', tag)
            assert found, tag
            return html.unescape(found.group(1))
    raise AssertionError(f"no form {form_id!r} on the page")


def submit(url: str, form_id: str, data: dict[str, Any]) -> httpx.Response:
    """Open a hosted page as a browser would and submit one of its forms (redirects not followed)."""
    with httpx.Client(timeout=15) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text[:500]
        action = httpx.URL(url).join(form_action(page.text, form_id))
        return browser.post(action, data={k: str(v) for k, v in data.items()})


def settle(stack: Any, client: httpx.Client, done: Callable[[dict], bool]) -> dict:
    """The summary once the sandbox's webhooks have reached the bridge and `done` holds for it."""
    stack.sandbox.wait_for_deliveries(15)
    return wait_until(lambda: (lambda s: s if done(s) else None)(client.get("/v1/billing/summary").json()))


def all_invoices(client: httpx.Client, limit: int) -> list[dict]:
    seen: list[dict] = []
    after: str | None = None
    while True:
        page = client.get("/v1/billing/invoices", params={"limit": limit, **({"starting_after": after} if after else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["data"]) <= limit
        seen.extend(body["data"])
        if not body["has_more"]:
            return seen
        after = body["data"][-1]["id"]


def portal(client: httpx.Client, flow: str | None = None) -> str:
    """The URL of a new Customer Portal session for the signed-in owner."""
    answer = client.post("/v1/billing/portal-session", json={"flow": flow})
    assert answer.status_code == 200, answer.text
    return answer.json()["url"]
