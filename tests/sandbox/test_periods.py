"""Billing dates and amounts as Stripe words them.

Stripe: "A monthly subscription with a billing cycle anchor date of January 31 bills the last day of
the month closest to the anchor date, so February 28 (or February 29 in a leap year), then March 31,
April 30, and so on." (docs: Set the subscription billing renewal date)
"""

from __future__ import annotations

import datetime as dt

import pytest
import stripe

from stripe_sandbox import Sandbox
from stripe_sandbox.billing import catalog, customers, subscriptions
from stripe_sandbox.money import money
from stripe_sandbox.periods import add_months


def ts(year: int, month: int, day: int) -> int:
    return int(dt.datetime(year, month, day, 9, 30, tzinfo=dt.timezone.utc).timestamp())


@pytest.mark.parametrize(("start", "months", "anchor", "expected"), [
    ((2027, 1, 31), 1, 31, (2027, 2, 28)),      # clamped to a short month
    ((2028, 1, 31), 1, 31, (2028, 2, 29)),      # leap year
    ((2028, 2, 29), 1, 31, (2028, 3, 31)),      # back on the anchor day after a short month
    ((2027, 2, 28), 1, 28, (2027, 3, 28)),      # anchored on the 28th: stays on the 28th
    ((2027, 4, 30), 1, 30, (2027, 5, 30)),
    ((2028, 2, 29), 12, 29, (2029, 2, 28)),     # a yearly plan from a leap day
    ((2032, 2, 29), 12 * 4, 29, (2036, 2, 29)),
    ((2027, 12, 31), 2, 31, (2028, 2, 29)),     # across a year end
    ((2028, 3, 31), -1, 31, (2028, 2, 29)),     # backwards (the demo owners' histories)
    ((2027, 1, 15), -13, 15, (2025, 12, 15)),
])
def test_months_are_counted_from_the_anchor_day(start: tuple[int, int, int], months: int, anchor: int,
                                                expected: tuple[int, int, int]) -> None:
    assert add_months(ts(*start), months, anchor) == ts(*expected)


def test_a_plan_started_on_the_31st_renews_on_each_months_last_day() -> None:
    sandbox = Sandbox(start_time=ts(2028, 1, 31))
    try:
        store = sandbox.store
        price = catalog.create_price(store, {"product_data": {"name": "Pro"}, "currency": "usd", "unit_amount": "2500",
                                             "recurring": {"interval": "month"}})
        customer = customers.create_customer(store, {"payment_method": "pm_card_visa",
                                                     "invoice_settings": {"default_payment_method": "pm_card_visa"}})
        sub = subscriptions.create_subscription(store, {"customer": customer["id"], "items": [{"price": price["id"]}]})
        ends = []
        for _ in range(4):
            end = subscriptions.period(sub)[1]
            ends.append(dt.datetime.fromtimestamp(end, dt.timezone.utc).date())
            sandbox.advance_clock(end - sandbox.now() + 2 * 3600)
        assert ends == [dt.date(2028, 2, 29), dt.date(2028, 3, 31), dt.date(2028, 4, 30), dt.date(2028, 5, 31)]
    finally:
        sandbox.close()


@pytest.mark.parametrize(("amount", "currency", "text"), [
    (2500, "usd", "$25.00"), (1000, "jpy", "¥1,000"), (1999, "eur", "€19.99"), (-2500, "usd", "-$25.00"),
    (500, "krw", "₩500"), (12345, "gbp", "£123.45"),
])
def test_money_reads_as_people_write_it(amount: int, currency: str, text: str) -> None:
    assert money(amount, currency).replace("\xa0", " ") == text


def test_a_yen_invoice_line_names_the_price_in_yen(client: stripe.StripeClient) -> None:
    price = client.v1.prices.create({"product_data": {"name": "Pro"}, "currency": "jpy", "unit_amount": 1000,
                                     "recurring": {"interval": "month"}})
    customer = client.v1.customers.create({"payment_method": "pm_card_visa",
                                           "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}]})
    line = client.v1.invoices.retrieve(sub.latest_invoice).lines.data[0]
    assert line.description == "1 × Pro (at ¥1,000 / month)"
