"""An in-memory stand-in for BridgeClient, used only while the real bridge is not up (development aid)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from desktop_app.services import (BridgeRefused, BridgeUnreachable, Invoice, InvoicePage, NotSignedIn, Plan,
                                  PlanChangePreview, SignIn, Summary, save_stream)

DAY = 86400
NOW = int(time.time())
PLANS = {"starter": {"key": "starter", "name": "Starter", "amount": 1000, "currency": "usd", "interval": "month",
                     "features": ["1 site", "Email support"]},
         "pro": {"key": "pro", "name": "Pro", "amount": 2500, "currency": "usd", "interval": "month",
                 "features": ["10 sites", "Custom domains", "Priority support"]}}


def _summary(plan: str | None, **changes: Any) -> dict[str, Any]:
    if plan is None:
        return {"plan": None, "status": "none", "card": None, "next_invoice": None, "as_of": NOW}
    data = {"plan": PLANS[plan], "status": "active", "cancel_at_period_end": False, "cancel_at": None,
            "current_period_end": NOW + 20 * DAY, "trial_end": None,
            "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030,
                     "expires_before_next_bill": False},
            "next_invoice": {"amount": PLANS[plan]["amount"], "currency": "usd", "date": NOW + 20 * DAY},
            "pending_change": None, "last_payment_failed": False, "as_of": NOW}
    data.update(changes)
    return data


def _invoices(count: int, amount: int, status: str = "paid") -> list[dict[str, Any]]:
    return [{"id": f"in_{n:04d}", "number": f"DEMO-{n:04d}", "status": status if n == 0 else "paid", "total": amount,
             "amount_due": amount, "amount_paid": amount, "currency": "usd", "created": NOW - (n * 30 + 10) * DAY,
             "period_start": NOW - (n * 30 + 10) * DAY, "period_end": NOW - (n * 30 - 20) * DAY,
             "hosted_invoice_url": f"http://fake.test/i/in_{n:04d}", "has_pdf": True} for n in range(count)]


class World:
    """The fake bridge's state, shared by every client made for it."""

    def __init__(self) -> None:
        self.up = True
        self.owners: dict[str, dict[str, Any]] = {
            "pro@demo.test": {"summary": _summary("pro"), "invoices": _invoices(13, 2500)},
            "starter@demo.test": {"summary": _summary("starter", card={
                "brand": "mastercard", "last4": "4444", "exp_month": 1, "exp_year": 2020,
                "expires_before_next_bill": True}), "invoices": _invoices(3, 1000)},
            "pastdue@demo.test": {"summary": _summary("starter", status="past_due", last_payment_failed=True),
                                  "invoices": _invoices(2, 1000, "open")},
            "new@demo.test": {"summary": _summary(None), "invoices": []},
        }
        self.tokens: dict[str, str] = {}
        self.failures = 0
        self.opened: list[str] = []


class FakeClient:
    def __init__(self, world: World, base_url: str, token: str | None = None) -> None:
        self.world, self.base_url, self.token = world, base_url, token

    def _owner(self) -> dict[str, Any]:
        if not self.world.up:
            raise BridgeUnreachable("Could not reach the billing server at fake.test: connection refused")
        email = self.world.tokens.get(self.token or "")
        if email is None:
            raise NotSignedIn(401, "unauthorized", "Sign in again.")
        return self.world.owners[email]

    def login(self, email: str, password: str, device: str) -> SignIn:
        if not self.world.up:
            raise BridgeUnreachable("Could not reach the billing server at fake.test: connection refused")
        if self.world.failures >= 5:
            raise BridgeRefused(429, "too_many_attempts", "Too many attempts.", retry_after=600)
        if email not in self.world.owners or password != "demo":
            self.world.failures += 1
            raise BridgeRefused(401, "invalid_credentials", "Wrong email or password.")
        self.token = f"tok-{email}"
        self.world.tokens[self.token] = email
        return SignIn(self.token, NOW + 30 * DAY, email)

    def logout(self) -> None:
        self.world.tokens.pop(self.token or "", None)
        self.token = None

    def summary(self) -> Summary:
        return Summary.from_json(self._owner()["summary"])

    def plans(self) -> list[Plan]:
        current = (self._owner()["summary"]["plan"] or {}).get("key")
        return [Plan.from_json({**p, "current": p["key"] == current}) for p in PLANS.values()]

    def invoices(self, limit: int = 20, starting_after: str | None = None) -> InvoicePage:
        rows = self._owner()["invoices"]
        start = 0 if starting_after is None else [r["id"] for r in rows].index(starting_after) + 1
        return InvoicePage([Invoice.from_json(r) for r in rows[start:start + limit]], start + limit < len(rows))

    def download_invoice_pdf(self, invoice: Invoice, folder: Path, *, progress: Callable[[int, int | None], None] | None = None,
                             cancelled: Callable[[], bool] | None = None) -> Path:
        self._owner()
        body = b"%PDF-1.4 fake " + invoice.id.encode() * 500
        chunks = [body[i:i + 1024] for i in range(0, len(body), 1024)]
        return save_stream(chunks, folder, f"invoice-{invoice.number}.pdf", total=len(body), progress=progress,
                           cancelled=cancelled)

    def portal_url(self, flow: str | None = None) -> str:
        self._owner()
        url = f"http://fake.test/p/session/{flow or 'home'}"
        self.world.opened.append(url)
        return url

    def checkout_url(self, plan: str) -> str:
        self._owner()
        return f"http://fake.test/c/pay/{plan}"

    def preview_plan_change(self, plan: str) -> PlanChangePreview:
        self._owner()
        return PlanChangePreview.from_json({
            "plan": {**PLANS[plan], "current": False}, "direction": "upgrade", "effective": "now",
            "proration_date": NOW, "amount_due_now": 1000, "currency": "usd",
            "lines": [{"description": "Remaining time on Pro", "amount": 1667},
                      {"description": "Unused time on Starter", "amount": -667}],
            "next_amount": PLANS[plan]["amount"], "next_date": NOW + 20 * DAY})

    def change_plan(self, plan: str, proration_date: int) -> Summary:
        owner = self._owner()
        owner["summary"] = {**owner["summary"], "plan": PLANS[plan]}
        return Summary.from_json(owner["summary"])

    def events(self, stop: threading.Event) -> Iterator[list[str]]:
        stop.wait(60)
        return iter(())

    def close(self) -> None:
        pass
