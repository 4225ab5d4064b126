"""Stripe's connected-account objects in, store rows and /v1/connect shapes out. Pure functions.

One home for the Connect money rules: which fee is Stripe's and which the platform's, what a
sale's status and net are, which breakdown line a balance transaction counts towards.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

CATEGORIES = ("sales", "refunds", "disputes", "stripe_fees", "platform_fees", "adjustments", "other")
ZERO_DECIMAL = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
                          "xaf", "xof", "xpf"})
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
PAYOUT_SOURCE_TYPES = ("payout", "payout_cancel", "payout_failure")


def ref(value: Any) -> str | None:
    """The id of an expandable field, expanded or not."""
    if isinstance(value, Mapping):
        return value.get("id")
    return value if isinstance(value, str) else None


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


@functools.cache
def exponent(currency: str) -> int:
    currency = currency.lower()
    return 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2


def decimal_amount(amount: int, currency: str) -> str:
    """Minor units as a decimal in the major unit: 2500 usd -> "25.00", 2500 jpy -> "2500"."""
    places = exponent(currency)
    if places == 0:
        return str(amount)
    sign = "-" if amount < 0 else ""
    whole, part = divmod(abs(amount), 10 ** places)
    return f"{sign}{whole}.{part:0{places}d}"


def month_start(created: int) -> int:
    moment = datetime.fromtimestamp(created, timezone.utc)
    return int(datetime(moment.year, moment.month, 1, tzinfo=timezone.utc).timestamp())


# -- fees --------------------------------------------------------------------------------------


def split_fees(bt: Mapping[str, Any]) -> tuple[int, int]:
    """(Stripe's fee, the platform's application fee) of a balance transaction.

    Every fee detail that is not the platform's (`application_fee`) is Stripe's or a tax Stripe
    collects with it; the two always add up to the transaction's `fee`.
    """
    platform = sum(_int(d.get("amount")) for d in bt.get("fee_details") or [] if d.get("type") == "application_fee")
    return _int(bt.get("fee")) - platform, platform


# -- rows for the store --------------------------------------------------------------------------


def sale_status(charge: Mapping[str, Any]) -> str:
    if charge.get("disputed"):
        return "disputed"
    amount, refunded = _int(charge.get("amount")), _int(charge.get("amount_refunded"))
    if charge.get("refunded") or (amount and refunded >= amount):
        return "refunded"
    return "partially_refunded" if refunded > 0 else "succeeded"


def customer_email(charge: Mapping[str, Any]) -> str | None:
    billing = charge.get("billing_details") or {}
    customer = charge.get("customer")
    from_customer = customer.get("email") if isinstance(customer, Mapping) else None
    return billing.get("email") or charge.get("receipt_email") or from_customer or None


def charge_row(charge: Mapping[str, Any], account_id: str, seen_at: int) -> dict[str, Any]:
    """The columns kept of a charge. Its Stripe fee comes from its balance transaction when that is
    expanded; the platform's fee is on the charge itself (`application_fee_amount`)."""
    bt = charge.get("balance_transaction")
    created = _int(charge.get("created"))
    stripe_fee: int | None = None
    platform_fee = _int(charge.get("application_fee_amount"))
    if isinstance(bt, Mapping):
        stripe_fee, platform_fee = split_fees(bt)
    return {
        "id": charge["id"], "account_id": account_id, "created": created, "month_start": month_start(created),
        "charge_status": str(charge.get("status") or "succeeded"), "sale_status": sale_status(charge),
        "currency": str(charge.get("currency") or "usd"), "amount": _int(charge.get("amount")),
        "amount_refunded": _int(charge.get("amount_refunded")), "stripe_fee": stripe_fee,
        "platform_fee": platform_fee, "balance_transaction_id": ref(bt),
        "description": charge.get("description"), "customer_email": customer_email(charge), "seen_at": seen_at,
    }


def transaction_row(bt: Mapping[str, Any], account_id: str, seen_at: int, payout_id: str | None = None
                    ) -> dict[str, Any]:
    stripe_fee, platform_fee = split_fees(bt)
    return {
        "id": bt["id"], "account_id": account_id, "payout_id": payout_id, "source_id": ref(bt.get("source")),
        "created": _int(bt.get("created")), "type": str(bt.get("type") or "adjustment"),
        "reporting_category": str(bt.get("reporting_category") or ""), "amount": _int(bt.get("amount")),
        "fee": _int(bt.get("fee")), "stripe_fee": stripe_fee, "platform_fee": platform_fee,
        "net": _int(bt.get("net")), "currency": str(bt.get("currency") or "usd"),
        "available_on": _int(bt.get("available_on")), "description": bt.get("description"), "seen_at": seen_at,
    }


def payout_row(payout: Mapping[str, Any], account_id: str, seen_at: int) -> dict[str, Any]:
    return {
        "id": payout["id"], "account_id": account_id, "created": _int(payout.get("created")),
        "status": str(payout.get("status") or "pending"), "amount": _int(payout.get("amount")),
        "currency": str(payout.get("currency") or "usd"),
        "reconciliation_status": str(payout.get("reconciliation_status") or "not_applicable"),
        "seen_at": seen_at, "data": json.dumps(dict(payout), separators=(",", ":"), sort_keys=True),
    }


def refund_row(refund: Mapping[str, Any], account_id: str, seen_at: int) -> dict[str, Any]:
    return {
        "id": refund["id"], "account_id": account_id, "charge_id": ref(refund.get("charge")),
        "amount": _int(refund.get("amount")), "currency": str(refund.get("currency") or "usd"),
        "status": str(refund.get("status") or "succeeded"), "created": _int(refund.get("created")),
        "seen_at": seen_at,
    }


def dispute_row(dispute: Mapping[str, Any], account_id: str, seen_at: int) -> dict[str, Any]:
    evidence = dispute.get("evidence_details") or {}
    return {
        "id": dispute["id"], "account_id": account_id, "charge_id": ref(dispute.get("charge")) or "",
        "amount": _int(dispute.get("amount")), "currency": str(dispute.get("currency") or "usd"),
        "status": str(dispute.get("status") or "needs_response"), "reason": dispute.get("reason"),
        "evidence_due_by": evidence.get("due_by"), "created": _int(dispute.get("created")), "seen_at": seen_at,
    }


def balance_rows(balance: Mapping[str, Any], account_id: str, seen_at: int) -> list[dict[str, Any]]:
    """One row per currency that appears in `available` or `pending`."""
    amounts: dict[str, dict[str, int]] = {}
    for kind in ("available", "pending"):
        for entry in balance.get(kind) or []:
            currency = str(entry.get("currency") or "usd")
            row = amounts.setdefault(currency, {"available": 0, "pending": 0})
            row[kind] += _int(entry.get("amount"))
    return [{"account_id": account_id, "currency": c, **a, "seen_at": seen_at} for c, a in sorted(amounts.items())]


# -- shapes for the API ----------------------------------------------------------------------------


def payout_view(payout: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": payout["id"], "amount": _int(payout.get("amount")), "currency": payout.get("currency") or "usd",
        "status": payout.get("status") or "pending", "arrival_date": _int(payout.get("arrival_date")),
        "created": _int(payout.get("created")), "automatic": bool(payout.get("automatic")),
        "method": payout.get("method") or "standard", "description": payout.get("description"),
        "failure_code": payout.get("failure_code"), "failure_message": payout.get("failure_message"),
        "reconciliation_status": payout.get("reconciliation_status") or "not_applicable",
    }


def category_of(type_: str, reporting_category: str) -> str:
    """The breakdown line a balance transaction's amount counts towards (its fees go to the fee lines)."""
    if reporting_category == "charge" or type_ in ("charge", "payment"):
        return "sales"
    if reporting_category in ("refund", "refund_failure", "partial_capture_reversal") or type_ in (
            "refund", "payment_refund", "refund_failure", "payment_failure_refund"):
        return "refunds"
    if reporting_category in ("dispute", "dispute_reversal") or type_ in ("adjustment",) and "dispute" in reporting_category:
        return "disputes"
    if reporting_category in ("fee", "platform_earning", "platform_earning_refund") or type_ in (
            "stripe_fee", "application_fee", "application_fee_refund"):
        return "stripe_fees" if type_ == "stripe_fee" or reporting_category == "fee" else "platform_fees"
    if type_ == "adjustment" or reporting_category == "other_adjustment":
        return "adjustments"
    return "other"


def transaction_view(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "type": row["type"], "reporting_category": row["reporting_category"],
        "category": category_of(row["type"], row["reporting_category"]), "amount": row["amount"], "fee": row["fee"],
        "stripe_fee": row["stripe_fee"], "platform_fee": row["platform_fee"], "net": row["net"],
        "currency": row["currency"], "created": row["created"], "available_on": row["available_on"],
        "description": row["description"], "source": row["source_id"],
    }


def breakdown(payout: Mapping[str, Any], transactions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The payout's amount as lines that add up to it exactly; a remainder is the line `unexplained`.

    A payout pays out the net of its transactions: each transaction's amount counts towards its
    category, its fees towards stripe_fees and platform_fees (as negative amounts). The payout's
    own transactions (the payout, a cancel or a failure) are not part of what it paid out.
    """
    totals = {c: 0 for c in CATEGORIES}
    counts = {c: 0 for c in CATEGORIES}
    for row in transactions:
        if row["type"] in PAYOUT_SOURCE_TYPES and row.get("source_id") == payout["id"]:
            continue
        category = category_of(row["type"], row["reporting_category"])
        totals[category] += row["amount"]
        counts[category] += 1
        for line, fee in (("stripe_fees", row["stripe_fee"]), ("platform_fees", row["platform_fee"])):
            if fee:
                totals[line] -= fee
                counts[line] += 1
    lines = [{"category": c, "amount": totals[c], "count": counts[c]} for c in CATEGORIES if counts[c]]
    rest = _int(payout.get("amount")) - sum(totals.values())
    if rest:
        lines.append({"category": "unexplained", "amount": rest, "count": 0})
    return lines


def sale_view(row: Mapping[str, Any], dispute: Mapping[str, Any] | None) -> dict[str, Any]:
    stripe_fee = row["stripe_fee"]
    return {
        "id": row["id"], "created": row["created"], "currency": row["currency"], "gross": row["amount"],
        "refunded": row["amount_refunded"], "stripe_fee": stripe_fee, "platform_fee": row["platform_fee"],
        "net": row["amount"] - row["amount_refunded"] - (stripe_fee or 0) - row["platform_fee"],
        "status": row["sale_status"], "description": row["description"], "customer_email": row["customer_email"],
        "dispute": None if dispute is None else {
            "id": dispute["id"], "amount": dispute["amount"], "status": dispute["status"],
            "reason": dispute["reason"], "evidence_due_by": dispute["evidence_due_by"]},
    }


_AMOUNT = re.compile(r"^\s*[$€£¥]?\s*(\d{1,12}(?:[.,]\d{1,3})?)\s*$")


def amount_candidates(q: str) -> list[tuple[int, int]]:
    """For a search text that reads as an amount: (minor units, currency exponent) pairs it can mean.

    "25" and "$25.00" mean 2500 in a two-decimal currency, 25 in a zero-decimal one, 25000 in a
    three-decimal one; "25.5" cannot be a zero-decimal amount.
    """
    match = _AMOUNT.match(q)
    if not match:
        return []
    try:
        value = Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:
        return []
    found = []
    for places in (0, 2, 3):
        minor = value * (10 ** places)
        if minor == minor.to_integral_value():
            found.append((int(minor), places))
    return found
