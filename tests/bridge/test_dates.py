"""Billing dates by Stripe's rule: month ends clamp, the anchor day comes back, leap years count."""

from __future__ import annotations

import calendar

import pytest

from server_bridge.billing.dates import add_interval, day_of_month


def at(year: int, month: int, day: int, hour: int = 8) -> int:
    return calendar.timegm((year, month, day, hour, 0, 0))


@pytest.mark.parametrize("start, interval, count, anchor_day, expected", [
    (at(2026, 1, 31), "month", 1, None, at(2026, 2, 28)),
    (at(2028, 1, 31), "month", 1, None, at(2028, 2, 29)),         # leap year
    (at(2026, 2, 28), "month", 1, 31, at(2026, 3, 31)),           # the anchor day comes back
    (at(2026, 3, 31), "month", 1, 31, at(2026, 4, 30)),
    (at(2026, 12, 31), "month", 1, None, at(2027, 1, 31)),        # across the year end
    (at(2026, 11, 30), "month", 3, 30, at(2027, 2, 28)),
    (at(2028, 2, 29), "year", 1, None, at(2029, 2, 28)),          # a leap day, a year on
    (at(2029, 2, 28), "year", 3, 29, at(2032, 2, 29)),            # and back on the next leap year
    (at(2026, 1, 31), "year", 1, None, at(2027, 1, 31)),
    (at(2026, 2, 27), "week", 1, None, at(2026, 3, 6)),
    (at(2028, 2, 28), "day", 2, None, at(2028, 3, 1)),
])
def test_billing_dates(start: int, interval: str, count: int, anchor_day: int | None, expected: int) -> None:
    assert add_interval(start, interval, count, anchor_day=anchor_day) == expected


def test_the_anchor_day_is_read_in_utc() -> None:
    assert day_of_month(at(2026, 1, 31, hour=23)) == 31


def test_an_unknown_interval_is_refused() -> None:
    with pytest.raises(ValueError):
        add_interval(at(2026, 1, 1), "fortnight")
