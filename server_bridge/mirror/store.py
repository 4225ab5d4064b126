"""The bridge's copy of Stripe objects: what every read is served from.

Writes carry `seen_at`, the time Stripe vouched for that state (an event's `created`, or the time of
the API answer); a write never replaces a copy seen later, so a late or replayed event cannot undo
newer state. A final state (a canceled subscription, a paid or void invoice, a deleted customer) is
only ever replaced by another final one. Both guards are one statement (INSERT .. ON CONFLICT DO
UPDATE .. WHERE), so two writers racing cannot break them either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server_bridge.db.models import OwnerSync, StripeObject


def customer_of(obj: dict[str, Any]) -> str | None:
    """The customer an object belongs to: its `customer` (expanded or not), or itself for a customer."""
    if obj.get("object") == "customer":
        return obj.get("id")
    customer = obj.get("customer")
    if isinstance(customer, dict):
        return customer.get("id")
    return customer if isinstance(customer, str) else None


#: States Stripe never leaves once it is in them.
TERMINAL_STATUSES: dict[str, frozenset[str]] = {
    "subscription": frozenset({"canceled", "incomplete_expired"}),
    "invoice": frozenset({"paid", "void"}),
}


def is_terminal(obj: dict[str, Any]) -> bool:
    kind = obj.get("object")
    if kind == "customer":
        return bool(obj.get("deleted"))
    return obj.get("status") in TERMINAL_STATUSES.get(str(kind), ())


_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_UPSERTS: dict[tuple[str, bool], Any] = {}


def _insert_for(dialect: str) -> Any:
    """INSERT with ON CONFLICT, which both supported databases have."""
    try:
        return _INSERTS[dialect]
    except KeyError:
        raise RuntimeError(f"unsupported database: {dialect}") from None


def _upsert_statement(dialect: str, strict: bool) -> Any:
    """The guarded upsert, built once per dialect and strictness with bind parameters.

    Built per call with literal values, SQLAlchemy would hash the whole JSON text into its cache key
    every time; with parameters the compiled statement is reused.
    """
    statement = _UPSERTS.get((dialect, strict))
    if statement is not None:
        return statement
    table = StripeObject.__table__
    columns = ("object_type", "id", "customer_id", "created", "seen_at", "deleted", "terminal", "data")
    insert = _insert_for(dialect)(table).values({name: bindparam(name, type_=table.c[name].type) for name in columns})
    excluded = insert.excluded
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.object_type, table.c.id],
        set_={
            "seen_at": excluded.seen_at,
            "deleted": excluded.deleted,
            "terminal": excluded.terminal,
            "data": excluded.data,
            # A tombstone or a partial answer may lack these; keep what we knew.
            "customer_id": func.coalesce(excluded.customer_id, table.c.customer_id),
            "created": func.coalesce(excluded.created, table.c.created),
        },
        where=and_(table.c.seen_at < excluded.seen_at if strict else table.c.seen_at <= excluded.seen_at,
                   or_(table.c.terminal.is_(False), excluded.terminal.is_(True))),
    ).returning(table.c.id)
    _UPSERTS[(dialect, strict)] = statement
    return statement


def upsert_object(session: Session, obj: dict[str, Any], *, seen_at: int, strict: bool = False,
                  customer_id: str | None = None) -> bool:
    """Store `obj` unless the stored copy was seen later or is final and `obj` is not; True if written.
    `customer_id` files an object that does not name its customer (a refund) under one.

    `strict`: also keep a copy seen in the same second (an event's payload is only trusted when it
    is strictly newer; Stripe's `created` is whole seconds). Deleted objects (`"deleted": true`, as
    Stripe answers a delete) are kept as tombstones so an older event cannot bring them back.
    """
    object_type, obj_id = obj.get("object"), obj.get("id")
    if not object_type or not obj_id:
        raise ValueError("a Stripe object needs 'object' and 'id'")
    created = obj.get("created")
    values = {
        "object_type": object_type,
        "id": obj_id,
        "customer_id": customer_id or customer_of(obj),
        "created": created if isinstance(created, int) and not isinstance(created, bool) else None,
        "seen_at": int(seen_at),
        "deleted": bool(obj.get("deleted")),
        "terminal": is_terminal(obj),
        "data": json.dumps(obj, separators=(",", ":"), sort_keys=True),
    }
    statement = _upsert_statement(session.get_bind().dialect.name, strict)
    return session.execute(statement, values).first() is not None


def get_object(session: Session, object_type: str, obj_id: str) -> dict[str, Any] | None:
    """The stored object, or None if it is unknown or deleted."""
    table = StripeObject.__table__
    row = session.execute(
        select(table.c.data, table.c.deleted).where(table.c.object_type == object_type, table.c.id == obj_id)
    ).first()
    if row is None or row.deleted:
        return None
    return json.loads(row.data)


def list_objects(
    session: Session,
    object_type: str,
    *,
    customer_id: str | None,
    limit: int | None = None,
    starting_after: str | None = None,
) -> list[dict[str, Any]]:
    """A customer's live objects of one type, newest first (by `created`, then id).

    `customer_id=None` lists every customer's. A `starting_after` that is not one of these
    objects raises KeyError, so the caller can answer 404 rather than a silently empty page.
    """
    table = StripeObject.__table__
    conditions = [table.c.object_type == object_type, table.c.deleted.is_(False)]
    if customer_id is not None:
        conditions.append(table.c.customer_id == customer_id)
    if starting_after is not None:
        anchor = session.execute(
            select(table.c.created, table.c.id).where(*conditions, table.c.id == starting_after)
        ).first()
        if anchor is None:
            raise KeyError(starting_after)
        created = anchor.created if anchor.created is not None else 0
        conditions.append(or_(
            table.c.created < created,
            and_(table.c.created == created, table.c.id < anchor.id),
            table.c.created.is_(None),
        ))
    query = select(table.c.data).where(*conditions).order_by(
        table.c.created.desc().nulls_last(), table.c.id.desc()
    )
    if limit is not None:
        query = query.limit(limit)
    return [json.loads(data) for (data,) in session.execute(query)]


def mark_synced(session: Session, owner_id: int, at: int) -> None:
    table = OwnerSync.__table__
    insert = _insert_for(session.get_bind().dialect.name)(table).values(owner_id=owner_id, synced_at=int(at))
    session.execute(insert.on_conflict_do_update(index_elements=[table.c.owner_id],
                                                 set_={"synced_at": insert.excluded.synced_at}))


_OBJECTS = StripeObject.__table__.c
_SYNCED_AT = select(OwnerSync.__table__.c.synced_at).where(OwnerSync.__table__.c.owner_id == bindparam("owner_id"))


def synced_at(session: Session, owner_id: int) -> int | None:
    return session.connection().execute(_SYNCED_AT, {"owner_id": owner_id}).scalar_one_or_none()


OWNER_KINDS = ("customer", "subscription", "subscription_schedule", "payment_method", "upcoming_invoice")

# The dashboard's reads, built once with bind parameters so SQLAlchemy reuses the compiled statements.
_OWNER_OBJECTS = select(_OBJECTS.data).where(
    _OBJECTS.deleted.is_(False), _OBJECTS.customer_id == bindparam("customer_id"),
    _OBJECTS.object_type.in_(OWNER_KINDS))
_LATEST_INVOICE = select(_OBJECTS.data).where(
    _OBJECTS.deleted.is_(False), _OBJECTS.customer_id == bindparam("customer_id"), _OBJECTS.object_type == "invoice",
).order_by(_OBJECTS.created.desc().nulls_last(), _OBJECTS.id.desc()).limit(1).scalar_subquery()
_LAST_SEEN = select(func.max(_OBJECTS.seen_at)).where(_OBJECTS.customer_id == bindparam("customer_id")).scalar_subquery()
_INVOICE_AS_OF_SYNCED = select(_LATEST_INVOICE, _LAST_SEEN, _SYNCED_AT.scalar_subquery())
_OBJECTS_BY_ID = select(_OBJECTS.data).where(
    _OBJECTS.deleted.is_(False), _OBJECTS.object_type == bindparam("object_type"),
    _OBJECTS.id.in_(bindparam("ids", expanding=True)))


@dataclass
class CustomerObjects:
    """A customer's stored customer, card, subscription and schedule objects, with its latest invoice."""

    objects: list[dict[str, Any]] = field(default_factory=list)
    latest_invoice: dict[str, Any] | None = None
    last_seen_at: int | None = None
    synced_at: int | None = None


def customer_objects(session: Session, customer_id: str, owner_id: int | None = None) -> CustomerObjects:
    """Two queries; with owner_id, also when that owner was last synced."""
    connection = session.connection()
    params = {"customer_id": customer_id, "owner_id": owner_id}
    objects = [json.loads(data) for (data,) in connection.execute(_OWNER_OBJECTS, params)]
    latest, last_seen, synced = connection.execute(_INVOICE_AS_OF_SYNCED, params).one()
    return CustomerObjects(objects, json.loads(latest) if latest is not None else None, last_seen, synced)


def objects_by_id(session: Session, object_type: str, ids: list[str]) -> list[dict[str, Any]]:
    """The stored, undeleted objects of one type among these ids (in no particular order)."""
    if not ids:
        return []
    rows = session.connection().execute(_OBJECTS_BY_ID, {"object_type": object_type, "ids": ids})
    return [json.loads(data) for (data,) in rows]
