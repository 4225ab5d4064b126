"""Bridge answers shaped as docs/bridge-api.md shows them, for tests that need no bridge."""

from __future__ import annotations

from typing import Any

PRO = {"key": "pro", "name": "Pro", "amount": 2500, "currency": "usd", "interval": "month",
       "features": ["Custom domain", "Priority support"], "current": True}
STARTER = {"key": "starter", "name": "Starter", "amount": 1000, "currency": "usd", "interval": "month",
           "features": ["1 site"], "current": False}


def summary(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "plan": {k: PRO[k] for k in ("key", "name", "amount", "currency", "interval")},
        "status": "active", "cancel_at_period_end": False, "cancel_at": None,
        "current_period_end": 1798934400, "trial_end": None,
        "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030,
                 "expires_before_next_bill": False},
        "next_invoice": {"amount": 2500, "currency": "usd", "date": 1798934400},
        "pending_change": None, "last_payment_failed": False, "as_of": 1764000000,
    }
    data.update(changes)
    return data


def invoice(n: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": f"in_{n:04d}", "number": f"ABC-{n:04d}", "status": "paid", "total": 2500, "amount_due": 2500,
        "amount_paid": 2500, "currency": "usd", "created": 1760000000 + n * 86400,
        "period_start": 1760000000 + n * 86400, "period_end": 1762592000 + n * 86400,
        "hosted_invoice_url": f"https://example.test/i/in_{n:04d}", "has_pdf": True,
    }
    data.update(changes)
    return data
