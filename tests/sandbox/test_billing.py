"""Subscriptions, invoices, plan changes with proration and previews, through the SDK."""

from __future__ import annotations

import pytest
import stripe

from stripe_sandbox import Sandbox
from tests.support.sandbox_helpers import customer_with_card, plan_prices


def subscribe(client: stripe.StripeClient, customer_id: str, price: str, **extra: object) -> stripe.Subscription:
    return client.v1.subscriptions.create({"customer": customer_id, "items": [{"price": price}], **extra})


def test_subscription_charges_the_first_invoice(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, card = customer_with_card(client)
    sub = subscribe(client, customer.id, prices["starter"], metadata={"site": "ada"})
    assert sub.status == "active"
    item = sub["items"].data[0]
    assert item.price.id == prices["starter"] and item.current_period_end > item.current_period_start
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (invoice.status, invoice.amount_paid, invoice.amount_due, invoice.total) == ("paid", 1000, 1000, 1000)
    assert invoice.parent.subscription_details.subscription == sub.id
    assert invoice.billing_reason == "subscription_create" and invoice.number
    assert invoice.hosted_invoice_url.endswith(f"/i/{invoice.id}")
    assert invoice.invoice_pdf.endswith(f"/i/{invoice.id}/pdf")
    assert invoice.status_transitions.paid_at and invoice.attempt_count == 1
    line = invoice.lines.data[0]
    assert (line.amount, line.pricing.price_details.price) == (1000, prices["starter"])
    listed = client.v1.invoices.list({"customer": customer.id, "subscription": sub.id, "status": "paid"})
    assert [i.id for i in listed.data] == [invoice.id]


def test_declined_first_payment(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client, token="pm_card_chargeCustomerFail")
    with pytest.raises(stripe.CardError) as caught:
        subscribe(client, customer.id, prices["pro"], payment_behavior="error_if_incomplete")
    assert caught.value.code == "card_declined"
    assert client.v1.subscriptions.list({"customer": customer.id, "status": "all"}).data == []
    sub = subscribe(client, customer.id, prices["pro"], payment_behavior="default_incomplete")
    assert sub.status == "incomplete"
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (invoice.status, invoice.amount_remaining) == ("open", 2500)


def test_subscription_list_filters(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = subscribe(client, customer.id, prices["starter"])
    client.v1.subscriptions.cancel(sub.id)
    live = subscribe(client, customer.id, prices["pro"])
    assert [s.id for s in client.v1.subscriptions.list({"customer": customer.id}).data] == [live.id]
    everything = client.v1.subscriptions.list({"customer": customer.id, "status": "all"}).data
    assert {s.id: s.status for s in everything} == {sub.id: "canceled", live.id: "active"}
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.list({"status": "sleeping"})
    assert caught.value.param == "status"


def test_upgrade_preview_prorates_by_the_second(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = subscribe(client, customer.id, prices["starter"])
    item = sub["items"].data[0]
    start, end = item.current_period_start, item.current_period_end
    at = start + (end - start) // 3
    preview = client.v1.invoices.create_preview({
        "customer": customer.id, "subscription": sub.id,
        "subscription_details": {"items": [{"id": item.id, "price": prices["pro"]}], "proration_date": at,
                                 "proration_behavior": "always_invoice"}})
    credit = -round(1000 * (end - at) / (end - start))
    charge = round(2500 * (end - at) / (end - start))
    assert [(line.amount, line.parent.subscription_item_details.proration) for line in preview.lines.data] == [
        (credit, True), (charge, True)]
    assert preview.lines.data[0].description.startswith("Unused time on Site plans after")
    assert preview.amount_due == credit + charge == preview.total
    assert preview.parent.subscription_details.subscription_proration_date == at
    upgraded = client.v1.subscriptions.update(sub.id, {
        "items": [{"id": item.id, "price": prices["pro"]}], "proration_behavior": "always_invoice",
        "proration_date": at, "payment_behavior": "pending_if_incomplete"})
    assert upgraded["items"].data[0].price.id == prices["pro"]
    invoice = client.v1.invoices.retrieve(upgraded.latest_invoice)
    assert (invoice.status, invoice.amount_paid, invoice.billing_reason) == ("paid", credit + charge,
                                                                             "subscription_update")


def test_declined_upgrade_with_pending_if_incomplete_changes_nothing(client: stripe.StripeClient) -> None:
    """Stripe's pending updates guide: a failed payment answers 200 with the changes in pending_update
    and the unpaid invoice open as latest_invoice; the subscription cycles as if nothing was asked."""
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = subscribe(client, customer.id, prices["starter"])
    bad = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": customer.id})
    client.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": bad.id}})
    item = sub["items"].data[0]
    answer = client.v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "price": prices["pro"]}],
                                                     "proration_behavior": "always_invoice",
                                                     "payment_behavior": "pending_if_incomplete",
                                                     "expand": ["latest_invoice"]})
    assert answer["items"].data[0].price.id == prices["starter"] and answer.status == "active"
    assert [i.price.id for i in answer.pending_update.subscription_items] == [prices["pro"]]
    assert answer.latest_invoice.status == "open" and answer.latest_invoice.id != sub.latest_invoice
    after = client.v1.subscriptions.retrieve(sub.id)
    assert after["items"].data[0].price.id == prices["starter"]
    assert after.pending_update is not None and after.status == "active"


def test_next_invoice_preview_without_change(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = subscribe(client, customer.id, prices["pro"])
    preview = client.v1.invoices.create_preview({"customer": customer.id, "subscription": sub.id})
    assert preview.amount_due == 2500
    assert preview.next_payment_attempt == sub["items"].data[0].current_period_end


def test_cancel_at_period_end_and_back(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = subscribe(client, customer.id, prices["pro"])
    ending = client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": True})
    assert ending.cancel_at_period_end and ending.cancel_at == sub["items"].data[0].current_period_end
    assert ending.cancellation_details.reason == "cancellation_requested"
    back = client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": False})
    assert not back.cancel_at_period_end and back.cancel_at is None
    gone = client.v1.subscriptions.cancel(sub.id)
    assert gone.status == "canceled" and gone.ended_at


def test_bad_subscription_params(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.create({"customer": customer.id})
    assert caught.value.param == "items"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        subscribe(client, customer.id, "price_missing")
    assert (caught.value.param, caught.value.code) == ("items[0][price]", "resource_missing")
    sub = subscribe(client, customer.id, prices["pro"])
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.update(sub.id, {"proration_behavior": "sometimes"})
    assert caught.value.param == "proration_behavior"


def test_schedule_downgrades_at_period_end(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = subscribe(client, customer.id, prices["pro"])
    schedule = client.v1.subscription_schedules.create({"from_subscription": sub.id})
    phase = schedule.phases[0]
    client.v1.subscription_schedules.update(schedule.id, {"end_behavior": "release", "phases": [
        {"items": [{"price": prices["pro"]}], "start_date": phase.start_date, "end_date": phase.end_date},
        {"items": [{"price": prices["starter"]}], "duration": {"interval": "month"}}]})
    assert client.v1.subscriptions.retrieve(sub.id).schedule == schedule.id
    listed = client.v1.subscription_schedules.list({"customer": customer.id}).data
    assert [s.id for s in listed] == [schedule.id]
    sandbox.advance_clock(phase.end_date - sandbox.now() + 3600 + 60)   # the renewal draft is charged an hour later
    after = client.v1.subscriptions.retrieve(sub.id)
    assert after["items"].data[0].price.id == prices["starter"]
    renewal = client.v1.invoices.retrieve(after.latest_invoice)
    assert (renewal.amount_paid, renewal.billing_reason) == (1000, "subscription_cycle")
    sandbox.advance_clock(after["items"].data[0].current_period_end - sandbox.now() + 60)
    done = client.v1.subscription_schedules.retrieve(schedule.id)
    assert done.status == "released" and done.released_subscription == sub.id
    assert client.v1.subscriptions.retrieve(sub.id).schedule is None


def test_schedule_release(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = subscribe(client, customer.id, prices["pro"])
    schedule = client.v1.subscription_schedules.create({"from_subscription": sub.id})
    released = client.v1.subscription_schedules.release(schedule.id)
    assert released.status == "released"
    assert client.v1.subscriptions.retrieve(sub.id).schedule is None


def test_open_invoice_void_and_uncollectible(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client, token="pm_card_chargeCustomerFail")
    first = subscribe(client, customer.id, prices["pro"], payment_behavior="allow_incomplete")
    voided = client.v1.invoices.void_invoice(first.latest_invoice)
    assert (voided.status, voided.amount_remaining) == ("void", 0) and voided.status_transitions.voided_at
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.invoices.void_invoice(first.latest_invoice)
    assert caught.value.code == "invoice_unexpected_state"
    second = subscribe(client, customer.id, prices["starter"], payment_behavior="allow_incomplete")
    lost = client.v1.invoices.mark_uncollectible(second.latest_invoice)
    assert lost.status == "uncollectible"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.pay(second.latest_invoice)


def test_another_customers_card_cannot_pay_or_default(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client, token="pm_card_chargeCustomerFail", email="a@example.test")
    _, stranger_card = customer_with_card(client, email="b@example.test")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        subscribe(client, customer.id, prices["pro"], default_payment_method=stranger_card.id)
    assert caught.value.param == "default_payment_method"
    late = subscribe(client, customer.id, prices["pro"], payment_behavior="allow_incomplete")
    assert late.status == "incomplete"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.invoices.pay(late.latest_invoice, {"payment_method": stranger_card.id})
    assert caught.value.param == "payment_method"
    assert client.v1.invoices.retrieve(late.latest_invoice).status == "open"


def test_canceled_subscription_takes_only_notes(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = subscribe(client, customer.id, prices["pro"])
    client.v1.subscriptions.cancel(sub.id)
    noted = client.v1.subscriptions.update(sub.id, {"metadata": {"note": "moved away"}})
    assert noted.metadata["note"] == "moved away"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": False})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.cancel(sub.id)
    assert caught.value.http_status == 404


def test_declined_upgrade_with_error_if_incomplete_changes_nothing(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = subscribe(client, customer.id, prices["starter"])
    bad = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": customer.id})
    client.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": bad.id}})
    invoices_before = len(client.v1.invoices.list({"customer": customer.id}).data)
    with pytest.raises(stripe.CardError):
        client.v1.subscriptions.update(sub.id, {"items": [{"id": sub["items"].data[0].id, "price": prices["pro"]}],
                                                "proration_behavior": "always_invoice", "metadata": {"x": "y"},
                                                "payment_behavior": "error_if_incomplete"})
    after = client.v1.subscriptions.retrieve(sub.id)
    assert after["items"].data[0].price.id == prices["starter"] and after.metadata.to_dict() == {}
    assert len(client.v1.invoices.list({"customer": customer.id}).data) == invoices_before


def test_no_card_at_all(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer = client.v1.customers.create({"email": "nocard@example.test"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        subscribe(client, customer.id, prices["pro"], payment_behavior="error_if_incomplete")
    assert caught.value.http_status == 400
    sub = subscribe(client, customer.id, prices["pro"])
    assert sub.status == "incomplete"
    assert client.v1.invoices.retrieve(sub.latest_invoice).status == "open"


def test_subscription_items_list_and_retrieve(client: stripe.StripeClient) -> None:
    prices = plan_prices(client)
    customer, _ = customer_with_card(client)
    sub = subscribe(client, customer.id, prices["pro"])
    items = client.v1.subscription_items.list({"subscription": sub.id}).data
    assert [i.id for i in items] == [sub["items"].data[0].id]
    assert client.v1.subscription_items.retrieve(items[0].id).price.id == prices["pro"]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscription_items.list({"subscription": "sub_missing"})
    assert caught.value.param == "subscription"


def test_a_customers_invoice_prefix_numbers_its_invoices(client: stripe.StripeClient) -> None:
    """Stripe's `invoice_prefix` on create (3-12 uppercase letters or digits); without one, 8 random ones."""
    prices = plan_prices(client)
    customer = client.v1.customers.create({"email": "prefix@example.com", "invoice_prefix": "ACME7"})
    card = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    client.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": card.id}})
    sub = subscribe(client, customer.id, prices["starter"])
    assert client.v1.invoices.retrieve(sub.latest_invoice).number == "ACME7-0001"
    plain = client.v1.customers.create({"email": "plain@example.com"})
    assert len(plain.invoice_prefix) == 8 and plain.invoice_prefix.isalnum() and plain.invoice_prefix.upper() == plain.invoice_prefix
    for bad in ("AB", "lowercase", "TOO0LONG0PREFIX", "A-B"):
        with pytest.raises(stripe.InvalidRequestError) as refused:
            client.v1.customers.create({"invoice_prefix": bad})
        assert refused.value.param == "invoice_prefix"
