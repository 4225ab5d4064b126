"""The webhook pipeline: a verified Stripe event is stored raw and applied in one transaction.

- The event row and its effects commit together; the answer is 2xx only after that commit.
- A processed event id is never applied again (replays, and two deliveries at once: a new event is
  claimed by INSERT .. ON CONFLICT DO NOTHING, so the second delivery waits for the first to commit
  and then finds it taken; a failed one by an UPDATE that matches only while it is unprocessed).
- Objects are stored with seen_at = event.created, so an older event never overwrites newer state.
- If applying fails the transaction rolls back, the failure is recorded in a transaction of its
  own (attempts, last_error) and the caller answers 5xx, so Stripe delivers it again.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from server_bridge.connect import events as connect_events
from server_bridge.models import StripeObject, WebhookEvent
from server_bridge.setup import WEBHOOK_EVENTS
from server_bridge.store import customer_of
from server_bridge.sync import save_snapshot

log = logging.getLogger(__name__)


class EventInFlight(Exception):
    """Another delivery of this event is being applied and its outcome is unknown: retry later."""


class EventFailed(Exception):
    """Applying the event failed; recorded, to be retried by Stripe."""


@dataclass(frozen=True)
class Outcome:
    status: str                 # "applied" | "duplicate" | "ignored"
    customer_id: str | None = None
    topics: tuple[str, ...] = ()
    account_id: str | None = None                   # a Connect event's connected account
    follow_ups: tuple[tuple[str, str], ...] = ()    # Stripe reads for the Connect worker, after the commit


Applier = Callable[[Session, dict[str, Any], dict[str, Any]], tuple[str, ...]]


def _snapshot(topics: tuple[str, ...], *, tombstone: bool = False) -> Applier:
    def apply(session: Session, event: dict[str, Any], obj: dict[str, Any]) -> tuple[str, ...]:
        if tombstone:
            obj = {**obj, "deleted": True}
        save_snapshot(session, obj, seen_at=int(event["created"]))
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


def apply_event(session: Session, event: dict[str, Any]) -> Outcome:
    if event.get("account"):
        applied = connect_events.apply(session, event)
        if applied is None:
            return Outcome("ignored")
        return Outcome("applied", applied.owner_key, ("earnings",) if applied.owner_key else (),
                       account_id=str(event["account"]), follow_ups=applied.follow_ups)
    obj = (event.get("data") or {}).get("object")
    applier = APPLIERS.get(str(event.get("type")))
    if applier is None or not isinstance(obj, dict):
        return Outcome("ignored")
    topics = applier(session, event, obj)
    customer = customer_of(obj)
    if customer is None and obj.get("object") and obj.get("id"):
        # A detached card no longer names its customer; the stored copy still does.
        customer = session.execute(select(StripeObject.customer_id).where(
            StripeObject.object_type == obj["object"], StripeObject.id == obj["id"])).scalar_one_or_none()
    return Outcome("applied", customer, topics)


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


def process_event(session_factory: Callable[[], Session], event: dict[str, Any], payload: str,
                  *, now: int | None = None) -> Outcome:
    """Store and apply one verified event exactly once. Raises EventFailed / EventInFlight (answer 5xx)."""
    now = int(now if now is not None else time.time())
    with session_factory() as session:
        try:
            if not _claim(session, event, payload, now):
                return Outcome("duplicate")
        except (IntegrityError, OperationalError):
            # The database could not tell (lock timeout): let Stripe try again shortly.
            session.rollback()
            raise EventInFlight(event["id"]) from None
        try:
            outcome = apply_event(session, event)
            session.commit()
            return outcome
        except Exception as exc:
            session.rollback()
            log.exception("applying %s (%s) failed", event.get("id"), event.get("type"))
            error = f"{type(exc).__name__}: {exc}"
    try:
        _record_failure(session_factory, event, payload, now, error)
    except Exception:
        log.exception("recording the failure of %s failed", event.get("id"))
    raise EventFailed(error)


def is_event(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("id"), str) and bool(value["id"])
            and isinstance(value.get("created"), int) and isinstance(value.get("type"), str))
