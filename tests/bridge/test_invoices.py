"""Invoices: paged newest first from the store, PDFs proxied from the invoice's own URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from server_bridge.mirror import store
from tests.support.billing_loop import all_invoices, settle
from tests.support.waiting import wait_until


@pytest.fixture(scope="module")
def stack(module_stack: Any) -> Any:
    return module_stack


@pytest.fixture
def pro(stack: Any, client_for: Callable[..., httpx.Client]) -> httpx.Client:
    return client_for(stack, "pro@demo.test")


def test_pages_of_every_size_list_the_same_invoices(stack: Any, pro: httpx.Client) -> None:
    everything = all_invoices(pro, limit=100)
    assert len(everything) == len(stack.sandbox.list("invoice", customer=stack.demo_owners["pro@demo.test"]))
    for limit in (1, 3, 7):
        assert all_invoices(pro, limit) == everything
    first = pro.get("/v1/billing/invoices").json()
    assert len(first["data"]) == min(20, len(everything)) and first["has_more"] == (len(everything) > 20)


def test_an_invoice_has_the_fields_the_desktop_shows(pro: httpx.Client) -> None:
    invoice = pro.get("/v1/billing/invoices", params={"limit": 1}).json()["data"][0]
    assert set(invoice) == {"id", "number", "status", "total", "amount_due", "amount_paid", "currency", "created",
                            "period_start", "period_end", "hosted_invoice_url", "has_pdf", "payment_failed",
                            "next_payment_attempt", "amount_refunded"}
    assert invoice["period_start"] <= invoice["period_end"] and invoice["currency"] == "usd"
    hosted = httpx.get(invoice["hosted_invoice_url"], timeout=10)
    assert hosted.status_code == 200 and "text/html" in hosted.headers["content-type"]


def test_the_pdf_streams_with_its_length_and_name(pro: httpx.Client) -> None:
    invoice = next(i for i in all_invoices(pro, 100) if i["has_pdf"])
    with pro.stream("GET", f"/v1/billing/invoices/{invoice['id']}/pdf") as answer:
        body = answer.read()
        assert answer.status_code == 200
        if "content-length" in answer.headers:
            assert int(answer.headers["content-length"]) == len(body)
    assert body.startswith(b"%PDF") and body.rstrip().endswith(b"%%EOF")


def test_a_draft_without_a_pdf_is_a_404(stack: Any, pro: httpx.Client) -> None:
    customer = stack.demo_owners["pro@demo.test"]
    draft = {"id": "in_test_draft", "object": "invoice", "customer": customer, "status": "draft", "number": None,
             "created": 1, "total": 2500, "amount_due": 2500, "amount_paid": 0, "currency": "usd",
             "period_start": 1, "period_end": 1, "hosted_invoice_url": None, "invoice_pdf": None,
             "lines": {"data": []}}
    with stack.app.state.sessions() as session:
        store.upsert_object(session, draft, seen_at=1)
        session.commit()
    listed = {i["id"]: i for i in all_invoices(pro, 100)}
    assert listed["in_test_draft"]["has_pdf"] is False
    answer = pro.get("/v1/billing/invoices/in_test_draft/pdf")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


def test_invoice_reads_make_no_stripe_calls(stack: Any, pro: httpx.Client) -> None:
    pro.get("/v1/billing/invoices")
    before = stack.sandbox.request_count()
    all_invoices(pro, 2)
    assert stack.sandbox.request_count() == before


def test_a_renewal_reaches_the_invoices_and_the_summary(stack: Any, pro: httpx.Client) -> None:
    """Kept fresh by webhooks alone: Stripe renews, invoices and charges; the bridge never asks."""
    before = pro.get("/v1/billing/summary").json()
    count = len(all_invoices(pro, 100))
    stack.sandbox.advance_clock(before["current_period_end"] - stack.sandbox.now() + 60)
    after = settle(stack, pro, lambda s: s["current_period_end"] > before["current_period_end"])
    assert after["status"] == "active" and after["next_invoice"]["date"] == after["current_period_end"]
    # Stripe keeps a renewal invoice as a draft for about an hour: listed, but no number and no PDF yet
    draft = wait_until(lambda: (lambda page: page[0] if len(page) == count + 1 else None)(all_invoices(pro, 100)))
    assert (draft["status"], draft["number"], draft["has_pdf"]) == ("draft", None, False)
    assert pro.get(f"/v1/billing/invoices/{draft['id']}/pdf").status_code == 404
    stack.sandbox.advance_clock(3600)
    invoices = wait_until(lambda: (lambda page: page if len(page) == count + 1 and page[0]["status"] == "paid"
                                   else None)(all_invoices(pro, 100)))
    assert invoices[0]["total"] == 2500 and invoices[0]["period_start"] == before["current_period_end"]
