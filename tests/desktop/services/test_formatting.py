from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from desktop_app.services import Invoice, PlanOffer, Summary, age, day, formatting, money, status_words
from desktop_app.services.formatting import default_locale
from tests.support import desktop_samples

NBSP = "\xa0"


@pytest.mark.parametrize("amount, currency, locale, expected", [
    (2500, "usd", "en_US", "$25.00"),
    (123450, "eur", "en_US", "€1,234.50"),
    (2500, "jpy", "en_US", "¥2,500"),
    (2500, "usd", "de_DE", f"25,00{NBSP}$"),
    (123450, "eur", "de_DE", f"1.234,50{NBSP}€"),
    (2500, "jpy", "de_DE", f"2.500{NBSP}¥"),
    (2500, "usd", "ja_JP", "$25.00"),
    (123450, "eur", "ja_JP", "€1,234.50"),
    (2500, "jpy", "ja_JP", "￥2,500"),
    (-1450, "usd", "en_US", "-$14.50"),
    (1000, "krw", "en_US", "₩1,000"),       # zero-decimal, like JPY
    (1500, "bhd", "en_US", "BHD1.500"),     # three decimals
])
def test_money_in_the_owners_locale(amount: int, currency: str, locale: str, expected: str) -> None:
    assert money(amount, currency, locale) == expected


def test_money_with_a_bad_locale_falls_back() -> None:
    assert money(2500, "usd", "xx_NOPE") == "$25.00"


def test_default_locale_is_usable() -> None:
    assert money(100, "usd", None) and default_locale()


def ts(y: int, m: int, d: int) -> int:
    return int(dt.datetime(y, m, d, 12).timestamp())


def test_day() -> None:
    assert day(ts(2027, 1, 3), "en_US") == "Jan 3, 2027"
    assert day(ts(2027, 1, 3), "de_DE") == "03.01.2027"
    assert day(ts(2027, 1, 3), "ja_JP") == "2027/01/03"
    assert day(None) == ""


@pytest.mark.parametrize("changes, expected", [
    ({}, "Active"),
    ({"status": "trialing", "trial_end": ts(2027, 1, 3)}, "Trialing until Jan 3, 2027"),
    ({"status": "past_due"}, "Past due"),
    ({"status": "unpaid"}, "Unpaid"),
    ({"cancel_at_period_end": True, "current_period_end": ts(2027, 1, 3)}, "Cancels on Jan 3, 2027"),
    ({"cancel_at": ts(2027, 1, 3)}, "Cancels on Jan 3, 2027"),
    ({"status": "canceled"}, "Canceled"),
    ({"plan": None, "status": "none"}, "No plan yet"),
    ({"status": "paused"}, "Paused"),
    ({"status": "something_new"}, "Something new"),
])
def test_status_words(changes: dict, expected: str) -> None:
    assert status_words(Summary.from_json(desktop_samples.summary(**changes)), "en_US") == expected


def test_status_words_without_a_summary() -> None:
    assert status_words(None) == "No plan yet"


@pytest.mark.parametrize("seconds, expected", [
    (0, "just now"), (30, "just now"), (5 * 60, "5 minutes ago"), (3 * 3600, "3 hours ago"),
    (2 * 86400, "2 days ago"),
])
def test_age(seconds: float, expected: str) -> None:
    assert age(seconds, "en_US") == expected


@pytest.fixture
def remembered() -> Iterator[dict[str, str]]:
    """Texts remembered by a test are forgotten after it: other tests format with babel."""
    saved = dict(formatting._remembered)
    yield formatting._remembered
    formatting._remembered.clear()
    formatting._remembered.update(saved)


def test_saved_texts_are_what_babel_writes_for_every_amount_and_date_shown(remembered: dict[str, str]) -> None:
    pending = {"plan": {k: desktop_samples.STARTER[k] for k in ("key", "name", "amount", "currency", "interval")},
               "effective_at": 1801612800}
    summary = Summary.from_json(desktop_samples.summary(pending_change=pending, trial_end=1790000000, cancel_at=1795000000))
    plans = [PlanOffer.from_json(desktop_samples.STARTER), PlanOffer.from_json(desktop_samples.PRO)]
    invoices = [Invoice.from_json(desktop_samples.invoice(n, currency="eur" if n else "jpy", total=123456)) for n in range(3)]
    texts = formatting.texts_for(summary, plans, invoices, "de_DE")
    assert texts and set(texts.values()) >= {money(2500, "usd", "de_DE"), money(1000, "usd", "de_DE"),
                                             money(123456, "eur", "de_DE"), money(123456, "jpy", "de_DE"),
                                             day(1801612800, "de_DE"), day(1790000000, "de_DE"),
                                             day(1795000000, "de_DE"), day(invoices[2].period_end, "de_DE")}
    formatting.remember(texts)
    assert {money(123456, "jpy", "de_DE"), day(1801612800, "de_DE")} <= set(texts.values())


def test_remembered_texts_answer_only_their_own_locale(remembered: dict[str, str]) -> None:
    plan = PlanOffer.from_json(desktop_samples.PRO)
    texts = formatting.texts_for(None, [plan], [], "en_US")
    assert texts == {"m|2500|usd|en_US": "$25.00"}
    formatting.remember({key: "twenty-five dollars" for key in texts})   # as if babel had said so
    assert money(2500, "usd", "en_US") == "twenty-five dollars"
    assert money(2500, "USD", "en_US") == "twenty-five dollars"
    assert money(2500, "usd", "de_DE") == "25,00\xa0$"
    assert money(2500, "usd") != "twenty-five dollars"   # no locale given: never from memory


def test_remembered_dates_follow_the_local_day(remembered: dict[str, str]) -> None:
    ts = 1798934400
    formatting.remember(formatting.texts_for(None, [], [Invoice.from_json(desktop_samples.invoice(0, created=ts))], "fr_FR"))
    assert day(ts, "fr_FR") == day(ts + 1, "fr_FR")
    formatting.remember({"d|" + dt.datetime.fromtimestamp(ts).date().isoformat() + "|fr_FR": "le jour"})
    assert day(ts, "fr_FR") == "le jour" and day(ts, "en_US") != "le jour"


@pytest.mark.parametrize("locale, expected", [
    ("en_US", "MMM d, yyyy"), ("de_DE", "dd.MM.yyyy"), ("fr_FR", "d MMM yyyy"), ("ja_JP", "yyyy/MM/dd"),
])
def test_date_editors_get_days_pattern_in_qts_letters(locale: str, expected: str) -> None:
    assert formatting.qt_date_format(locale) == expected


def test_clock_time_in_the_locale() -> None:
    ts = dt.datetime(2026, 9, 21, 15, 7).timestamp()
    day(ts, "en_US")   # babel in memory, as once the window has loaded it
    assert formatting.clock_time(ts, "en_US") == "3:07\u202fPM"
    assert formatting.clock_time(ts, "de_DE") == "15:07"


def test_a_plans_price_and_cost_in_words() -> None:
    summary = Summary.from_json(desktop_samples.summary())
    assert formatting.plan_price(PlanOffer.from_json(desktop_samples.STARTER), "en_US") == "$10.00 / month"
    assert formatting.plan_cost_words(summary, "en_US") == "Your Pro plan costs $25.00 a month"
    ended = Summary.from_json(desktop_samples.summary(status="canceled"))
    assert formatting.plan_cost_words(ended, "en_US") == formatting.plan_cost_words(None) == "You have no plan yet"
