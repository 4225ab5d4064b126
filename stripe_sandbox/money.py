"""Amounts as people read them: babel's currency formats, zero-decimal currencies included
(1000 JPY is "¥1,000", 2500 USD cents "$25.00")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel import Locale
from babel.numbers import format_currency, get_currency_precision

LOCALE = Locale.parse("en_US")


def money(amount: int | None, currency: str | None) -> str:
    """An amount in minor units (Stripe's integers) for people: 2500, "usd" -> "$25.00"."""
    code = (currency or "usd").upper()
    value = (amount or 0) / 10 ** get_currency_precision(code)
    return format_currency(value, code, locale=LOCALE)


def still_owed(invoice: Mapping[str, Any]) -> int:
    """What is left to pay: Stripe's amount_remaining (amount_due stays the billed amount once paid)."""
    remaining = invoice.get("amount_remaining")
    if remaining is None:
        remaining = max((invoice.get("amount_due") or 0) - (invoice.get("amount_paid") or 0), 0)
    return 0 if invoice.get("status") in ("paid", "void") else remaining
