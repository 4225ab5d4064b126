"""The sandbox's memory: objects by account, kind and id; ids; the clock; rendering; events.

Objects are stored in Stripe's own shape (plain dicts, references as ids). Keys that start with an
underscore are the sandbox's private notes (a card's number, a webhook secret) and never leave it.

Every object lives on one account: the platform (None) or a connected account ("acct_..."). The
account a request acts on is the store's current scope (`with store.scoped("acct_1"): ...`, set
from the `Stripe-Account` header by the API); `new`, `find`, `all` and `table` work within it, and
`emit` stamps events with it.
"""

from __future__ import annotations

import contextlib
import copy
import secrets
import string
import threading
import time
from typing import Any, Callable, Iterator

from stripe_sandbox import errors, shapes
from stripe_sandbox.billing.dunning import Dunning
from stripe_sandbox.schema import API_VERSION, complete

_ALPHABET = string.ascii_letters + string.digits

#: id prefix -> Stripe "object" value, longest prefixes first (used to expand an id).
PREFIXES: dict[str, str] = {
    "sub_sched_": "subscription_schedule",
    "inpay_": "invoice_payment",
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
    "re_": "refund",
}

Listener = Callable[[dict[str, Any]], None]
#: (kind, field) -> the value of a field Stripe sends only when it is expanded (`customer.sources`).
Include = Callable[["Store", dict[str, Any]], Any]
INCLUDES: dict[tuple[str, str], Include] = {}


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def id_prefix(kind: str) -> str:
    for prefix, known in PREFIXES.items():
        if known == kind:
            return prefix
    raise KeyError(f"no id prefix for {kind!r}: add it to store.PREFIXES")


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


class Store:
    """Objects, clock, events. Every method is safe from any thread; hold `lock` across a read-modify-write."""

    def __init__(self, *, start_time: int | None = None) -> None:
        self.base_url = "http://127.0.0.1"
        self.lock = threading.RLock()
        self.listeners: list[Listener] = []
        self.dunning = Dunning()
        self._offset = 0 if start_time is None else start_time - int(time.time())
        self._tables: dict[tuple[str | None, str], dict[str, dict[str, Any]]] = {}
        self._local = threading.local()
        self._sequence = 0

    # clock ---------------------------------------------------------------------------------
    def now(self) -> int:
        return int(time.time()) + self._offset

    def move_to(self, at: int) -> None:
        """Set the clock to `at` (it never moves back)."""
        with self.lock:
            self._offset += max(0, at - self.now())

    # scope: the account and the API request being served ----------------------------------
    @property
    def account(self) -> str | None:
        """The account objects are read from and written to: None is the platform."""
        return getattr(self._local, "account", None)

    @contextlib.contextmanager
    def scoped(self, account: str | None) -> Iterator[None]:
        previous = self.account
        self._local.account = account
        try:
            yield
        finally:
            self._local.account = previous

    @property
    def request(self) -> dict[str, Any]:
        """The API request being served ({"id", "idempotency_key"}; both None outside one)."""
        return getattr(self._local, "request", None) or {"id": None, "idempotency_key": None}

    @contextlib.contextmanager
    def serving(self, request_id: str, idempotency_key: str | None) -> Iterator[None]:
        self._local.request = {"id": request_id, "idempotency_key": idempotency_key}
        try:
            yield
        finally:
            self._local.request = None

    # objects -------------------------------------------------------------------------------
    def table(self, kind: str) -> dict[str, dict[str, Any]]:
        """id -> stored object, for one kind on the current account (deleted ones included)."""
        return self._tables.setdefault((self.account, kind), {})

    def put(self, obj: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._sequence += 1
            obj.setdefault("_seq", self._sequence)
            self.table(obj["object"])[obj["id"]] = obj
            return obj

    def new(self, kind: str, fields: dict[str, Any], *, created: int | None = None,
            obj_id: str | None = None) -> dict[str, Any]:
        """A stored object with Stripe's common fields (id, object, created, livemode)."""
        obj = shapes.build(kind, {"id": obj_id or new_id(id_prefix(kind)), "object": kind,
                                  "created": self.now() if created is None else created, "livemode": False,
                                  **fields})
        return self.put(obj)

    def find(self, kind: str, obj_id: Any, param: str | None = None) -> dict[str, Any]:
        """The stored object, or Stripe's resource_missing error (404 in the URL, 400 in a param)."""
        if not isinstance(obj_id, str) or not obj_id:
            raise errors.missing(param or "id") if param else errors.no_such(kind, str(obj_id))
        found = self.table(kind).get(obj_id)
        if found is None or found.get("deleted"):
            raise errors.no_such(kind, obj_id, param)
        return found

    def all(self, kind: str) -> Iterator[dict[str, Any]]:
        """Newest first (by creation time, then by insertion); deleted ones left out."""
        items = list(self.table(kind).values())
        items.sort(key=lambda o: (o.get("created", 0), o.get("_seq", 0)), reverse=True)
        return iter(o for o in items if not o.get("deleted"))

    def lookup(self, obj_id: str) -> dict[str, Any] | None:
        """Any stored object on the current account by its id (its kind read from the prefix)."""
        kind = kind_of_id(obj_id)
        return None if kind is None else self.table(kind).get(obj_id)

    # events --------------------------------------------------------------------------------
    def emit(self, event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
        """Record Stripe's event for a change and hand it to the listeners (webhook delivery)."""
        with self.lock:
            data: dict[str, Any] = {"object": self.render(obj)}
            if previous is not None and event_type.endswith(".updated"):
                data["previous_attributes"] = previous  # Stripe sends them on *.updated events only
            event = self.new("event", {
                "api_version": API_VERSION, "data": data, "pending_webhooks": 0,
                "request": dict(self.request), "type": event_type, "account": self.account, "context": None,
            })
            for listener in self.listeners:
                listener(event)
            return event

    # rendering -----------------------------------------------------------------------------
    def render(self, obj: dict[str, Any], expand: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
        """The object as the API answers it, expansions applied."""
        with self.lock:
            out = self.links(public(obj))
            for path in expand:
                out = self._expand(out, path.split("."))
            return out if out.get("object") in shapes.EXPLICIT else complete(out)

    def links(self, out: dict[str, Any]) -> dict[str, Any]:
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
        include = INCLUDES.get((value.get("object"), head))
        if include is not None and head not in value:
            stored = self.lookup(value["id"]) or value
            return {**value, head: self._expand(include(self, stored), rest)}
        if head == "data" and isinstance(value.get("data"), list):
            return {**value, "data": [self._expand(v, rest) for v in value["data"]]}
        if head not in value:
            return value
        target = value[head]
        if isinstance(target, str):
            stored = self.lookup(target)
            if stored is not None:
                target = self.links(public(stored))
        elif isinstance(target, list):
            return {**value, head: [self._expand_id(t, rest) for t in target]}
        return {**value, head: self._expand(target, rest)}

    def _expand_id(self, target: Any, rest: list[str]) -> Any:
        if isinstance(target, str):
            stored = self.lookup(target)
            target = self.links(public(stored)) if stored is not None else target
        return self._expand(target, rest)
