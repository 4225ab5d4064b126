"""The sandbox's memory: objects by kind and id, ids, the clock, rendering and change tracking.

Objects are stored in Stripe's own shape (plain dicts, references as ids). Keys that start with an
underscore are the sandbox's private notes (a card's number, a webhook secret) and never leave it.
"""

from __future__ import annotations

import copy
import secrets
import string
import threading
import time
from typing import Any, Iterator

from server_bridge.sandbox import errors
from server_bridge.sandbox.schema import complete

_ALPHABET = string.ascii_letters + string.digits

#: id prefix -> Stripe "object" value, longest prefixes first (used to expand an id).
PREFIXES: dict[str, str] = {
    "sub_sched_": "subscription_schedule",
    "cs_test_": "checkout.session",
    "cus_": "customer",
    "prod_": "product",
    "price_": "price",
    "pm_": "payment_method",
    "sub_": "subscription",
    "si_": "subscription_item",
    "in_": "invoice",
    "il_": "line_item",
    "bpc_": "billing_portal.configuration",
    "bps_": "billing_portal.session",
    "evt_": "event",
    "we_": "webhook_endpoint",
    "pi_": "payment_intent",
    "ch_": "charge",
}
ID_PREFIX = {kind: prefix for prefix, kind in PREFIXES.items()}


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def kind_of_id(obj_id: str) -> str | None:
    for prefix, kind in PREFIXES.items():
        if obj_id.startswith(prefix):
            return kind
    return None


def public(value: Any) -> Any:
    """A deep copy without the sandbox's private keys."""
    if isinstance(value, dict):
        return {k: public(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("_"))}
    if isinstance(value, list):
        return [public(v) for v in value]
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Stripe's previous_attributes: the old values of what changed (nested objects partially)."""
    previous: dict[str, Any] = {}
    for key in before.keys() | after.keys():
        if key.startswith("_"):
            continue
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict) and old.get("object") != "list":
            previous[key] = diff(old, new)
        else:
            previous[key] = copy.deepcopy(old)
    return previous


class SandboxState:
    """Storage, clock and rendering shared by every part of the sandbox."""

    def __init__(self, *, api_key: str = "sk_test_sandbox", start_time: int | None = None) -> None:
        self.api_key = api_key
        self.base_url = "http://127.0.0.1"
        self.lock = threading.RLock()
        self._offset = 0 if start_time is None else start_time - int(time.time())
        self._objects: dict[str, dict[str, dict[str, Any]]] = {}
        self._context = threading.local()
        self._sequence = 0

    # clock ---------------------------------------------------------------------------------
    def now(self) -> int:
        return int(time.time()) + self._offset

    # storage -------------------------------------------------------------------------------
    def _store(self, obj: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._sequence += 1
            obj.setdefault("_seq", self._sequence)
            self._objects.setdefault(obj["object"], {})[obj["id"]] = obj
            return obj

    def _new(self, kind: str, fields: dict[str, Any], *, created: int | None = None,
             obj_id: str | None = None) -> dict[str, Any]:
        obj = {"id": obj_id or new_id(ID_PREFIX[kind]), "object": kind,
               "created": self.now() if created is None else created, "livemode": False}
        obj.update(fields)
        return self._store(obj)

    def _find(self, kind: str, obj_id: Any, param: str | None = None) -> dict[str, Any]:
        """The stored object, or Stripe's resource_missing error (404 in the URL, 400 in a param)."""
        if not isinstance(obj_id, str) or not obj_id:
            raise errors.missing(param or "id") if param else errors.no_such(kind, str(obj_id))
        found = self._objects.get(kind, {}).get(obj_id)
        if found is None or found.get("deleted"):
            raise errors.no_such(kind, obj_id, param)
        return found

    def _all(self, kind: str) -> Iterator[dict[str, Any]]:
        """Newest first (by creation time, then by insertion)."""
        items = list(self._objects.get(kind, {}).values())
        items.sort(key=lambda o: (o.get("created", 0), o.get("_seq", 0)), reverse=True)
        return iter(o for o in items if not o.get("deleted"))

    # rendering -----------------------------------------------------------------------------
    def render(self, obj: dict[str, Any], expand: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
        """The object as the API answers it: every SDK field present, expansions applied."""
        with self.lock:
            out = self._links(public(obj))
            for path in expand:
                out = self._expand(out, path.split("."))
            return complete(out)

    def _links(self, out: dict[str, Any]) -> dict[str, Any]:
        """Hosted page links built from the current base URL (it may be set after objects exist)."""
        kind, obj_id = out.get("object"), out.get("id")
        if kind == "invoice" and out.get("hosted_invoice_url"):
            out["hosted_invoice_url"] = f"{self.base_url}/i/{obj_id}"
            out["invoice_pdf"] = f"{self.base_url}/i/{obj_id}/pdf"
        elif kind == "billing_portal.session":
            out["url"] = f"{self.base_url}/p/session/{obj_id}"
        elif kind == "checkout.session" and out.get("url"):
            out["url"] = f"{self.base_url}/c/pay/{obj_id}"
        return out

    def _expand(self, value: Any, path: list[str]) -> Any:
        if not path or not isinstance(value, dict):
            return value
        head, rest = path[0], path[1:]
        if head == "line_items" and value.get("object") == "checkout.session":
            stored = self._objects["checkout.session"].get(value["id"], {})
            items = public(stored.get("_line_items", []))
            return {**value, "line_items": {"object": "list", "data": items, "has_more": False,
                                            "url": f"/v1/checkout/sessions/{value['id']}/line_items"}}
        if head == "data" and isinstance(value.get("data"), list):
            return {**value, "data": [self._expand(v, rest) for v in value["data"]]}
        if head not in value:
            return value
        target = value[head]
        if isinstance(target, str):
            kind = kind_of_id(target)
            stored = self._objects.get(kind or "", {}).get(target)
            if stored is not None:
                target = self._links(public(stored))
        elif isinstance(target, list):
            return {**value, head: [self._expand_id(t, rest) for t in target]}
        return {**value, head: self._expand(target, rest)}

    def _expand_id(self, target: Any, rest: list[str]) -> Any:
        if isinstance(target, str):
            stored = self._objects.get(kind_of_id(target) or "", {}).get(target)
            target = self._links(public(stored)) if stored is not None else target
        return self._expand(target, rest)

    # pages-facing reads --------------------------------------------------------------------
    def get(self, kind: str, obj_id: str) -> dict[str, Any] | None:
        """The rendered object, or None when there is no such object."""
        with self.lock:
            found = self._objects.get(kind, {}).get(obj_id)
            return None if found is None else self.render(found)

    def list(self, kind: str, **equals: object) -> list[dict[str, Any]]:
        """Rendered objects whose top-level fields equal the filters, newest first."""
        with self.lock:
            return [self.render(o) for o in self._all(kind)
                    if all(o.get(k) == v for k, v in equals.items())]
