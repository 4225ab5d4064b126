"""Amounts, dates and states in the owner's words and locale.

The UI passes the locale it gets from Qt; without one, the process locale (LC_ALL, LANG) or en_US.
babel loads on the first call (the app's is on a worker thread), not when the window's modules import.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

    from .models import Summary

FALLBACK_LOCALE = "en_US"


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


def money(amount: int, currency: str, locale: str | None = None) -> str:
    """`amount` is in the currency's minor unit, as Stripe and the bridge send it (cents; yen for JPY)."""
    from babel.numbers import format_currency, get_currency_precision
    code = (currency or "usd").upper()
    try:
        digits = get_currency_precision(code)
    except (KeyError, ValueError):
        digits = 2
    value = Decimal(amount).scaleb(-digits)
    return format_currency(value, code, locale=_locale(locale))


def day(ts: int | float | None, locale: str | None = None) -> str:
    """A date (in the owner's local time zone) the way the owner's locale writes it: "Jan 3, 2027"; "" for None."""
    if ts is None:
        return ""
    from babel.dates import format_date
    date = dt.datetime.fromtimestamp(ts).date()
    return format_date(date, "medium", locale=_locale(locale))


def age(seconds: float, locale: str | None = None) -> str:
    """How old something is: "just now", "5 minutes ago", "3 days ago"."""
    if seconds < 60:
        return "just now"
    from babel.dates import format_timedelta
    return format_timedelta(-dt.timedelta(seconds=seconds), add_direction=True, locale=_locale(locale))


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
