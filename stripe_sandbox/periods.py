"""Calendar arithmetic for billing periods, proration by the second, and dates as people read them."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from babel.dates import format_date

from stripe_sandbox.money import LOCALE

DAY = 86_400


def day_start(ts: int) -> int:
    """Midnight (UTC) of the day `ts` falls on."""
    return ts - ts % DAY


def add_months(ts: int, months: int, anchor_day: int) -> int:
    """`ts` moved by whole months, on the anchor day (clamped to the month's last day)."""
    moment = dt.datetime.fromtimestamp(ts, dt.timezone.utc)
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(anchor_day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def next_period_end(start: int, price: dict[str, Any], anchor_day: int) -> int:
    recurring = price.get("recurring") or {"interval": "month", "interval_count": 1}
    count = recurring.get("interval_count") or 1
    interval = recurring["interval"]
    if interval == "month":
        return add_months(start, count, anchor_day)
    if interval == "year":
        return add_months(start, 12 * count, anchor_day)
    return start + count * (7 * DAY if interval == "week" else DAY)


def day_text(ts: int) -> str:
    moment = dt.datetime.fromtimestamp(ts, dt.timezone.utc)
    return f"{moment.day} {moment.strftime('%b %Y')}"


def prorate(amount: int, start: int, end: int, at: int) -> int:
    if end <= start:
        return 0
    return round(amount * (end - at) / (end - start))


def day(ts: int | None) -> str:
    """A Unix timestamp as a calendar day (UTC), or an empty string for none."""
    if not ts:
        return ""
    return format_date(dt.datetime.fromtimestamp(ts, dt.timezone.utc), "medium", locale=LOCALE)


def period(start: int | None, end: int | None) -> str:
    if not start and not end:
        return ""
    if start == end or not end:
        return day(start)
    return f"{day(start)} \u2013 {day(end)}"
