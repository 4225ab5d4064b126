"""Connect webhook events: a connected account's objects, applied to the store by the event's `account`.

Applied inside the webhook pipeline's transaction (server_bridge/mirror/webhooks.py) with seen_at =
event.created, so an older event never overwrites newer state. What an event cannot tell by itself
is read from Stripe after the commit, by the Connect worker: a charge's Stripe fee (its balance
transaction), a reconciled payout's transactions, the balance after money moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from server_bridge.connect import records
from server_bridge.connect.earnings import owner_of_account, owner_topic_key

CONNECT_EVENTS: tuple[str, ...] = (
    "account.updated", "capability.updated",
    "payout.created", "payout.updated", "payout.paid", "payout.failed", "payout.canceled",
    "payout.reconciliation_completed",
    "balance.available",
    "charge.succeeded", "charge.refunded", "charge.updated", "charge.captured", "charge.failed",
    "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
    "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated",
    "refund.created", "refund.updated", "refund.failed",
)


@dataclass(frozen=True)
class Applied:
    owner_key: str | None                  # whose desktops to refresh (None: no owner has the account)
    follow_ups: tuple[tuple[str, str], ...]  # (task kind, argument) for the Connect worker


def apply(session: Session, event: dict[str, Any]) -> Applied | None:
    """Apply one Connect event; None if it is not one the bridge keeps."""
    account_id = event.get("account")
    kind = str(event.get("type"))
    obj = (event.get("data") or {}).get("object")
    if not account_id or kind not in CONNECT_EVENTS or not isinstance(obj, dict):
        return None
    seen_at = int(event["created"])
    follow: list[tuple[str, str]] = []
    if kind == "account.updated":
        records.save_account(session, obj, seen_at)
    elif kind == "capability.updated":
        follow.append(("account", ""))
    elif kind == "balance.available":
        records.save_balance(session, account_id, obj, seen_at)
    elif kind.startswith("payout."):
        records.save_payouts(session, account_id, [obj], seen_at)
        if kind == "payout.reconciliation_completed" or obj.get("reconciliation_status") == "completed":
            follow.append(("link", obj["id"]))
        follow.append(("balance", ""))
    elif kind.startswith("charge.dispute."):
        records.save_disputes(session, account_id, [obj], seen_at)
        follow.append(("balance", ""))
    elif kind.startswith("charge."):
        records.save_charges(session, account_id, [obj], seen_at)
        if obj.get("status") == "succeeded" and not isinstance(obj.get("balance_transaction"), dict):
            follow.append(("fees", ""))
        follow.append(("balance", ""))
    elif kind.startswith("refund."):
        records.save_refund(session, account_id, obj, seen_at)
        follow.append(("balance", ""))
    owner = owner_of_account(session, account_id)
    return Applied(owner_topic_key(owner) if owner is not None else None, tuple(follow))
