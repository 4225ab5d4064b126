"""Backfill: copy an owner's Stripe objects into the store, so reads never call Stripe.

Runs on first sight of an owner (ensure_fresh), for everyone by `billing-bridge sync`, and keeps
the answers of the bridge's own writes (save_fetched). A fetched object is at least as new as
anything stored for it, so it is stored with seen_at = max(now, stored seen_at): an older event
delivered later still loses to it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server_bridge.api.errors import ApiError
from server_bridge.billing import next_bill
from server_bridge.db.models import Owner, StripeObject, SyncRun
from server_bridge.gateway import StripeCalls, StripeUnavailable
from server_bridge.mirror import store

log = logging.getLogger(__name__)

ALL_TOPICS = ["summary", "invoices", "plans"]

# Fields the bridge asks Stripe to expand; the store keeps each object once, under its own id.
EXPANDED: dict[str, tuple[tuple[str, ...], ...]] = {
    "customer": (("invoice_settings", "default_payment_method"),),
    "subscription": (("latest_invoice",), ("default_payment_method",)),
    "subscription_schedule": (("subscription",),),
    "price": (("product",),),
    "invoice": (("default_payment_method",),),
}


class Publisher(Protocol):
    def publish(self, customer_id: str, topics: list[str]) -> None: ...


def ref(value: Any) -> str | None:
    """The id of an expandable field, expanded or not."""
    if isinstance(value, dict):
        return value.get("id")
    return value


def split_expanded(obj: dict) -> tuple[dict, list[dict]]:
    """(obj with its expanded fields collapsed to ids, the expanded objects)."""
    nested: list[dict] = []
    copy = dict(obj)
    for path in EXPANDED.get(obj.get("object", ""), ()):
        parent: dict | None = copy
        for part in path[:-1]:
            child = parent.get(part) if isinstance(parent, dict) else None
            if not isinstance(child, dict):
                parent = None
                break
            child = dict(child)
            parent[part] = child
            parent = child
        if parent is None:
            continue
        value = parent.get(path[-1])
        if isinstance(value, dict) and value.get("id") and value.get("object"):
            inner, more = split_expanded(value)
            nested.append(inner)
            nested.extend(more)
            parent[path[-1]] = value["id"]
    return copy, nested


def stored_seen_at(session: Session, object_type: str, obj_id: str) -> int | None:
    table = StripeObject.__table__.c
    return session.execute(
        select(table.seen_at).where(table.object_type == object_type, table.id == obj_id)).scalar()


def save_snapshot(session: Session, obj: dict, *, seen_at: int, strict: bool = False) -> bool:
    """Store an object (and what was expanded inside it) as seen at seen_at; False if the stored
    copy won (see store.upsert_object)."""
    main, nested = split_expanded(obj)
    for inner in nested:
        store.upsert_object(session, inner, seen_at=seen_at, strict=strict)
    return store.upsert_object(session, main, seen_at=seen_at, strict=strict)


def save_fetched(session: Session, obj: dict, *, now: int | None = None) -> None:
    """Store an answer Stripe just gave: it is newer than anything stored for it."""
    at = int(now if now is not None else time.time())
    main, nested = split_expanded(obj)
    for item in [*nested, main]:
        previous = stored_seen_at(session, str(item.get("object")), str(item.get("id")))
        store.upsert_object(session, item, seen_at=max(at, previous or 0))


def copy_missing_prices(session: Session, gateway: StripeCalls, price_ids: Iterable[str | None]) -> None:
    """Fetch the prices (and their products) the store does not have yet."""
    for price_id in dict.fromkeys(p for p in price_ids if p):
        price = store.get_object(session, "price", price_id)
        if price is None or store.get_object(session, "product", ref(price.get("product")) or "") is None:
            save_fetched(session, gateway.get_price(price_id))


def subscription_prices(subscriptions: Iterable[Mapping], schedules: Iterable[Mapping]) -> list[str]:
    ids: list[str] = []
    for sub in subscriptions:
        for item in (sub.get("items") or {}).get("data") or []:
            ids.append(ref(item.get("price")) or "")
    for schedule in schedules:
        for phase in schedule.get("phases") or []:
            ids.extend(ref(item.get("price")) or "" for item in phase.get("items") or [])
    return [i for i in ids if i]


def backfill_owner(session: Session, gateway: StripeCalls, owner: Owner, *, plan_prices: Iterable[str] = (),
                   bus: Publisher | None = None) -> None:
    """Copy the owner's customer, card, subscriptions, schedules, invoices and plan prices into the store.

    The caller commits. Fetches everything first so a Stripe failure leaves the store untouched.
    """
    now = int(time.time())
    customer_id = owner.stripe_customer_id
    if customer_id:
        customer = gateway.get_customer(customer_id)
        subscriptions = gateway.list_subscriptions(customer_id)
        schedules = gateway.list_subscription_schedules(customer_id)
        invoices = gateway.list_invoices(customer_id)
        cards = [gateway.get_payment_method(pm) for pm in
                 dict.fromkeys(ref(s.get("default_payment_method")) for s in subscriptions)
                 if pm and not isinstance(pm, dict) and store.get_object(session, "payment_method", pm) is None]
        for obj in [customer, *cards, *subscriptions, *schedules, *invoices]:
            save_fetched(session, obj, now=now)
        copy_missing_prices(session, gateway, [*plan_prices, *subscription_prices(subscriptions, schedules)])
        next_bill.refresh(session, gateway, customer_id)
    else:
        copy_missing_prices(session, gateway, plan_prices)
    store.mark_synced(session, owner.id, now)
    if bus is not None and customer_id:
        bus.publish(customer_id, list(ALL_TOPICS))


def ensure_fresh(session: Session, gateway: StripeCalls, owner: Owner, *, plan_prices: Iterable[str] = (),
                 bus: Publisher | None = None) -> bool:
    """Backfill an owner the store has never seen; True if it did. Commits what it wrote."""
    plan_prices = list(plan_prices)
    if store.synced_at(session, owner.id) is not None:
        if any(store.get_object(session, "price", p) is None for p in plan_prices):
            copy_missing_prices(session, gateway, plan_prices)
            session.commit()
        return False
    try:
        backfill_owner(session, gateway, owner, plan_prices=plan_prices, bus=None)
        session.commit()
    except IntegrityError:
        # Another request backfilled the same owner at the same moment: its copy is as good.
        session.rollback()
        return False
    if bus is not None and owner.stripe_customer_id:
        bus.publish(owner.stripe_customer_id, list(ALL_TOPICS))
    return True


BACKFILL_LOCK = 0x6269_6C6C  # "bill": one backfill worker at a time across bridge instances
RUN = "owners"
GIVE_UP_AFTER = 3  # owners in a row for whom Stripe could not be reached: it is down, stop asking


@dataclass
class SyncReport:
    """What one `sync` did: owners synced, owners left from a run that had already synced them
    (resumed), and each owner that failed with the reason."""

    synced: int = 0
    resumed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    stopped: str | None = None    # why the run stopped before the end (Stripe unreachable)
    skipped: bool = False         # another bridge is syncing

    @property
    def finished(self) -> bool:
        return not self.failed and self.stopped is None and not self.skipped


def _start_run(session: Session, now: int, *, full: bool) -> int | None:
    """When the unfinished run this one resumes began (owners synced since are kept), else None."""
    run = session.get(SyncRun, RUN)
    if run is not None and run.finished_at is None and not full:
        return run.started_at
    if run is None:
        session.add(SyncRun(name=RUN, started_at=now, finished_at=None))
    else:
        run.started_at, run.finished_at = now, None
    session.commit()
    return None


def _finish_run(session: Session, now: int) -> None:
    run = session.get(SyncRun, RUN)
    if run is not None:
        run.finished_at = now
        session.commit()


def sync_all(session_factory: Callable[[], Session], gateway: StripeCalls, *, plans: Mapping[str, str] | None = None,
             bus: Publisher | None = None, full: bool = False) -> SyncReport:
    """Backfill every enabled owner, one transaction each, and report.

    One owner's failure is reported and the others go on; when Stripe cannot be reached for
    GIVE_UP_AFTER owners in a row the run stops. A run that did not finish (failures, a stop, an
    interruption) is resumed by the next: owners synced since it began are not fetched again
    (`full` starts over). On PostgreSQL several bridges may share the database: an advisory lock
    lets one run at a time (the others skip at once rather than hit Stripe's rate limit twice).
    """
    report = SyncReport()
    with session_factory() as guard:
        postgres = guard.get_bind().dialect.name == "postgresql"
        if postgres and not guard.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": BACKFILL_LOCK}).scalar():
            log.info("another bridge is backfilling; skipped")
            report.skipped = True
            return report
        try:
            # the guard's transaction stays open: it pins the connection that holds the lock
            owner_ids = list(guard.execute(select(Owner.id).where(Owner.disabled.is_(False))
                                           .order_by(Owner.id)).scalars())
            with session_factory() as session:
                resuming_from = _start_run(session, int(time.time()), full=full)
            unreachable = 0
            for owner_id in owner_ids:
                with session_factory() as session:
                    owner = session.get(Owner, owner_id)
                    if owner is None:
                        continue
                    synced = store.synced_at(session, owner.id)
                    if resuming_from is not None and synced is not None and synced >= resuming_from:
                        report.resumed += 1
                        continue
                    try:
                        backfill_owner(session, gateway, owner, plan_prices=(plans or {}).values(), bus=None)
                        session.commit()
                    except ApiError as exc:
                        session.rollback()
                        detail = getattr(exc, "reason", "")
                        message = exc.message.rstrip(".")
                        reason = (f"Stripe {detail}" if detail else message if message.startswith("Stripe")
                                  else f"Stripe refused: {message}")
                        log.warning("sync of %s failed: %s", owner.email, reason)
                        report.failed.append((owner.email, reason))
                        unreachable = unreachable + 1 if isinstance(exc, StripeUnavailable) else 0
                        if unreachable >= GIVE_UP_AFTER:
                            report.stopped = reason
                            break
                        continue
                    unreachable = 0
                    report.synced += 1
                    if bus is not None and owner.stripe_customer_id:
                        bus.publish(owner.stripe_customer_id, list(ALL_TOPICS))
            if report.finished:
                with session_factory() as session:
                    _finish_run(session, int(time.time()))
            return report
        finally:
            if postgres:
                guard.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": BACKFILL_LOCK})
                guard.commit()
