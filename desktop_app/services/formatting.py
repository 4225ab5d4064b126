"""Amounts, dates and states in the owner's words and locale.

The UI passes the locale it gets from Qt; without one, the process locale (LC_ALL, LANG) or en_US.
babel loads on the first call (the app's is on a worker thread), not when the window's modules import.
The amounts and dates a cached view shows are saved with it (texts_for) and remembered here at start-up
(remember), so the first paint from the cache formats without loading babel at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

    from .answers import Invoice, Plan, Summary

FALLBACK_LOCALE = "en_US"
_remembered: dict[str, str] = {}   # texts_for() keys -> text; only for an explicit locale


def _money_key(amount: int, currency: str, locale: str) -> str:
    return f"m|{amount}|{(currency or 'usd').lower()}|{locale}"


def _day_key(ts: int | float, locale: str) -> str:
    return f"d|{dt.datetime.fromtimestamp(ts).date().isoformat()}|{locale}"


def remember(texts: Mapping[str, str]) -> None:
    """Texts saved by texts_for (with a cached view): money() and day() answer them without babel."""
    _remembered.update({k: v for k, v in texts.items() if isinstance(k, str) and isinstance(v, str)})


def loaded() -> bool:
    """Whether babel is in memory: callers with a cheaper fallback (a status line) use it before then."""
    return "babel.dates" in sys.modules


def texts_for(summary: Summary | None, plans: Iterable[Plan], invoices: Iterable[Invoice], locale: str) -> dict[str, str]:
    """Every amount and date the overview, plans and invoices show for this data, formatted in locale."""
    amounts: set[tuple[int, str]] = set()
    stamps: set[int] = set()
    shown_plans = list(plans)
    if summary is not None:
        pending = summary.pending_change
        shown_plans += [p for p in (summary.plan, pending.plan if pending else None) if p is not None]
        if summary.next_invoice is not None:
            amounts.add((summary.next_invoice.amount, summary.next_invoice.currency))
            stamps.add(summary.next_invoice.date)
        stamps.update(t for t in (summary.current_period_end, summary.trial_end, summary.cancel_at,
                                  pending.effective_at if pending else None) if t)
    amounts.update((p.amount, p.currency) for p in shown_plans)
    for invoice in invoices:
        amounts.add((invoice.total, invoice.currency))
        stamps.update(t for t in (invoice.created, invoice.period_start, invoice.period_end) if t)
    texts = {_money_key(a, c, locale): money(a, c, locale) for a, c in amounts}
    texts.update({_day_key(t, locale): day(t, locale) for t in stamps})
    return texts


@functools.lru_cache(maxsize=1)
def default_locale() -> str:
    import babel
    name = babel.default_locale(("LC_ALL", "LANG"))
    if not name or name.endswith("_POSIX") or name in {"C", "POSIX"}:
        return FALLBACK_LOCALE
    return name


@functools.lru_cache(maxsize=64)
def _locale(locale: str | None) -> Locale:
    """Parsing a locale scans every locale name babel knows; a page of amounts would pay that per cell."""
    from babel import Locale, UnknownLocaleError
    name = locale or default_locale()
    try:
        return Locale.parse(name.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return Locale.parse(FALLBACK_LOCALE)


def major_units(amount: int, currency: str) -> Decimal:
    """A Stripe amount, given in the currency's minor unit (cents; yen for JPY, a zero-decimal currency),
    in the currency's own unit, with its usual number of decimals (CLDR's, through babel)."""
    from babel.numbers import get_currency_precision
    try:
        digits = get_currency_precision((currency or "usd").upper())
    except (KeyError, ValueError):
        digits = 2
    return Decimal(amount).scaleb(-digits)


def money(amount: int, currency: str, locale: str | None = None) -> str:
    """`amount` in the currency's minor unit, as Stripe and the bridge send it, written the locale's way."""
    if locale and (text := _remembered.get(_money_key(amount, currency, locale))) is not None:
        return text
    from babel.numbers import format_currency
    return format_currency(major_units(amount, currency), (currency or "usd").upper(), locale=_locale(locale))


def day(ts: int | float | None, locale: str | None = None) -> str:
    """A date (in the owner's local time zone) the way the owner's locale writes it: "Jan 3, 2027"; "" for None."""
    if ts is None:
        return ""
    if locale and (text := _remembered.get(_day_key(ts, locale))) is not None:
        return text
    from babel.dates import format_date
    date = dt.datetime.fromtimestamp(ts).date()
    return format_date(date, "medium", locale=_locale(locale))


def qt_date_format(locale: str | None = None) -> str:
    """day()'s pattern in Qt's date-format syntax, for date editors: "MMM d, yyyy" in en_US, "dd.MM.yyyy" in
    de_DE. CLDR letters Qt lacks (era, stand-alone forms) become their nearest Qt letter or go."""
    import re

    from babel.dates import get_date_format
    pattern = get_date_format("medium", locale=_locale(locale)).pattern

    def letters(match: re.Match[str]) -> str:
        run = match.group(0)
        if run.startswith("'"):
            return run
        letter, count = run[0], len(run)
        if letter in "yu":
            return "yy" if count == 2 else "yyyy"
        if letter in "ML":
            return "M" * min(count, 4)
        if letter == "d":
            return "d" * min(count, 2)
        if letter in "Ec":
            return "dddd" if count >= 4 else "ddd"
        return ""   # era and the like: no Qt letter

    text = re.sub(r"'[^']*'|([A-Za-z])\1*", letters, pattern)
    return re.sub(r"\s{2,}", " ", text).strip(" ,")


def clock_time(ts: int | float, locale: str | None = None) -> str:
    """A time of day the locale's short way ("3:07 PM" in en_US, "15:07" in de_DE), without babel until loaded."""
    moment = dt.datetime.fromtimestamp(ts)
    if not loaded():   # a status line painted from the cache at start-up: 24-hour time until babel is in
        return moment.strftime("%H:%M")
    from babel.dates import format_time
    return format_time(moment.time(), "short", locale=_locale(locale))


def age(seconds: float, locale: str | None = None) -> str:
    """How old something is: "just now", "5 minutes ago", "3 days ago"."""
    if seconds < 60:
        return "just now"
    from babel.dates import format_timedelta
    return format_timedelta(-dt.timedelta(seconds=seconds), add_direction=True, locale=_locale(locale))


_PERIOD = {"month": "month", "year": "year", "week": "week", "day": "day"}


def plan_price(plan: Plan, locale: str | None = None) -> str:
    """What a plan costs per period: "$25.00 / month"."""
    return f"{money(plan.amount, plan.currency, locale)} / {_PERIOD.get(plan.interval, plan.interval)}"


def plan_cost_words(summary: Summary | None, locale: str | None = None) -> str:
    """The plan's cost in a sentence, for the overview beside the sales: "Your Pro plan costs $25.00 a month"."""
    if summary is None or summary.plan is None or not summary.has_subscription:
        return "You have no plan yet"
    plan = summary.plan
    return (f"Your {plan.name} plan costs {money(plan.amount, plan.currency, locale)} "
            f"a {_PERIOD.get(plan.interval, plan.interval)}")


_INVOICE_STATUS = {"paid": "Paid", "open": "Due", "draft": "Draft", "void": "Void", "uncollectible": "Unpaid"}


def invoice_status(invoice: Invoice, locale: str | None = None) -> str:
    """Paid, Due, ... and what a plain status would hide: a failed payment (and its retry), a refund."""
    if invoice.refunded:
        return "Refunded"
    if invoice.payment_failed and invoice.status == "open":
        retry = f", retry {day(invoice.next_payment_attempt, locale)}" if invoice.next_payment_attempt else ""
        return f"Payment failed{retry}"
    if invoice.payment_failed:
        return "Payment failed"
    if invoice.amount_refunded:
        return f"Partly refunded ({money(invoice.amount_refunded, invoice.currency, locale)})"
    return _INVOICE_STATUS.get(invoice.status, invoice.status.replace("_", " ").capitalize())


_STATUS = {
    "active": "Active",
    "trialing": "Trialing",
    "past_due": "Past due",
    "unpaid": "Unpaid",
    "canceled": "Canceled",
    "incomplete": "Waiting for the first payment",
    "incomplete_expired": "First payment failed",
    "paused": "Paused",
    "none": "No plan yet",
}


def status_words(summary: Summary | None, locale: str | None = None) -> str:
    """The subscription's state in one phrase: "Active", "Trialing until Jan 3, 2027", "Cancels on ...",
    "Past due", "Canceled", "No plan yet". Payment trouble is named before a scheduled cancellation."""
    if summary is None or summary.plan is None or summary.status == "none":
        return _STATUS["none"]
    status = summary.status
    if status in ("canceled", "past_due", "unpaid", "incomplete", "incomplete_expired"):
        return _STATUS[status]
    ends = summary.cancel_at or (summary.current_period_end if summary.cancel_at_period_end else None)
    if ends:
        return f"Cancels on {day(ends, locale)}"
    if summary.cancel_at_period_end:
        return "Cancels at the end of this period"
    if status == "trialing" and summary.trial_end:
        return f"Trialing until {day(summary.trial_end, locale)}"
    return _STATUS.get(status, status.replace("_", " ").capitalize())
