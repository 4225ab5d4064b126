"""The summary, invoice and card shapes, from Stripe snapshots as the store keeps them."""

from __future__ import annotations

import calendar

from server_bridge.billing.invoices import pdf_filename
from server_bridge.billing.owner import OwnerBilling
from server_bridge.billing.stripe_objects import Invoice, PaymentMethod
from server_bridge.billing.summary import card_valid_until, card_view
from server_bridge.billing.summary import shape_summary as shape_typed
from server_bridge.mirror.sync import split_expanded

PLANS = {"starter": "price_starter", "pro": "price_pro"}
NOW = calendar.timegm((2026, 11, 25, 12, 0, 0))
PERIOD_END = calendar.timegm((2026, 12, 25, 12, 0, 0))


def price(price_id: str, amount: int, product: str) -> dict:
    return {"id": price_id, "object": "price", "unit_amount": amount, "currency": "usd", "product": product,
            "recurring": {"interval": "month"}, "lookup_key": None}


PRICES = {"price_starter": price("price_starter", 1000, "prod_s"), "price_pro": price("price_pro", 2500, "prod_p")}
PRODUCTS = {"prod_s": {"id": "prod_s", "object": "product", "name": "Starter"},
            "prod_p": {"id": "prod_p", "object": "product", "name": "Pro"}}


def subscription(price_id: str = "price_pro", **fields: object) -> dict:
    return {"id": "sub_1", "object": "subscription", "customer": "cus_1", "status": "active", "created": NOW - 99,
            "cancel_at_period_end": False, "cancel_at": None, "trial_end": None, "default_payment_method": None,
            "schedule": None,
            "items": {"data": [{"id": "si_1", "price": PRICES[price_id], "quantity": 1,
                                "current_period_start": NOW - 86400, "current_period_end": PERIOD_END}]},
            **fields}


def card(month: int, year: int) -> dict:
    return {"id": "pm_1", "object": "payment_method", "customer": "cus_1",
            "card": {"brand": "visa", "last4": "4242", "exp_month": month, "exp_year": year}}


def shape_summary(view: OwnerBilling, plans: dict, now: int) -> dict:
    return shape_typed(view, plans, now).model_dump()


def shape_invoice(invoice: dict) -> dict:
    from server_bridge.billing.invoices import shape_invoice as shape

    return shape(Invoice.model_validate(invoice)).model_dump()


def upcoming(amount_due: int, starting_balance: int = 0) -> dict:
    """Stripe's preview of sub_1's next invoice, as next_bill stores it."""
    return {"object": "upcoming_invoice", "id": "cus_1", "customer": "cus_1", "subscription": "sub_1",
            "invoice": {"object": "invoice", "amount_due": amount_due, "currency": "usd",
                        "starting_balance": starting_balance, "next_payment_attempt": PERIOD_END + 3600}}


def view(**fields: object) -> OwnerBilling:
    customer = {"id": "cus_1", "object": "customer", "invoice_settings": {"default_payment_method": "pm_1"}}
    defaults: dict = {"customer": customer, "subscriptions": [subscription()], "prices": PRICES,
                      "upcoming": upcoming(2500),
                      "products": PRODUCTS, "payment_methods": {"pm_1": card(12, 2030)}, "as_of": NOW - 5}
    return OwnerBilling(**{**defaults, **fields})


def test_an_active_pro_owner() -> None:
    summary = shape_summary(view(), PLANS, NOW)
    assert summary["plan"] == {"key": "pro", "name": "Pro", "amount": 2500, "currency": "usd", "interval": "month"}
    assert summary["status"] == "active"
    assert summary["current_period_end"] == PERIOD_END
    assert summary["next_invoice"] == {"amount": 2500, "currency": "usd", "date": PERIOD_END}
    assert summary["card"] == {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030,
                               "expires_before_next_bill": False}
    assert summary["pending_change"] is None and summary["last_payment_failed"] is False
    assert summary["as_of"] == NOW - 5


def test_an_owner_without_a_subscription() -> None:
    summary = shape_summary(view(subscriptions=[]), PLANS, NOW)
    assert summary["plan"] is None and summary["status"] == "none"
    assert summary["next_invoice"] is None and summary["current_period_end"] is None


def test_a_card_that_runs_out_before_the_next_bill() -> None:
    summary = shape_summary(view(payment_methods={"pm_1": card(11, 2026)}), PLANS, NOW)
    assert summary["card"]["expires_before_next_bill"] is True


def test_a_card_is_good_through_the_end_of_its_month() -> None:
    assert card_valid_until(12, 2026) == calendar.timegm((2027, 1, 1, 0, 0, 0))
    last_second = calendar.timegm((2026, 12, 31, 23, 59, 59))
    december = PaymentMethod.model_validate(card(12, 2026))
    assert card_view(december, last_second).expires_before_next_bill is False
    assert card_view(december, last_second + 1).expires_before_next_bill is True


def test_the_subscriptions_own_card_when_the_customer_has_none() -> None:
    customer = {"id": "cus_1", "object": "customer", "invoice_settings": {"default_payment_method": None}}
    summary = shape_summary(view(customer=customer, subscriptions=[subscription(default_payment_method="pm_1")]),
                            PLANS, NOW)
    assert summary["card"]["last4"] == "4242"


def test_a_cancellation_at_period_end_has_no_next_invoice() -> None:
    summary = shape_summary(view(subscriptions=[subscription(cancel_at_period_end=True, cancel_at=PERIOD_END)]),
                            PLANS, NOW)
    assert summary["cancel_at_period_end"] is True and summary["cancel_at"] == PERIOD_END
    assert summary["next_invoice"] is None


def test_a_scheduled_downgrade_shows_as_pending_and_in_the_next_bill() -> None:
    schedule = {"id": "sub_sched_1", "object": "subscription_schedule", "customer": "cus_1", "subscription": "sub_1",
                "status": "active", "current_phase": {"start_date": NOW - 86400, "end_date": PERIOD_END},
                "phases": [{"start_date": NOW - 86400, "end_date": PERIOD_END, "items": [{"price": "price_pro"}]},
                           {"start_date": PERIOD_END, "end_date": PERIOD_END + 30 * 86400,
                            "items": [{"price": "price_starter"}]}]}
    summary = shape_summary(view(schedules=[schedule], upcoming=upcoming(1000)), PLANS, NOW)
    assert summary["pending_change"] == {"plan": {"key": "starter", "name": "Starter", "amount": 1000,
                                                  "currency": "usd", "interval": "month"},
                                         "effective_at": PERIOD_END}
    assert summary["next_invoice"]["amount"] == 1000


def test_a_failed_last_payment() -> None:
    failed = {"id": "in_9", "object": "invoice", "status": "open", "attempt_count": 1}
    summary = shape_summary(view(subscriptions=[subscription(status="past_due")], latest_invoice=failed), PLANS, NOW)
    assert summary["status"] == "past_due" and summary["last_payment_failed"] is True
    paid = {**failed, "status": "paid"}
    assert shape_summary(view(latest_invoice=paid), PLANS, NOW)["last_payment_failed"] is False


def test_a_canceled_subscription_is_shown_but_has_no_next_bill() -> None:
    summary = shape_summary(view(subscriptions=[subscription(status="canceled")]), PLANS, NOW)
    assert summary["status"] == "canceled" and summary["plan"]["key"] == "pro"
    assert summary["next_invoice"] is None and summary["current_period_end"] is None


def test_an_invoice_uses_its_subscription_lines_period() -> None:
    invoice = {"id": "in_1", "object": "invoice", "number": "ABC-0001", "status": "paid", "total": 2500,
               "amount_due": 2500, "amount_paid": 2500, "currency": "usd", "created": NOW, "period_start": NOW,
               "period_end": NOW, "hosted_invoice_url": "http://x/i/in_1", "invoice_pdf": "http://x/i/in_1/pdf",
               "lines": {"data": [{"period": {"start": NOW, "end": PERIOD_END}}]}}
    shaped = shape_invoice(invoice)
    assert (shaped["period_start"], shaped["period_end"]) == (NOW, PERIOD_END)
    assert shaped["has_pdf"] is True
    assert shape_invoice({**invoice, "invoice_pdf": None, "status": "draft"})["has_pdf"] is False


def test_pdf_file_names_are_safe() -> None:
    assert pdf_filename(Invoice(id="in_1", number="ABC-0001")) == "invoice-ABC-0001.pdf"
    assert pdf_filename(Invoice(id="in_1", number='../"evil')) == "invoice-evil.pdf"



def test_expanded_objects_are_stored_apart() -> None:
    customer = {"id": "cus_1", "object": "customer",
                "invoice_settings": {"default_payment_method": card(1, 2030), "footer": None}}
    main, nested = split_expanded(customer)
    assert main["invoice_settings"] == {"default_payment_method": "pm_1", "footer": None}
    assert nested == [card(1, 2030)]
    assert customer["invoice_settings"]["default_payment_method"]["id"] == "pm_1"


def test_the_next_bill_is_stripes_preview_not_price_times_quantity() -> None:
    summary = shape_summary(view(upcoming=upcoming(0, starting_balance=-1234)), PLANS, NOW)
    assert summary["next_invoice"] == {"amount": 0, "currency": "usd", "date": PERIOD_END}
    assert summary["credit"] == {"amount": 1234, "currency": "usd"}
    assert shape_summary(view(upcoming=upcoming(2500)), PLANS, NOW)["credit"] is None
    other = {**upcoming(999), "subscription": "sub_other"}
    assert shape_summary(view(upcoming=other), PLANS, NOW)["next_invoice"] is None
    none_coming = {**upcoming(0), "invoice": None}
    assert shape_summary(view(upcoming=none_coming), PLANS, NOW)["next_invoice"] is None


def test_cancellation_and_a_scheduled_downgrade_show_one_future() -> None:
    schedule = {"id": "sub_sched_1", "object": "subscription_schedule", "customer": "cus_1", "subscription": "sub_1",
                "status": "active", "current_phase": {"start_date": NOW - 86400, "end_date": PERIOD_END},
                "phases": [{"start_date": NOW - 86400, "end_date": PERIOD_END, "items": [{"price": "price_pro"}]},
                           {"start_date": PERIOD_END, "end_date": PERIOD_END + 30 * 86400,
                            "items": [{"price": "price_starter"}]}]}
    canceling = subscription(cancel_at_period_end=True, cancel_at=PERIOD_END)
    summary = shape_summary(view(subscriptions=[canceling], schedules=[schedule]), PLANS, NOW)
    assert summary["cancel_at"] == PERIOD_END and summary["pending_change"] is None
    assert summary["next_invoice"] is None and summary["plan"]["key"] == "pro"


def test_a_failed_payment_says_what_is_owed_and_when_stripe_tries_again() -> None:
    failed = {"id": "in_9", "object": "invoice", "status": "open", "attempt_count": 2, "amount_remaining": 1000,
              "currency": "usd", "next_payment_attempt": NOW + 3 * 86400}
    summary = shape_summary(view(subscriptions=[subscription(status="past_due")], latest_invoice=failed), PLANS, NOW)
    assert summary["payment_due"] == {"invoice_id": "in_9", "amount": 1000, "currency": "usd",
                                      "next_attempt": NOW + 3 * 86400}
    assert summary["if_unpaid"] == "cancel"
    assert shape_invoice({**failed, "created": NOW})["payment_failed"] is True
    assert shape_invoice({**failed, "created": NOW, "attempt_count": 0})["payment_failed"] is False
