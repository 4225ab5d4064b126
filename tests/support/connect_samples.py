"""Stripe-shaped connected-account objects for the bridge's Connect tests (fields as in the SDK's
typed classes: stripe.Account, stripe.Charge, stripe.BalanceTransaction, stripe.Payout, stripe.Dispute),
and a stand-in gateway that pages through them as Stripe lists do (newest first, starting_after)."""

from __future__ import annotations

import itertools
from typing import Any

DAY = 86400
_ids = itertools.count(1)


def account(account_id: str = "acct_sample", **overrides: Any) -> dict[str, Any]:
    base = {
        "id": account_id, "object": "account", "type": "express", "created": 1_700_000_000,
        "controller": {"type": "application", "stripe_dashboard": {"type": "express"},
                       "requirement_collection": "stripe", "fees": {"payer": "application_express"},
                       "losses": {"payments": "application"}},
        "charges_enabled": True, "payouts_enabled": True, "details_submitted": True, "default_currency": "usd",
        "requirements": {"currently_due": [], "eventually_due": [], "past_due": [], "pending_verification": [],
                         "errors": [], "current_deadline": None, "disabled_reason": None},
        "settings": {"payouts": {"schedule": {"interval": "daily", "delay_days": 2}}},
    }
    base.update(overrides)
    return base


def fee_details(stripe_fee: int, platform_fee: int, currency: str = "usd") -> list[dict[str, Any]]:
    details = [{"amount": stripe_fee, "currency": currency, "type": "stripe_fee", "description": "Stripe processing fees",
                "application": None}]
    if platform_fee:
        details.append({"amount": platform_fee, "currency": currency, "type": "application_fee",
                        "description": "Platform fee", "application": "ca_platform"})
    return details


def transaction(*, source: str, type_: str, category: str, amount: int, created: int, stripe_fee: int = 0,
                platform_fee: int = 0, currency: str = "usd") -> dict[str, Any]:
    fee = stripe_fee + platform_fee
    return {"id": f"txn_{next(_ids)}", "object": "balance_transaction", "amount": amount, "currency": currency,
            "created": created, "available_on": created + 2 * DAY, "description": None, "fee": fee,
            "fee_details": fee_details(stripe_fee, platform_fee, currency) if fee else [], "net": amount - fee,
            "reporting_category": category, "source": source, "status": "available", "type": type_}


def charge(*, amount: int, created: int, currency: str = "usd", email: str | None = "ann@example.com",
           description: str | None = "Order", refunded: int = 0, disputed: bool = False, expand: bool = True,
           platform_fee: int | None = None, status: str = "succeeded") -> dict[str, Any]:
    charge_id = f"ch_{next(_ids)}"
    platform_fee = amount // 20 if platform_fee is None else platform_fee
    stripe_fee = amount * 29 // 1000 + 30
    bt = transaction(source=charge_id, type_="charge", category="charge", amount=amount, created=created,
                     stripe_fee=stripe_fee, platform_fee=platform_fee, currency=currency)
    return {"id": charge_id, "object": "charge", "amount": amount, "amount_captured": amount,
            "amount_refunded": refunded, "refunded": bool(amount and refunded >= amount), "disputed": disputed,
            "application_fee_amount": platform_fee, "balance_transaction": bt if expand else bt["id"],
            "billing_details": {"email": email, "name": None}, "receipt_email": None, "created": created,
            "currency": currency, "description": description, "paid": status == "succeeded", "status": status,
            "livemode": False, "metadata": {}}


def dispute(charge_obj: dict[str, Any], *, status: str = "needs_response", created: int | None = None
            ) -> dict[str, Any]:
    created = created or charge_obj["created"] + DAY
    return {"id": f"du_{next(_ids)}", "object": "dispute", "amount": charge_obj["amount"],
            "charge": charge_obj["id"], "currency": charge_obj["currency"], "created": created,
            "evidence_details": {"due_by": created + 7 * DAY, "has_evidence": False, "past_due": False,
                                 "submission_count": 0},
            "reason": "fraudulent", "status": status, "balance_transactions": []}


def payout(*, amount: int, created: int, status: str = "paid", reconciliation: str = "completed",
           currency: str = "usd", **overrides: Any) -> dict[str, Any]:
    base = {"id": f"po_{next(_ids)}", "object": "payout", "amount": amount, "currency": currency, "created": created,
            "arrival_date": created + DAY, "automatic": True, "method": "standard", "description": "STRIPE PAYOUT",
            "failure_code": None, "failure_message": None, "reconciliation_status": reconciliation,
            "status": status, "type": "bank_account", "source_type": "card", "balance_transaction": None}
    base.update(overrides)
    return base


def event(kind: str, obj: dict[str, Any], *, account_id: str, created: int) -> dict[str, Any]:
    return {"id": f"evt_{next(_ids)}", "object": "event", "type": kind, "created": created, "livemode": False,
            "account": account_id, "api_version": "2026-10-28.endive", "data": {"object": obj},
            "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None}}


class PagedGateway:
    """The gateway's Connect reads over in-memory lists; `fail_after` calls it raises, like a fault."""

    def __init__(self, account_obj: dict[str, Any], *, charges: list[dict] = (), disputes: list[dict] = (),
                 payouts: list[dict] = (), payout_transactions: dict[str, list[dict]] | None = None,
                 fail_after: int | None = None) -> None:
        self.account_obj = account_obj
        self.lists = {"charges": sorted(charges, key=lambda o: (o["created"], o["id"]), reverse=True),
                      "disputes": list(disputes), "payouts": list(payouts)}
        self.payout_transactions = payout_transactions or {}
        self.fail_after = fail_after
        self.calls = 0

    def _count(self) -> None:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            from server_bridge.gateway import StripeUnavailable
            raise StripeUnavailable()

    def get_account(self, account_id: str) -> dict:
        self._count()
        return self.account_obj

    def get_balance(self, account_id: str) -> dict:
        self._count()
        return {"object": "balance", "available": [{"amount": 1000, "currency": "usd"}],
                "pending": [{"amount": 500, "currency": "usd"}]}

    def get_balance_transaction(self, account_id: str, transaction_id: str) -> dict:
        self._count()
        for c in self.lists["charges"]:
            bt = c["balance_transaction"]
            if isinstance(bt, dict) and bt["id"] == transaction_id:
                return bt
        raise KeyError(transaction_id)

    def list_page(self, kind: str, account_id: str, *, starting_after: str | None = None, limit: int = 100,
                  **filters: Any) -> dict:
        self._count()
        items = self.payout_transactions.get(filters["payout"], []) if kind == "balance_transactions" else \
            self.lists[kind]
        start = 0
        if starting_after:
            start = next(i for i, o in enumerate(items) if o["id"] == starting_after) + 1
        page = items[start:start + limit]
        return {"object": "list", "data": page, "has_more": start + limit < len(items)}
