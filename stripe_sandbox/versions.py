"""Objects as an older API version shows them, for webhook endpoints pinned to that version.

Stripe renders an event's `data.object` at the API version of the endpoint it is delivered to (or
the account's default version for an endpoint without one). The sandbox keeps every object in the
shape of the version it speaks (the SDK's) and knows one older shape, the one before
2025-03-31.basil, which is what an account created earlier still gets by default:

- subscriptions carry `current_period_start`/`current_period_end` themselves; their items do not
  (changelog: "Adds subscription item-level billing periods and removes subscription-level periods");
- invoices name their subscription in `subscription`, `subscription_details` and
  `subscription_proration_date` (and `quote`), not in `parent`; invoice line items in `type`,
  `subscription`, `subscription_item`, `invoice_item`, `proration` and `proration_details`
  (changelog: "Invoicing resources now specify how they were generated").
"""

from __future__ import annotations

import copy
from typing import Any

BASIL = "2025-03-31"


def before_basil(version: str | None) -> bool:
    """Versions are dated (`2025-02-24.acacia`): older than basil means the pre-2025-03-31 shapes."""
    return bool(version) and str(version)[:10] < BASIL


def at_version(obj: dict[str, Any], version: str | None) -> dict[str, Any]:
    """A rendered object as `version` shows it (a copy; the object itself is left alone)."""
    if not before_basil(version):
        return obj
    shape = {"subscription": _old_subscription, "invoice": _old_invoice}.get(str(obj.get("object")))
    return shape(copy.deepcopy(obj)) if shape else obj


def event_at(rendered: dict[str, Any], version: str) -> dict[str, Any]:
    """A rendered event as an endpoint pinned to `version` receives it: stamped with that version,
    its object in that version's shape."""
    if version == rendered.get("api_version"):
        return rendered
    data = dict(rendered["data"])
    data["object"] = at_version(data["object"], version)
    return {**rendered, "api_version": version, "data": data}


def _old_subscription(sub: dict[str, Any]) -> dict[str, Any]:
    items = (sub.get("items") or {}).get("data") or []
    first = items[0] if items else {}
    sub["current_period_start"] = first.get("current_period_start")
    sub["current_period_end"] = first.get("current_period_end")
    for item in items:
        item.pop("current_period_start", None)
        item.pop("current_period_end", None)
    return sub


def _old_invoice(invoice: dict[str, Any]) -> dict[str, Any]:
    parent = invoice.pop("parent", None) or {}
    details = parent.get("subscription_details") or {}
    invoice["quote"] = (parent.get("quote_details") or {}).get("quote")
    invoice["subscription"] = details.get("subscription")
    invoice["subscription_details"] = {"metadata": details.get("metadata")} if details else None
    invoice["subscription_proration_date"] = details.get("subscription_proration_date")
    for line in (invoice.get("lines") or {}).get("data") or []:
        _old_line(line)
    return invoice


def _old_line(line: dict[str, Any]) -> None:
    parent = line.pop("parent", None) or {}
    item = parent.get("subscription_item_details") or {}
    invoice_item = parent.get("invoice_item_details") or {}
    line["type"] = "subscription" if item else "invoiceitem"
    line["subscription"] = item.get("subscription") or invoice_item.get("subscription")
    line["subscription_item"] = item.get("subscription_item")
    line["invoice_item"] = item.get("invoice_item") or invoice_item.get("invoice_item")
    line["proration"] = bool(item.get("proration") or invoice_item.get("proration"))
    line["proration_details"] = item.get("proration_details") or invoice_item.get("proration_details")
