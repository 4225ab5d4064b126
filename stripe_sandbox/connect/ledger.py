"""Connect's ledger: the books its parts (accounts, payments, disputes, payouts, sales) share on one
store: the Stripe-Account scope, balance transactions, the balance, and list paging.

Connect's objects live in the store's tables of their account (the platform, None, or a connected
account named by the request's `Stripe-Account` header) and note their owner in `_account`: another
account's id answers 404 exactly as a missing one does. The books kept beside them (objects per
account and kind in creation order, so 100,000 charges page by bisection instead of a sort per
request; balances; pending funds; what no payout holds yet) live with the store.
"""

from __future__ import annotations

import bisect
import copy
import functools
import heapq
import random
import secrets
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from stripe_sandbox import errors
from stripe_sandbox.params import merge_metadata
from stripe_sandbox.store import PREFIXES, Store, diff, id_prefix

PREFIXES.update({"acct_": "account", "txn_": "balance_transaction", "re_": "refund", "po_": "payout",
                 "dp_": "dispute", "fee_": "application_fee", "ba_": "bank_account"})


_IDS = random.Random(secrets.randbits(128))


def fast_id(prefix: str) -> str:
    """A unique id (96 random bits), cheap to make in bulk: the sales generator makes 400,000."""
    return f"{prefix}{_IDS.getrandbits(96):024x}"


@functools.cache
def _prefix(kind: str) -> str:
    return id_prefix(kind)


def snapshot(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of the public fields, to tell what changed (previous_attributes) without copying private notes."""
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}


@dataclass
class Window:
    """One page of a list, already cut (the envelope renders it as it is)."""

    kind: str
    items: list[dict[str, Any]]
    has_more: bool
    url: str


#: Work the clock runs at a moment: (when, order among work due at the same moment, what to do).
Due = tuple[int, int, Callable[[], None]]


def _order(obj: dict[str, Any]) -> tuple[int, int]:
    return obj["created"], obj["_seq"]


class Books:
    """The ledger's state for one store."""

    def __init__(self) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}
        self.index: dict[tuple[str | None, str], list[dict[str, Any]]] = {}
        self.balances: dict[tuple[str | None, str], dict[str, int]] = {}
        self.releases: list[tuple[int, int, str]] = []   # (available_on, seq, txn id) of pending funds
        self.unswept: dict[tuple[str | None, str], list[dict[str, Any]]] = {}   # available, in no payout yet


def kept(store: Store, name: str, make: Callable[[], Any]) -> Any:
    """Connect state that lives and dies with the store (kept in a platform table of its own)."""
    with store.lock, store.scoped(None):
        table: dict[str, Any] = store.table("sandbox.connect")
        found = table.get(name)
        if found is None:
            found = table[name] = make()
        return found


class Ledger:
    """The books every Connect part writes to on one store: objects by account, balance transactions
    and balances. Cheap to make (`Ledger(store)`): its state is the store's."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lock = store.lock
        books: Books = kept(store, "books", Books)
        self._by_id, self._index, self._balances = books.by_id, books.index, books.balances
        self._releases = books.releases
        #: Available balance transactions no payout holds yet, by (account, currency), oldest first.
        self.unswept = books.unswept

    def now(self) -> int:
        return self.store.now()

    @property
    def base_url(self) -> str:
        return self.store.base_url

    def render(self, obj: dict[str, Any], expand: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
        with self.store.scoped(obj.get("_account")):
            return self.store.render(obj, expand)

    def emit(self, event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> None:
        """Stripe's event on the object's account (a connected account's reach its Connect endpoints)."""
        with self.store.scoped(obj.get("_account")):
            self.store.emit(event_type, obj, previous)

    # objects -------------------------------------------------------------------------------
    def scope(self) -> str | None:
        """The account this request acts on: its Stripe-Account header, else the platform (None)."""
        return self.store.account

    def add(self, kind: str, fields: dict[str, Any], account: str | None, *, created: int | None = None,
            obj_id: str | None = None) -> dict[str, Any]:
        """A new object on `account` (None: the platform), made of `fields` (built for it by the caller)."""
        obj = fields
        obj.update(id=obj_id or fast_id(_prefix(kind)), object=kind, livemode=False, _account=account,
                   created=self.now() if created is None else created)
        if self.store.account == account:
            self.store.put(obj)
        else:
            with self.store.scoped(account):
                self.store.put(obj)
        self._by_id[obj["id"]] = obj
        owned = self._index.setdefault((account, kind), [])
        if not owned or _order(owned[-1]) <= _order(obj):
            owned.append(obj)
        else:
            bisect.insort(owned, obj, key=_order)
        return obj

    def get(self, obj_id: str) -> dict[str, Any] | None:
        """Any stored Connect object by id, whatever its account (None: unknown)."""
        return self._by_id.get(obj_id)

    def stored(self, obj_id: str) -> dict[str, Any]:
        """A Connect object the sandbox itself refers to (its id came from the ledger)."""
        return self._by_id[obj_id]

    def find(self, kind: str, obj_id: Any, param: str | None = None, account: Any = ...) -> dict[str, Any]:
        """The object in the request's scope (or `account`'s), else Stripe's resource_missing."""
        scope = self.scope() if account is ... else account
        if not isinstance(obj_id, str) or not obj_id:
            raise errors.missing(param or "id") if param else errors.no_such(kind, str(obj_id))
        found = self._by_id.get(obj_id)
        if found is None or found["object"] != kind or found.get("deleted") or found.get("_account") != scope:
            raise errors.no_such(kind, obj_id, param)
        return found

    def update(self, kind: str, obj_id: Any, params: dict[str, Any],
               apply: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
        """Stripe's update of an object on the request's account: `metadata` merged, `apply` for the
        object's other writable fields, and `<kind>.updated` with previous_attributes if anything changed."""
        with self.lock:
            obj = self.find(kind, obj_id)
            before = snapshot(obj)
            if apply is not None:
                apply(obj)
            if "metadata" in params:
                obj["metadata"] = merge_metadata(obj["metadata"], params["metadata"])
            previous = diff(before, obj)
            if previous:
                self.emit(f"{kind}.updated", obj, previous)
            return obj

    def owned(self, account: str | None, kind: str) -> list[dict[str, Any]]:
        """The account's objects of one kind, oldest first (read them under the lock)."""
        return self._index.get((account, kind), [])

    def every(self, kind: str) -> Iterator[dict[str, Any]]:
        """Every account's objects of one kind."""
        for (_, owned_kind), owned in self._index.items():
            if owned_kind == kind:
                yield from owned

    # paging --------------------------------------------------------------------------------
    def window(self, kind: str, params: dict[str, Any], url: str,
               match: Callable[[dict[str, Any]], bool] | None = None,
               items: list[dict[str, Any]] | None = None) -> Window:
        """Stripe's list paging (limit, starting_after, ending_before, created[...]) over objects in
        creation order, newest first, without looking at more than the page needs when unfiltered."""
        size = _limit(params.get("limit"))
        items = self.owned(self.scope(), kind) if items is None else items
        lo, hi = _created_bounds(items, params.get("created"))
        if params.get("starting_after"):
            cursor = self.find(kind, params["starting_after"], "starting_after")
            hi = min(hi, bisect.bisect_left(items, _order(cursor), key=_order))
        elif params.get("ending_before"):
            cursor = self.find(kind, params["ending_before"], "ending_before")
            lo = max(lo, bisect.bisect_right(items, _order(cursor), key=_order))
            newer = [o for o in _scan(items, lo, hi, match, up=True, limit=size + 1)]
            return Window(kind, list(reversed(newer[:size])), len(newer) > size, url)
        chosen = list(_scan(items, lo, hi, match, up=False, limit=size + 1))
        return Window(kind, chosen[:size], len(chosen) > size, url)

    # balance transactions and the balance --------------------------------------------------
    def txn(self, account: str | None, *, amount: int, currency: str, type: str, category: str,
            source: str | None, created: int, available_on: int | None = None,
            fees: Iterable[tuple[str, int, str]] = (), description: str | None = None,
            sweep: bool = True) -> dict[str, Any]:
        """A balance transaction; its net moves the account's pending or available balance. Once available,
        it waits to be paid out (`sweep`), unless it is a payout's own."""
        fee_details = [{"amount": value, "application": None if kind != "application_fee" else "ca_sandbox",
                        "currency": currency, "description": text, "type": kind}
                       for kind, value, text in fees if value]
        fee = sum(f["amount"] for f in fee_details)
        available_on = created if available_on is None else available_on
        pending = available_on > created
        txn = self.add("balance_transaction", {
            "amount": amount, "available_on": available_on, "balance_type": "payments", "currency": currency,
            "description": description, "exchange_rate": None, "fee": fee, "fee_details": fee_details,
            "net": amount - fee, "reporting_category": category, "source": source,
            "status": "pending" if pending else "available", "type": type, "_payout": None,
        }, account, created=created)
        funds = self.funds(account, currency)
        if pending:
            funds["pending"] += txn["net"]
            heapq.heappush(self._releases, (available_on, txn["_seq"], txn["id"]))
        else:
            funds["available"] += txn["net"]
            if sweep:
                self.unswept.setdefault((account, currency), []).append(txn)
        return txn

    def funds(self, account: str | None, currency: str) -> dict[str, int]:
        """The account's {"available", "pending"} in one currency."""
        return self._balances.setdefault((account, currency), {"available": 0, "pending": 0})

    def release_due(self, until: int) -> set[str | None]:
        """Pending funds whose available_on has come become available; the accounts that changed."""
        touched: set[str | None] = set()
        while self._releases and self._releases[0][0] <= until:
            _, _, txn_id = heapq.heappop(self._releases)
            txn = self._by_id[txn_id]
            if txn["status"] != "pending":
                continue
            txn["status"] = "available"
            funds = self.funds(txn["_account"], txn["currency"])
            funds["pending"] -= txn["net"]
            funds["available"] += txn["net"]
            self.unswept.setdefault((txn["_account"], txn["currency"]), []).append(txn)
            touched.add(txn["_account"])
        return touched

    def due(self, until: int) -> list[Due]:
        """The next release of pending funds at or before `until` (`balance.available` on each account)."""
        if not self._releases or self._releases[0][0] > until:
            return []
        at = self._releases[0][0]
        return [(at, 4, lambda: self._release_at(at))]

    def _release_at(self, at: int) -> None:
        for account in self.release_due(at):
            if account is not None:
                self.emit("balance.available", {**self.balance(account), "_account": account})

    def balance_transactions_page(self, params: dict[str, Any]) -> Any:
        filters = {k: params[k] for k in ("currency", "source", "type") if params.get(k)}
        if params.get("payout"):
            payout = self.find("payout", params["payout"], "payout")
            items = payout.get("_txns") or []
            return self.window("balance_transaction", params,
                                f"/v1/balance_transactions?payout={payout['id']}", equals(filters), items=items)
        return self.window("balance_transaction", params, "/v1/balance_transactions", equals(filters))

    def balance(self, account: str | None) -> dict[str, Any]:
        currencies = sorted(c for a, c in self._balances if a == account) or [self._default_currency(account)]
        rows = [(c, self.funds(account, c)) for c in currencies]
        out: dict[str, Any] = {
            "object": "balance", "livemode": False,
            "available": [{"amount": f["available"], "currency": c, "source_types": {"card": f["available"]}}
                          for c, f in rows],
            "pending": [{"amount": f["pending"], "currency": c, "source_types": {"card": f["pending"]}}
                        for c, f in rows],
            "instant_available": None, "issuing": None, "refund_and_dispute_prefunding": None,
        }
        out["connect_reserved"] = [{"amount": 0, "currency": c} for c in currencies] if account is None else None
        return out

    def _default_currency(self, account: str | None) -> str:
        if account is None:
            return "usd"
        return self._by_id.get(account, {}).get("default_currency") or "usd"


def equals(filters: dict[str, Any]) -> Callable[[dict[str, Any]], bool] | None:
    """A list filter on top-level fields (None: no filter)."""
    if not filters:
        return None
    return lambda obj: all(obj.get(k) == v for k, v in filters.items())


def _limit(value: Any) -> int:
    try:
        size = 10 if value in (None, "") else int(value)
    except (TypeError, ValueError):
        raise errors.invalid("limit", f"Invalid integer: {value}") from None
    if not 1 <= size <= 100:
        raise errors.invalid("limit", "This value must be between 1 and 100 (inclusive).")
    return size


def _created_bounds(items: list[dict[str, Any]], created: Any) -> tuple[int, int]:
    """The slice of `items` (in creation order) inside a created / created[gt|gte|lt|lte] filter."""
    lo, hi = 0, len(items)
    if created in (None, ""):
        return lo, hi
    try:
        bounds = ({op: int(v) for op, v in created.items()} if isinstance(created, dict)
                  else {"eq": int(created)})
    except (TypeError, ValueError):
        raise errors.invalid("created", "Invalid timestamp filter: created") from None
    for op, value in bounds.items():
        if op == "gt":
            lo = max(lo, bisect.bisect_right(items, value, key=lambda o: o["created"]))
        elif op == "gte":
            lo = max(lo, bisect.bisect_left(items, value, key=lambda o: o["created"]))
        elif op == "lt":
            hi = min(hi, bisect.bisect_left(items, value, key=lambda o: o["created"]))
        elif op == "lte":
            hi = min(hi, bisect.bisect_right(items, value, key=lambda o: o["created"]))
        elif op == "eq":
            lo = max(lo, bisect.bisect_left(items, value, key=lambda o: o["created"]))
            hi = min(hi, bisect.bisect_right(items, value, key=lambda o: o["created"]))
        else:
            raise errors.StripeError(f"Received unknown parameter: created[{op}]", code="parameter_unknown",
                                     param=f"created[{op}]")
    return lo, hi


def _scan(items: list[dict[str, Any]], lo: int, hi: int, match: Callable[[dict[str, Any]], bool] | None, *,
          up: bool, limit: int) -> Iterable[dict[str, Any]]:
    found = 0
    positions = range(lo, hi) if up else range(hi - 1, lo - 1, -1)
    for i in positions:
        obj = items[i]
        if match is None or match(obj):
            yield obj
            found += 1
            if found >= limit:
                return
