"""The webhook pipeline: a verified Stripe event is stored raw and applied in one transaction.

- The event row and its effects commit together; the answer is 2xx only after that commit.
- A processed event id is never applied again (replays, and two deliveries at once: a new event is
  claimed by INSERT .. ON CONFLICT DO NOTHING, so the second delivery waits for the first to commit
  and then finds it taken; a failed one by an UPDATE that matches only while it is unprocessed).
- An event's object is stored from its payload only when the event is strictly newer than the stored
  copy and speaks the pinned API version. Otherwise (the same second, older, or another API version)
  the object is re-read from Stripe through the gateway and that answer is stored, as dj-stripe does:
  `created` is whole seconds and Stripe does not deliver in order. The re-read happens outside the
  transaction (no lock is held across a Stripe call); the event is then claimed again.
- Final states (a canceled subscription, a paid or void invoice) never revert: the store refuses.
- If applying fails the transaction rolls back, the failure is recorded in a transaction of its
  own (attempts, last_error) and the caller answers 5xx, so Stripe delivers it again.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, StringConstraints, ValidationError
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from server_bridge.billing.setup import WEBHOOK_EVENTS
from server_bridge.connect import event_handlers
from server_bridge.db.models import StripeObject, WebhookEvent
from server_bridge.edge.validation import Printable, StripeId
from server_bridge.gateway import STRIPE_VERSION, StripeCalls, StripeRefused, StripeUnavailable
from server_bridge.mirror.store import customer_of
from server_bridge.mirror.sync import save_fetched, save_snapshot

log = logging.getLogger(__name__)


class EventInFlight(Exception):
    """Another delivery of this event is being applied and its outcome is unknown: retry later."""


class EventFailed(Exception):
    """Applying the event failed; recorded, to be retried by Stripe."""


class NotNewer(Exception):
    """The event's payload cannot be trusted over the stored copy: re-read the object from Stripe."""


@dataclass(frozen=True)
class Outcome:
    status: str                 # "applied" | "reread" | "stale" | "duplicate" | "ignored"
    customer_id: str | None = None
    topics: tuple[str, ...] = ()
    account_id: str | None = None                   # a Connect event's connected account
    follow_ups: tuple[tuple[str, str], ...] = ()    # Stripe reads for the Connect worker, after the commit


@dataclass(frozen=True)
class Fetched:
    """What Stripe answered when the object was re-read (None: it has no such object any more)."""

    obj: dict[str, Any] | None


#: (session, event, the event's object, the re-read answer or None) -> topics to refresh.
Applier = Callable[[Session, dict[str, Any], dict[str, Any], "Fetched | None"], tuple[str, ...]]


def _gone(obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": obj["id"], "object": obj["object"], "deleted": True}


def _snapshot(topics: tuple[str, ...], *, tombstone: bool = False) -> Applier:
    def apply(session: Session, event: dict[str, Any], obj: dict[str, Any], fetched: Fetched | None) -> tuple[str, ...]:
        created = int(event["created"])
        if fetched is None:
            if event.get("api_version") != STRIPE_VERSION:
                raise NotNewer
            if not save_snapshot(session, {**obj, "deleted": True} if tombstone else obj, seen_at=created,
                                 strict=True):
                raise NotNewer
            return topics
        current = fetched.obj
        if current is None or (current.get("object") == "payment_method" and not current.get("customer")):
            current = _gone(obj)  # the store keeps an owner's objects only; a detached card is gone
        save_fetched(session, current, now=max(created, int(time.time())))
        return topics

    return apply


SUMMARY = ("summary",)
SUBSCRIPTION = ("summary", "plans")
INVOICE = ("invoices", "summary")

APPLIERS: dict[str, Applier] = {
    "customer.created": _snapshot(SUMMARY),
    "customer.updated": _snapshot(SUMMARY),
    "customer.deleted": _snapshot(SUBSCRIPTION, tombstone=True),
    "payment_method.attached": _snapshot(SUMMARY),
    "payment_method.updated": _snapshot(SUMMARY),
    "payment_method.detached": _snapshot(SUMMARY, tombstone=True),
    "checkout.session.completed": _snapshot(SUBSCRIPTION),
    **{name: _snapshot(SUBSCRIPTION) for name in WEBHOOK_EVENTS
       if name.startswith(("customer.subscription.", "subscription_schedule."))},
    **{name: _snapshot(INVOICE) for name in WEBHOOK_EVENTS if name.startswith("invoice.")},
}


def event_object(event: dict[str, Any]) -> dict[str, Any] | None:
    """The event's object if the bridge applies events of this type, else None."""
    obj = (event.get("data") or {}).get("object")
    if str(event.get("type")) not in APPLIERS or not isinstance(obj, dict):
        return None
    if not isinstance(obj.get("id"), str) or not isinstance(obj.get("object"), str):
        return None
    return obj


def apply_event(session: Session, event: dict[str, Any], fetched: Fetched | None = None) -> Outcome:
    """Apply one event in the caller's transaction; NotNewer if its object must be re-read first.

    A connected account's event (it names the `account`) goes to the Connect store, which keeps its
    own guard against older state."""
    if event.get("account"):
        applied = event_handlers.apply(session, event)
        if applied is None:
            return Outcome("ignored")
        return Outcome("applied", applied.owner_key, ("earnings",) if applied.owner_key else (),
                       account_id=str(event["account"]), follow_ups=applied.follow_ups)
    obj = event_object(event)
    if obj is None:
        return Outcome("ignored")
    topics = APPLIERS[str(event["type"])](session, event, obj, fetched)
    customer = customer_of(obj) or (customer_of(fetched.obj) if fetched and fetched.obj else None)
    if customer is None and obj.get("object") and obj.get("id"):
        # A detached card no longer names its customer; the stored copy still does.
        customer = session.execute(select(StripeObject.customer_id).where(
            StripeObject.object_type == obj["object"], StripeObject.id == obj["id"])).scalar_one_or_none()
    return Outcome("applied" if fetched is None else "reread", customer, topics)


def _event_row(event: dict[str, Any], payload: str, now: int, *, processed: bool) -> dict[str, Any]:
    return {"id": event["id"], "type": str(event.get("type")), "created": int(event["created"]),
            "livemode": bool(event.get("livemode")), "payload": payload, "received_at": now,
            "processed_at": now if processed else None, "attempts": 1 if processed else 0, "last_error": None}


@functools.cache
def _statements(dialect: str) -> tuple[Any, Any]:
    """(insert-if-new, claim-a-failed-one), built once: values go in as parameters, so SQLAlchemy
    compiles each statement a single time instead of once per event."""
    table = WebhookEvent.__table__
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    insert_new = insert.on_conflict_do_nothing(index_elements=[table.c.id]).returning(table.c.id)
    claim_failed = (
        update(table).where(table.c.id == bindparam("event_id"), table.c.processed_at.is_(None))
        .values(attempts=table.c.attempts + 1, processed_at=bindparam("now"), last_error=None)
        .returning(table.c.id)
    )
    return insert_new, claim_failed


def _claim(session: Session, event: dict[str, Any], payload: str, now: int) -> bool:
    """Take the event for this transaction, marked processed (it only commits if applying does);
    False if it was processed already.

    A new event is one INSERT .. ON CONFLICT DO NOTHING: a concurrent delivery's insert waits for
    ours to commit and then does nothing. A stored, failed event is claimed by an UPDATE that only
    matches while it is unprocessed.
    """
    insert_new, claim_failed = _statements(session.get_bind().dialect.name)
    if session.execute(insert_new, _event_row(event, payload, now, processed=True)).first() is not None:
        return True
    return session.execute(claim_failed, {"event_id": event["id"], "now": now}).first() is not None


def _record_failure(session_factory: Callable[[], Session], event: dict[str, Any], payload: str, now: int,
                    error: str) -> None:
    table = WebhookEvent.__table__
    with session_factory() as session:
        insert_new, _ = _statements(session.get_bind().dialect.name)
        session.execute(insert_new, _event_row(event, payload, now, processed=False))
        session.execute(update(table).where(table.c.id == event["id"], table.c.processed_at.is_(None))
                        .values(attempts=table.c.attempts + 1, last_error=error[:2000]))
        session.commit()


def _reread(gateway: StripeCalls | None, obj: dict[str, Any]) -> Fetched | None:
    """Stripe's current copy of the object; None without a gateway (a bridge with no Stripe key)."""
    if gateway is None:
        return None
    return Fetched(gateway.reread(obj["object"], obj["id"]))


def process_event(session_factory: Callable[[], Session], event: dict[str, Any], payload: str,
                  *, gateway: StripeCalls | None = None, now: int | None = None) -> Outcome:
    """Store and apply one verified event exactly once. Raises EventFailed / EventInFlight (answer 5xx).

    Without a gateway an event that is not newer than the stored copy is acknowledged unapplied
    ("stale"): the stored copy is at least as new.
    """
    now = int(now if now is not None else time.time())
    fetched: Fetched | None = None
    while True:  # at most twice: an answer re-read from Stripe is never NotNewer
        with session_factory() as session:
            try:
                if not _claim(session, event, payload, now):
                    return Outcome("duplicate")
            except (IntegrityError, OperationalError):
                # The database could not tell (lock timeout): let Stripe try again shortly.
                session.rollback()
                raise EventInFlight(event["id"]) from None
            try:
                outcome = apply_event(session, event, fetched)
                session.commit()
                return outcome
            except NotNewer:
                session.rollback()
            except Exception as exc:
                session.rollback()
                log.exception("applying %s (%s) failed", event.get("id"), event.get("type"))
                error = f"{type(exc).__name__}: {exc}"
                break
        try:
            fetched = _reread(gateway, event_object(event) or {})
        except (StripeUnavailable, StripeRefused) as exc:
            error = f"re-reading the object failed: {exc.message}"
            break
        if fetched is None:
            with session_factory() as session:
                if not _claim(session, event, payload, now):
                    return Outcome("duplicate")
                session.commit()
            return Outcome("stale")
    try:
        _record_failure(session_factory, event, payload, now, error)
    except Exception:
        log.exception("recording the failure of %s failed", event.get("id"))
    raise EventFailed(error)


def is_event(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("id"), str) and bool(value["id"])
            and isinstance(value.get("created"), int) and isinstance(value.get("type"), str))


class _StoredObject(BaseModel):
    id: StripeId | None = None
    object: Annotated[str, StringConstraints(max_length=64), Printable] | None = None
    customer: StripeId | dict[str, Any] | None = None


class _StoredEvent(BaseModel):
    id: StripeId
    type: Annotated[str, StringConstraints(min_length=1, max_length=128), Printable]
    account: StripeId | None = None


def unstorable(event: dict[str, Any]) -> str | None:
    """Why the bridge cannot store `event` (e.g. "id: String should have at most 255 characters"), or None.

    What goes into the bridge's columns is checked: the event's id and type, its account, and its
    object's id, kind and customer (lengths as in models.py, no control characters). Such an event is
    answered 400 rather than failing as it is written (PostgreSQL refuses a NUL and text over a
    column's length), which would be a 500 that Stripe retries for three days."""
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    checks = ((_StoredEvent, event, ""), (_StoredObject, obj if isinstance(obj, dict) else {}, "data.object."))
    for model, value, prefix in checks:
        try:
            model.model_validate(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            return f"{prefix}{first['loc'][0]}: {first['msg']}"
    return None
