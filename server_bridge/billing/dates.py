"""Calendar arithmetic the bridge cannot leave to Stripe, by Stripe's rule for billing dates.

Schedules are Stripe's to compute (a phase is given a `duration`, not an end date); the bridge only
computes a date to show one before Stripe has made it, e.g. the end of the first period after a
downgrade it previews.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timezone

DAY = 86400


def add_interval(ts: int, interval: str, count: int = 1, *, anchor_day: int | None = None) -> int:
    """ts moved on by `count` intervals (day, week, month or year), the way Stripe bills.

    Months and years land on the billing anchor's day (`anchor_day`, by default ts's own day), or on
    the last day of a shorter month: anchored on the 31st, Jan 31 -> Feb 28 (29 in a leap year) -> Mar 31.
    The time of day is kept; everything is UTC.
    """
    if interval == "day":
        return ts + DAY * count
    if interval == "week":
        return ts + 7 * DAY * count
    if interval not in ("month", "year"):
        raise ValueError(f"not a billing interval: {interval!r}")
    start = datetime.fromtimestamp(ts, timezone.utc)
    months = start.month - 1 + count * (12 if interval == "year" else 1)
    year, month = start.year + months // 12, months % 12 + 1
    day = min(anchor_day or start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())


def day_of_month(ts: int) -> int:
    """The UTC day of the month of ts: the anchor day of a billing cycle anchored at ts."""
    return datetime.fromtimestamp(ts, timezone.utc).day
