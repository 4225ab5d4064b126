"""Advancing the clock: renewals, declined renewals, smart retries, endings, trials, seeded owners."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import stripe

from stripe_sandbox import Sandbox
from stripe_sandbox.billing.renewals import DRAFT_FOR
from stripe_sandbox.periods import DAY, add_months
from tests.support.sandbox_helpers import customer_with_card, plan_prices


def period_end(sub: stripe.Subscription) -> int:
    return sub["items"].data[0].current_period_end


def test_renewal_invoices_and_charges_the_default_card(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, card = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["pro"]}]})
    first_end = period_end(sub)
    sandbox.advance_clock(first_end - sandbox.now() + DRAFT_FOR + 10)
    renewed = client.v1.subscriptions.retrieve(sub.id)
    assert renewed.status == "active"
    item = renewed["items"].data[0]
    assert item.current_period_start == first_end
    anchor = dt.datetime.fromtimestamp(sub["items"].data[0].current_period_start, dt.timezone.utc).day
    assert item.current_period_end == add_months(first_end, 1, anchor)
    invoice = client.v1.invoices.retrieve(renewed.latest_invoice)
    assert (invoice.status, invoice.billing_reason, invoice.amount_paid) == ("paid", "subscription_cycle", 2500)
    assert invoice.default_payment_method == card.id
    assert invoice.lines.data[0].period.start == first_end
    types = [e.type for e in client.v1.events.list({"created": {"gte": first_end}}).data]
    assert {"invoice.created", "invoice.finalized", "invoice.paid", "customer.subscription.updated"} <= set(types)


def test_a_renewal_invoice_stays_draft_for_about_an_hour(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    """As Stripe's subscription invoices: created as a draft at the renewal, finalized and charged about
    an hour later; a draft has no number, no hosted page and no PDF yet."""
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["pro"]}]})
    end = period_end(sub)
    sandbox.advance_clock(end - sandbox.now() + 60)
    renewed = client.v1.subscriptions.retrieve(sub.id)
    draft = client.v1.invoices.retrieve(renewed.latest_invoice)
    assert renewed.status == "active" and renewed["items"].data[0].current_period_start == end
    assert (draft.status, draft.number, draft.invoice_pdf, draft.hosted_invoice_url) == ("draft", None, None, None)
    assert draft.automatically_finalizes_at == end + DRAFT_FOR and draft.attempt_count == 0
    assert client.v1.invoices.list({"customer": customer.id, "status": "draft"}).data[0].id == draft.id
    sandbox.advance_clock(DRAFT_FOR)
    paid = client.v1.invoices.retrieve(draft.id)
    assert (paid.status, paid.automatically_finalizes_at) == ("paid", None) and paid.number
    assert paid.status_transitions.finalized_at == end + DRAFT_FOR


def test_declined_renewal_retries_then_gives_up(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["starter"]}]})
    bad = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": customer.id})
    client.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": bad.id}})
    sandbox.advance_clock(period_end(sub) - sandbox.now() + DRAFT_FOR + 10)
    late = client.v1.subscriptions.retrieve(sub.id)
    assert late.status == "past_due"
    invoice = client.v1.invoices.retrieve(late.latest_invoice)
    assert (invoice.status, invoice.attempt_count) == ("open", 1)
    assert invoice.next_payment_attempt == invoice.status_transitions.finalized_at + 3 * DAY
    failed = client.v1.events.list({"type": "invoice.payment_failed"}).data
    assert failed[0].data.object.id == invoice.id
    sandbox.advance_clock(9 * DAY)
    invoice = client.v1.invoices.retrieve(invoice.id)
    assert (invoice.status, invoice.attempt_count, invoice.next_payment_attempt) == ("uncollectible", 4, None)
    ended = client.v1.subscriptions.retrieve(sub.id)
    assert ended.status == "canceled" and ended.cancellation_details.reason == "payment_failed"


@pytest.mark.parametrize(("settings", "sub_status", "invoice_status"), [
    ({"retry_days": [1, 2], "subscription_then": "unpaid", "invoice_then": "past_due"}, "unpaid", "open"),
    ({"retry_days": [2], "subscription_then": "past_due", "invoice_then": "uncollectible"}, "past_due",
     "uncollectible"),
    ({"retry_days": [1, 1, 1, 1], "subscription_then": "canceled", "invoice_then": "past_due"}, "canceled", "open"),
])
def test_dunning_follows_the_retry_settings(sandbox: Sandbox, client: stripe.StripeClient, settings: dict,
                                            sub_status: str, invoice_status: str) -> None:
    """Stripe's retry settings: a custom schedule of retries, then cancel / mark unpaid / leave past due,
    and the invoice marked uncollectible or left past due."""
    assert httpx.post(f"{sandbox.base_url}/_sandbox/dunning", json=settings).status_code == 200
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["starter"]}]})
    bad = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": customer.id})
    client.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": bad.id}})
    sandbox.advance_clock(period_end(sub) - sandbox.now() + DRAFT_FOR + 10)
    invoice = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    attempts = [invoice.status_transitions.finalized_at]
    for days in settings["retry_days"]:
        assert invoice.next_payment_attempt == attempts[-1] + days * DAY
        sandbox.advance_clock(invoice.next_payment_attempt - sandbox.now())
        attempts.append(invoice.next_payment_attempt)
        invoice = client.v1.invoices.retrieve(invoice.id)
    assert invoice.attempt_count == len(settings["retry_days"]) + 1 and invoice.next_payment_attempt is None
    assert (client.v1.subscriptions.retrieve(sub.id).status, invoice.status) == (sub_status, invoice_status)
    if sub_status == "unpaid":      # still invoiced each period, never charged
        renewed = client.v1.subscriptions.retrieve(sub.id)
        sandbox.advance_clock(period_end(renewed) - sandbox.now() + DRAFT_FOR + 10)
        later = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
        assert (later.status, later.attempt_count, later.next_payment_attempt) == ("open", 0, None)


def test_dunning_settings_are_checked(sandbox: Sandbox) -> None:
    answer = httpx.post(f"{sandbox.base_url}/_sandbox/dunning", json={"subscription_then": "deleted"})
    assert answer.status_code == 422
    answer = httpx.post(f"{sandbox.base_url}/_sandbox/dunning", json={"retry_days": [0]})
    assert answer.status_code == 400


def test_retry_succeeds_after_the_card_is_fixed(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, good = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["starter"]}]})
    bad = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": customer.id})
    client.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": bad.id}})
    sandbox.advance_clock(period_end(sub) - sandbox.now() + DRAFT_FOR + 10)
    client.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": good.id}})
    sandbox.advance_clock(3 * DAY)
    fixed = client.v1.subscriptions.retrieve(sub.id)
    assert fixed.status == "active"
    assert client.v1.invoices.retrieve(fixed.latest_invoice).status == "paid"


def test_paying_an_open_invoice_revives_the_plan(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, good = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["starter"]}]})
    bad = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": customer.id})
    client.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": bad.id}})
    sandbox.advance_clock(period_end(sub) - sandbox.now() + DRAFT_FOR + 10)
    latest = client.v1.subscriptions.retrieve(sub.id).latest_invoice
    with pytest.raises(stripe.CardError) as declined:
        client.v1.invoices.pay(latest)
    assert declined.value.code == "card_declined"
    assert client.v1.invoices.retrieve(latest).attempt_count == 2
    paid = client.v1.invoices.pay(latest, {"payment_method": good.id})
    assert paid.status == "paid"
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_cancel_at_period_end_ends_the_plan(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["pro"]}]})
    client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": True})
    sandbox.advance_clock(period_end(sub) - sandbox.now() + DRAFT_FOR + 10)
    ended = client.v1.subscriptions.retrieve(sub.id)
    assert (ended.status, ended.ended_at) == ("canceled", period_end(sub))
    assert len(client.v1.invoices.list({"subscription": sub.id}).data) == 1
    deleted = client.v1.events.list({"type": "customer.subscription.deleted"}).data
    assert deleted[0].data.object.id == sub.id


def test_prorations_wait_for_the_next_invoice(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["starter"]}]})
    item = sub["items"].data[0]
    client.v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "price": prices["pro"]}],
                                            "proration_behavior": "create_prorations"})
    preview = client.v1.invoices.create_preview({"customer": customer.id, "subscription": sub.id})
    sandbox.advance_clock(period_end(sub) - sandbox.now() + DRAFT_FOR + 10)
    invoice = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert [line.amount for line in invoice.lines.data] == [line.amount for line in preview.lines.data]
    assert [line.parent.subscription_item_details.proration for line in invoice.lines.data] == [True, True, False]
    assert invoice.amount_paid == preview.amount_due


def test_trial_ends_with_the_first_charge(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": prices["pro"]}],
                                          "trial_period_days": 14})
    assert sub.status == "trialing" and sub.trial_end == period_end(sub)
    assert client.v1.invoices.retrieve(sub.latest_invoice).amount_due == 0
    sandbox.advance_clock(15 * DAY)
    after = client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "active"
    assert client.v1.invoices.retrieve(after.latest_invoice).amount_paid == 2500


def test_seeded_demo_owners(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    events_before = len(client.v1.events.list({"limit": 100}).data)
    owners = sandbox.seed_demo_owners(prices)
    assert set(owners) == {"pro@demo.test", "starter@demo.test", "new@demo.test", "pastdue@demo.test"}
    assert len(client.v1.events.list({"limit": 100}).data) == events_before
    now = sandbox.now()

    pro = client.v1.subscriptions.list({"customer": owners["pro@demo.test"]}).data[0]
    invoices = list(client.v1.invoices.list({"customer": owners["pro@demo.test"]}).auto_paging_iter())
    assert pro.status == "active" and len(invoices) == 12
    assert all(i.status == "paid" and i.amount_paid == 2500 for i in invoices)
    assert invoices[-1].created < now - 330 * DAY and len({i.number for i in invoices}) == 12

    starter = client.v1.subscriptions.list({"customer": owners["starter@demo.test"]}).data[0]
    customer = client.v1.customers.retrieve(owners["starter@demo.test"],
                                            {"expand": ["invoice_settings.default_payment_method"]})
    card = customer.invoice_settings.default_payment_method.card
    today = dt.datetime.fromtimestamp(now, dt.timezone.utc)
    assert (card.last4, card.exp_month, card.exp_year) == ("4444", today.month, today.year)
    next_bill = dt.datetime.fromtimestamp(period_end(starter), dt.timezone.utc)
    assert (next_bill.year, next_bill.month) > (card.exp_year, card.exp_month)
    assert starter.start_date < now - 55 * DAY

    assert client.v1.subscriptions.list({"customer": owners["new@demo.test"], "status": "all"}).data == []
    assert client.v1.customers.payment_methods.list(owners["new@demo.test"]).data == []

    late = client.v1.subscriptions.list({"customer": owners["pastdue@demo.test"]}).data[0]
    latest = client.v1.invoices.retrieve(late.latest_invoice)
    assert late.status == "past_due" and latest.status == "open" and latest.attempt_count == 1
    assert latest.next_payment_attempt > now
    assert sandbox.seed_demo_owners(prices) == owners
    names = {client.v1.customers.retrieve(cid).name for cid in owners.values()}
    assert "Ada's Bakery" in names


def test_clock_can_start_elsewhere_and_only_moves_forward() -> None:
    box = Sandbox(start_time=1_700_000_000)
    assert 1_700_000_000 <= box.now() < 1_700_000_100
    box.advance_clock(DAY)
    assert box.now() >= 1_700_000_000 + DAY
    with pytest.raises(ValueError):
        box.advance_clock(-1)
