"""Amounts as people read them."""

from __future__ import annotations

def money(amount: int, currency: str) -> str:
    symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(currency)
    figure = f"{abs(amount) / 100:,.2f}"
    text = f"{symbol}{figure}" if symbol else f"{figure} {currency.upper()}"
    return f"-{text}" if amount < 0 else text
