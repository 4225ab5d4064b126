"""Calendar arithmetic the bridge cannot leave to Stripe."""

from __future__ import annotations

import calendar
from datetime import datetime, timezone


def add_interval(ts: int, interval: str, count: int = 1) -> int:
    """ts moved on by count intervals, the way Stripe bills (month end clamps)."""
    dt = datetime.fromtimestamp(ts, timezone.utc)
    if interval == "day":
        return ts + 86400 * count
    if interval == "week":
        return ts + 7 * 86400 * count
    months = count * (12 if interval == "year" else 1)
    month_index = dt.month - 1 + months
    year, month = dt.year + month_index // 12, month_index % 12 + 1
    day = min(dt.day, calendar.monthrange(year, month)[1])
    return int(dt.replace(year=year, month=month, day=day).timestamp())
