"""Products and prices: what is sold, and the price lookups billing shares."""

from __future__ import annotations

import copy
from typing import Any

from stripe_sandbox import errors
from stripe_sandbox.params import as_bool, as_int, as_list, choice, merge_metadata, require
from stripe_sandbox.store import Store, diff


def _features(given: Any) -> list[dict[str, str]]:
    """A product's marketing features ("" clears them)."""
    if given in (None, ""):
        return []
    if not isinstance(given, list) or not all(isinstance(f, dict) and f.get("name") for f in given):
        raise errors.invalid("marketing_features", "Each marketing feature needs a name.")
    return [{"name": str(f["name"])} for f in given]


def create_product(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        product = store.new("product", {
            "name": require(params, "name"),
            "active": as_bool(params, "active", True),
            "description": params.get("description") or None,
            "metadata": merge_metadata({}, params.get("metadata")),
            "default_price": None,
            "images": [],
            "marketing_features": _features(params.get("marketing_features")),
            "type": "service",
            "updated": store.now(),
            "url": None,
        })
        store.emit("product.created", product)
        return product


def update_product(store: Store, product_id: str, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        product = store.find("product", product_id)
        before = copy.deepcopy(product)
        for name in ("name", "description"):
            if params.get(name):
                product[name] = params[name]
        if "active" in params:
            product["active"] = as_bool(params, "active")
        if "metadata" in params:
            product["metadata"] = merge_metadata(product["metadata"], params["metadata"])
        if "marketing_features" in params:
            product["marketing_features"] = _features(params["marketing_features"])
        product["updated"] = store.now()
        store.emit("product.updated", product, diff(before, product))
        return product


def create_price(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        product_id = params.get("product")
        if not product_id and isinstance(params.get("product_data"), dict):
            product_id = create_product(store, params["product_data"])["id"]
        product = store.find("product", product_id, "product")
        currency = str(require(params, "currency")).lower()
        amount = as_int(params, "unit_amount", minimum=0)
        if amount is None:
            raise errors.missing("unit_amount")
        recurring = params.get("recurring")
        recurring_out = None
        if isinstance(recurring, dict):
            interval = choice(recurring, "interval", ("day", "week", "month", "year"))
            if interval is None:
                raise errors.missing("recurring[interval]")
            recurring_out = {"interval": interval,
                             "interval_count": as_int(recurring, "interval_count", 1, minimum=1),
                             "usage_type": "licensed", "meter": None, "trial_period_days": None}
        lookup_key = params.get("lookup_key") or None
        if lookup_key:
            holders = [p for p in store.all("price") if p.get("lookup_key") == lookup_key]
            if holders and not as_bool(params, "transfer_lookup_key", False):
                raise errors.invalid("lookup_key", f"A price ({holders[0]['id']}) already uses that lookup key.")
            for holder in holders:
                holder["lookup_key"] = None
        price = store.new("price", {
            "product": product["id"],
            "active": as_bool(params, "active", True),
            "currency": currency,
            "unit_amount": amount,
            "unit_amount_decimal": str(amount),
            "recurring": recurring_out,
            "type": "recurring" if recurring_out else "one_time",
            "lookup_key": lookup_key,
            "nickname": params.get("nickname") or None,
            "metadata": merge_metadata({}, params.get("metadata")),
            "billing_scheme": "per_unit",
            "tax_behavior": "unspecified",
            "custom_unit_amount": None,
            "tiers_mode": None,
            "transform_quantity": None,
        })
        if product.get("default_price") is None:
            product["default_price"] = price["id"]
        store.emit("price.created", price)
        return price


def update_price(store: Store, price_id: str, params: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        price = store.find("price", price_id)
        before = copy.deepcopy(price)
        if "active" in params:
            price["active"] = as_bool(params, "active")
        if "nickname" in params:
            price["nickname"] = params["nickname"] or None
        if "lookup_key" in params:
            price["lookup_key"] = params["lookup_key"] or None
        if "metadata" in params:
            price["metadata"] = merge_metadata(price["metadata"], params["metadata"])
        store.emit("price.updated", price, diff(before, price))
        return price


def list_prices(store: Store, params: dict[str, Any]) -> list[dict[str, Any]]:
    keys = as_list(params, "lookup_keys")
    active = as_bool(params, "active")
    out = []
    for price in store.all("price"):
        if keys and price.get("lookup_key") not in keys:
            continue
        if active is not None and price["active"] != active:
            continue
        if params.get("product") and price["product"] != params["product"]:
            continue
        if params.get("currency") and price["currency"] != params["currency"]:
            continue
        if params.get("type") and price["type"] != params["type"]:
            continue
        out.append(price)
    return out


def price(store: Store, price_id: Any, param: str) -> dict[str, Any]:
    price = store.find("price", price_id, param)
    if not price["active"]:
        raise errors.invalid(param, f"The price specified is inactive: {price['id']}")
    if price["type"] != "recurring":
        raise errors.invalid(param, f"The price specified is set to `type=one_time` but this field only "
                             f"accepts prices with `type=recurring`: {price['id']}")
    return price


def product_name(store: Store, price: dict[str, Any]) -> str:
    product = store.table("product").get(price["product"])
    return (product or {}).get("name") or price.get("nickname") or price["id"]


def plan(price: dict[str, Any]) -> dict[str, Any]:
    recurring = price.get("recurring") or {}
    return {"id": price["id"], "object": "plan", "active": price["active"], "amount": price["unit_amount"],
            "amount_decimal": str(price["unit_amount"]), "billing_scheme": "per_unit",
            "created": price["created"], "currency": price["currency"],
            "interval": recurring.get("interval", "month"), "interval_count": recurring.get("interval_count", 1),
            "livemode": False, "metadata": dict(price["metadata"]), "meter": None,
            "nickname": price.get("nickname"), "product": price["product"], "tiers_mode": None,
            "transform_usage": None, "trial_period_days": None, "usage_type": "licensed"}
