"""The earnings answers, words, tray notes and cache on their own (no bridge): what the owner would read."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import msgspec
import pytest

from desktop_app.services import UnexpectedResponse, write_transactions_csv
from desktop_app.services.answers import decode
from desktop_app.services.earnings import (Balance, ConnectAccount, EarningsView, PayoutDetail, PayoutPage, SalePage,
                                           SalesSeries)
from desktop_app.services.earnings_cache import EarningsCache
from desktop_app.services.earnings_notes import news
from desktop_app.services.earnings_words import (account_sentence, below_zero_words, import_words, payout_when,
                                                 requirement_line, schedule_words, things_due)

DAY = 86400
DEADLINE = 1767268800   # 2026-01-01 12:00 UTC: Jan 1 in every time zone from UTC-11 to UTC+11

ACCOUNT = {
    "status": "action_required", "charges_enabled": True, "payouts_enabled": False, "details_submitted": True,
    "dashboard": "express",
    "requirements": [{"code": "external_account", "title": "Add a bank account", "due": "currently_due", "error": None},
                     {"code": "individual.verification.document", "title": "Upload a photo ID", "due": "past_due",
                      "error": "The photo was too blurry"},
                     {"code": "company.tax_id", "title": "Add your tax ID", "due": "eventually_due", "error": None}],
    "deadline": DEADLINE, "disabled_reason": "requirements.past_due",
    "payout_schedule": {"interval": "daily", "delay_days": 2, "weekly_anchor": None, "monthly_anchor": None},
    "default_currency": "usd", "a_field_from_a_newer_bridge": 1,
    "sales_import": {"state": "running", "imported": 2300, "estimated_total": 5000, "started_at": 1, "finished_at": None,
                     "error": None},
    "as_of": 1764000000,
}


def account(**changes: object) -> ConnectAccount:
    return decode(ConnectAccount, json.dumps({**ACCOUNT, **changes}), "account")


def payout(n: int, status: str, **changes: object) -> dict:
    return {"id": f"po_{n}", "amount": 12345, "currency": "usd", "status": status, "arrival_date": DEADLINE + n * DAY,
            "created": DEADLINE - DAY, "automatic": True, "method": "standard", "description": None,
            "failure_code": None, "failure_message": None, "reconciliation_status": "completed", **changes}


def test_an_account_decodes_with_its_checklist_most_urgent_first() -> None:
    acct = account()
    assert acct.payout_schedule is not None and acct.payout_schedule.delay_days == 2
    assert [r.title for r in things_due(acct)] == ["Upload a photo ID", "Add a bank account"]
    assert requirement_line(things_due(acct)[0]) == "Upload a photo ID (overdue): The photo was too blurry"
    assert account_sentence(acct, "en_US") == ("Stripe needs more information from you by Jan 1, 2026. "
                                               "Payouts are paused until you do.")
    assert import_words(acct) == "Importing your sales: 2,300 of ~5,000"
    assert schedule_words(acct.payout_schedule) == "Payouts: every day, 2 days after each sale"


@pytest.mark.parametrize("changes, words", [
    ({"status": "not_started", "requirements": [], "dashboard": "none"}, "You are not taking payments yet"),
    ({"status": "onboarding", "details_submitted": False}, "not set up yet"),
    ({"status": "pending_verification", "requirements": [], "charges_enabled": False, "payouts_enabled": False},
     "Stripe is reviewing your account; there is nothing for you to do. Payments and payouts are paused meanwhile."),
    ({"status": "restricted", "requirements": [], "disabled_reason": "under_review"}, "Stripe is reviewing your account"),
    ({"status": "active", "requirements": [], "payouts_enabled": True}, "Your account is active"),
    ({"status": "action_required", "payouts_enabled": True, "deadline": None},
     "Stripe needs more information from you."),
    ({"status": "action_required", "payouts_enabled": True},
     "Stripe needs more information from you by Jan 1, 2026, or payouts will be paused."),
    ({"status": "action_required", "deadline": None, "requirements": [
        {"code": "external_account", "title": "Add a bank account", "due": "currently_due"}]},
     "Stripe needs more information from you. Payouts are paused until you do."),
    ({"status": "rejected", "requirements": [], "charges_enabled": False}, "Stripe has closed this account"),
])
def test_every_status_reads_as_one_plain_sentence(changes: dict, words: str) -> None:
    assert words in account_sentence(account(**changes), "en_US")


@pytest.mark.parametrize("body, what", [
    (b'{"status": 3}', "account status"),
    (b'{"requirements": []}', "account status"),
    (b"<html>", "account status"),
])
def test_a_broken_answer_is_one_clear_error(body: bytes, what: str) -> None:
    with pytest.raises(UnexpectedResponse, match=f"billing server's {what}"):
        decode(ConnectAccount, body, what)


def test_payouts_say_expected_until_paid_and_never_invent_a_date() -> None:
    page = decode(PayoutPage, json.dumps({"data": [payout(1, "in_transit"), payout(2, "paid"),
                                                   payout(3, "failed", failure_message="The bank account is closed."),
                                                   payout(4, "pending", arrival_date=None)],
                                          "has_more": True}), "payouts")
    words = [payout_when(p, "en_US") for p in page.data]
    assert words == ["Expected Jan 2, 2026", "Arrived Jan 3, 2026", "Did not arrive: The bank account is closed.",
                     "Expected date not known yet"]
    assert page.has_more


def test_sales_series_and_breakdown_decode() -> None:
    sales = decode(SalePage, json.dumps({"data": [{"id": "ch_1", "created": 1, "currency": "usd", "gross": 2500,
                                                   "refunded": 0, "stripe_fee": None, "platform_fee": 125, "net": 2375,
                                                   "status": "disputed", "description": "Order #1",
                                                   "customer_email": "ann@example.com",
                                                   "dispute": {"id": "dp_1", "amount": 2500, "status": "needs_response",
                                                               "reason": "fraudulent", "evidence_due_by": DEADLINE}}],
                                         "has_more": False}), "sales")
    assert sales.data[0].stripe_fee is None and sales.data[0].dispute is not None and sales.data[0].dispute.open
    series = decode(SalesSeries, json.dumps({"bucket": "month", "start": 0, "end": 10, "series": [
        {"currency": "eur", "points": [{"start": 0, "gross": 100, "net": 90, "fees": 10, "count": 1}]},
        {"currency": "usd", "points": [{"start": 0, "net": 500}, {"start": 5, "net": 250}]}]}), "series")
    assert series.net_by_currency() == {"eur": 90, "usd": 750}
    detail = decode(PayoutDetail, json.dumps({"payout": payout(1, "paid"), "breakdown": [
        {"category": "sales", "amount": 15000, "count": 6}, {"category": "stripe_fees", "amount": -2655, "count": 6}]}),
        "payout")
    assert sum(line.amount for line in detail.breakdown) == detail.payout.amount
    assert decode(Balance, b'{"balances": [{"currency": "usd", "available": -500}], "as_of": 1}', "b").balances[0].pending == 0


def view_with(payouts: list[dict], *, requirements: bool = True, disputes: bool = False) -> EarningsView:
    acct = account() if requirements else account(requirements=[], status="active", payouts_enabled=True)
    page = decode(PayoutPage, json.dumps({"data": payouts}), "payouts")
    sales = decode(SalePage, json.dumps({"data": [{
        "id": "ch_9", "created": 1, "currency": "usd", "gross": 4000, "status": "disputed",
        "customer_email": "bob@example.com",
        "dispute": {"id": "dp_9", "amount": 4000, "status": "needs_response", "evidence_due_by": DEADLINE}}]
        if disputes else []}), "sales")
    return EarningsView(account=acct, payouts=page.data, disputes=sales.data)


def test_tray_notes_are_told_once_and_history_stays_quiet_on_a_first_look() -> None:
    told: set[str] = set()
    first = news(view_with([payout(1, "paid"), payout(2, "failed", failure_message="The bank account is closed.")]),
                 told, first_look=True, locale="en_US")
    assert [n.text for n in first] == [
        "Payout of $123.45 failed: The bank account is closed.",
        "Stripe needs something from you by Jan 1, 2026: Upload a photo ID.",
        "Stripe needs something from you by Jan 1, 2026: Add a bank account."]
    later = news(view_with([payout(3, "in_transit"), payout(1, "paid"), payout(2, "failed")], disputes=True),
                 told, first_look=False, locale="en_US")
    assert [n.text for n in later] == ["A customer from bob@example.com disputed a payment of $40.00. "
                                       "Send your evidence by Jan 1, 2026."]
    paid = news(view_with([payout(3, "paid")], disputes=True), told, first_look=False, locale="en_US")
    assert [n.text for n in paid] == ["Payout of $123.45 arrived in your bank account."]
    assert news(view_with([payout(3, "paid")], disputes=True), told, first_look=False) == []


def test_the_cache_keeps_the_view_and_drops_a_broken_file(tmp_path: Path) -> None:
    cache = EarningsCache(tmp_path)
    view = view_with([payout(1, "paid")], disputes=True)
    view.saved_at, view.told = 123.0, ("payout:po_1:paid",)
    cache.save("http://b|pro@demo.test", view)
    assert cache.load("http://b|pro@demo.test") == view
    assert cache.load("http://b|other@demo.test") is None
    path = cache.path_for("http://b|pro@demo.test")
    path.write_bytes(b'{"version": 1, "account": 5')
    assert cache.load("http://b|pro@demo.test") is None and not path.exists()
    path.write_bytes(b'{"version": 99}')
    assert cache.load("http://b|pro@demo.test") is None
    path.write_bytes(b'{"version": 1, "payouts": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    assert cache.load("http://b|pro@demo.test") is None   # deep nesting: set aside, not a RecursionError
    assert not path.exists() and path.with_name(path.name + ".unreadable").exists()
    cache.save("http://b|pro@demo.test", view)
    assert cache.load("http://b|pro@demo.test") == view


def test_payout_transactions_export_as_plain_numbers(tmp_path: Path) -> None:
    from desktop_app.services.earnings import TransactionPage
    page = decode(TransactionPage, json.dumps({"data": [
        {"id": "txn_1", "type": "charge", "reporting_category": "charge", "amount": 2500, "fee": 228, "net": 2272,
         "currency": "usd", "created": DEADLINE, "available_on": DEADLINE + 2 * DAY, "description": "=HYPERLINK()"},
        {"id": "txn_2", "type": "refund", "amount": -1000, "fee": 0, "net": -1000, "currency": "jpy", "created": DEADLINE}],
        "has_more": False}), "transactions")
    target = tmp_path / "payout.csv"
    write_transactions_csv(page.data, target)
    rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:7] == ["Date", "Type", "Category", "Description", "Amount", "Fee", "Net"]
    assert rows[1][3] == "'=HYPERLINK()" and rows[1][4:7] == ["25.00", "2.28", "22.72"]
    assert rows[2][4] == "-1000" and rows[2][7] == "JPY"


def test_a_balance_below_zero_is_explained_not_just_shown() -> None:
    """A refund or dispute can take more than the owner had available: the page says what happens next."""
    from desktop_app.services.earnings import CurrencyBalance
    assert below_zero_words((CurrencyBalance("usd", available=12_00, pending=5_00),)) == ""
    assert below_zero_words(()) == ""
    words = below_zero_words((CurrencyBalance("usd", available=-54_50, pending=191_26),))
    assert words == ("Below zero: refunds or disputes took more than was available. Stripe takes it from "
                     "your next sales before paying you again.")
    several = below_zero_words((CurrencyBalance("eur", available=3_00), CurrencyBalance("usd", available=-1)))
    assert "Below zero (USD)" in several


def test_the_overview_never_shows_a_partial_month_as_the_months_sales() -> None:
    """While the bridge still imports past sales, "this month: $0.00 net" would be wrong: it says how far
    the import has got instead, and the month's net once it is done."""
    from desktop_app.services.earnings import CurrencySeries, SalesImport, SalesSeries, SeriesPoint
    from desktop_app.services.earnings_words import sales_words

    month = SalesSeries(series=(CurrencySeries("usd", (SeriesPoint(start=0, net=4_623_62),)),))
    active = account(status="active", requirements=[], payouts_enabled=True)
    importing = msgspec.structs.replace(active, sales_import=SalesImport("running", 2_300, 5_000))
    assert sales_words(EarningsView(account=importing, month=None), "en_US") == (
        "Importing your sales (2,300 of ~5,000); this month's total shows when it is done")
    starting = msgspec.structs.replace(active, sales_import=SalesImport("running", 0, None))
    assert sales_words(EarningsView(account=starting, month=month), "en_US") == (
        "Importing your sales; this month's total shows when it is done")
    done = msgspec.structs.replace(active, sales_import=SalesImport("done", 5_012, 5_000))
    assert sales_words(EarningsView(account=done, month=month), "en_US") == "Your sales this month: $4,623.62 net"
    assert sales_words(EarningsView(account=account(status="not_started", requirements=[], dashboard="none")),
                       "en_US") == "You are not taking payments yet."
    assert sales_words(None, "en_US") == ""


def test_this_months_sales_window_runs_to_the_first_of_the_next_month_even_in_december() -> None:
    from desktop_app.services.earnings import month_end, month_start

    mid_december = dt.datetime(2026, 12, 8, 15, 30).timestamp()
    start = month_start(mid_december)
    assert dt.datetime.fromtimestamp(start) == dt.datetime(2026, 12, 1)
    assert dt.datetime.fromtimestamp(month_end(start)) == dt.datetime(2027, 1, 1)
