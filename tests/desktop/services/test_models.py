from __future__ import annotations

import pytest

from desktop_app.services import (BridgeRefused, Invoice, InvoicePage, PlanChangePreview, SignIn, Summary,
                                  UnexpectedResponse)
from tests.support import desktop_samples


def test_summary_round_trips_through_json() -> None:
    s = Summary.from_json(desktop_samples.summary())
    assert s.plan is not None and s.plan.name == "Pro" and s.card is not None and s.card.last4 == "4242"
    assert Summary.from_json(s.to_json()) == s


def test_owner_without_a_plan() -> None:
    s = Summary.from_json(desktop_samples.summary(plan=None, status="none", card=None, next_invoice=None,
                                                  current_period_end=None))
    assert s.plan is None and not s.has_subscription


def test_unknown_fields_from_a_newer_bridge_are_ignored() -> None:
    data = desktop_samples.summary(loyalty_points=12)
    data["plan"]["badge"] = "gold"
    assert Summary.from_json(data).plan.key == "pro"  # type: ignore[union-attr]


@pytest.mark.parametrize("bad", [
    {"status": None},
    {"plan": {"key": "pro"}},
    {"card": {"brand": "visa", "last4": 4242, "exp_month": 1, "exp_year": 2030}},
    {"last_payment_failed": "yes"},
    {"current_period_end": "tomorrow"},
])
def test_missing_or_mistyped_fields_are_one_clear_error(bad: dict) -> None:
    with pytest.raises(UnexpectedResponse) as err:
        Summary.from_json(desktop_samples.summary(**bad))
    assert isinstance(err.value, BridgeRefused) and err.value.code == "unexpected_response"


def test_not_an_object_at_all() -> None:
    with pytest.raises(UnexpectedResponse):
        Summary.from_json(["summary"])
    with pytest.raises(UnexpectedResponse):
        InvoicePage.from_json({"data": "none", "has_more": False})


def test_invoice_page_and_draft_without_number() -> None:
    page = InvoicePage.from_json({"data": [desktop_samples.invoice(1), desktop_samples.invoice(2, number=None, has_pdf=False,
                                                                               status="draft")],
                                  "has_more": True})
    assert page.has_more and [i.number for i in page.invoices] == ["ABC-0001", None]
    assert Invoice.from_json(page.invoices[0].to_json()) == page.invoices[0]


def test_preview_and_sign_in() -> None:
    preview = PlanChangePreview.from_json({
        "plan": desktop_samples.PRO, "direction": "upgrade", "effective": "now", "proration_date": 1764000000,
        "amount_due_now": 1450, "currency": "usd",
        "lines": [{"description": "Remaining time on Pro", "amount": 1450, "period_start": 1, "period_end": 2}],
        "next_amount": 2500, "next_date": 1767225600})
    assert preview.currency == "usd" and preview.lines[0].amount == 1450
    assert PlanChangePreview.from_json(preview.to_json()) == preview
    sign_in = SignIn.from_json({"token": "t", "expires_at": 5, "owner": {"email": "a@b.c"}})
    assert sign_in.email == "a@b.c"
    with pytest.raises(UnexpectedResponse):
        SignIn.from_json({"token": "t", "expires_at": 5})
