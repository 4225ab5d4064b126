"""The bridge's copy of connected-account objects, keyed by account: writes and reads.

Every write carries `seen_at` (an event's `created`, or the time of an API answer) and never
replaces a row seen later, in one INSERT .. ON CONFLICT DO UPDATE .. WHERE statement, as for the
platform's objects (server_bridge/mirror/store.py). Every read names the account: the caller passes the
signed-in owner's, so another owner's ids are simply not found.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server_bridge.connect import shaping
from server_bridge.db.models import (ConnectAccount, ConnectBalance, ConnectBalanceTransaction, ConnectCharge,
                                     ConnectDispute, ConnectPayout, ConnectRefund)

ACCOUNTS: Table = ConnectAccount.__table__  # type: ignore[assignment]
BALANCES: Table = ConnectBalance.__table__  # type: ignore[assignment]
PAYOUTS: Table = ConnectPayout.__table__  # type: ignore[assignment]
TXNS: Table = ConnectBalanceTransaction.__table__  # type: ignore[assignment]
CHARGES: Table = ConnectCharge.__table__  # type: ignore[assignment]
REFUNDS: Table = ConnectRefund.__table__  # type: ignore[assignment]
DISPUTES: Table = ConnectDispute.__table__  # type: ignore[assignment]

# Columns a newer write must not blank out: what only some sources know.
_KEEP: dict[str, tuple[str, ...]] = {
    "connect_charges": ("stripe_fee", "balance_transaction_id", "customer_email"),
    "connect_balance_transactions": ("payout_id",),
}
_NOT_UPDATED = {"linked"}


@functools.cache
def _upsert(dialect: str, table_name: str, columns: tuple[str, ...]) -> Any:
    table = {t.name: t for t in (ACCOUNTS, BALANCES, PAYOUTS, TXNS, CHARGES, REFUNDS, DISPUTES)}[table_name]
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    insert = insert_fn(table).values({name: bindparam(name, type_=table.c[name].type) for name in columns})
    keys = [c.name for c in table.primary_key.columns]
    keep = _KEEP.get(table_name, ())
    set_ = {name: (func.coalesce(insert.excluded[name], table.c[name]) if name in keep else insert.excluded[name])
            for name in columns if name not in keys and name not in _NOT_UPDATED}
    return insert.on_conflict_do_update(index_elements=keys, set_=set_,
                                        where=table.c.seen_at <= insert.excluded.seen_at)


def upsert(session: Session, table: Table, row: Mapping[str, Any]) -> None:
    """Write `row` unless the stored one was seen later."""
    statement = _upsert(session.get_bind().dialect.name, table.name, tuple(sorted(row)))
    session.execute(statement, dict(row))


def upsert_many(session: Session, table: Table, rows: Iterable[Mapping[str, Any]]) -> None:
    rows = list(rows)
    if rows:
        statement = _upsert(session.get_bind().dialect.name, table.name, tuple(sorted(rows[0])))
        session.execute(statement, [dict(r) for r in rows])


# -- writes by object ----------------------------------------------------------------------------


def save_account(session: Session, account: Mapping[str, Any], seen_at: int) -> None:
    upsert(session, ACCOUNTS, {"id": account["id"], "seen_at": seen_at,
                               "data": json.dumps(dict(account), separators=(",", ":"), sort_keys=True)})


def save_balance(session: Session, account_id: str, balance: Mapping[str, Any], seen_at: int) -> None:
    rows = shaping.balance_rows(balance, account_id, seen_at)
    upsert_many(session, BALANCES, rows)
    # A currency that left the balance reads as zero, unless a newer copy says otherwise.
    session.execute(update(BALANCES).where(
        BALANCES.c.account_id == account_id, BALANCES.c.currency.not_in([r["currency"] for r in rows]),
        BALANCES.c.seen_at <= seen_at).values(available=0, pending=0, seen_at=seen_at))


def save_charges(session: Session, account_id: str, charges: Iterable[Mapping[str, Any]], seen_at: int) -> None:
    charges = list(charges)
    upsert_many(session, CHARGES, [shaping.charge_row(c, account_id, seen_at) for c in charges])
    upsert_many(session, TXNS, [shaping.transaction_row(c["balance_transaction"], account_id, seen_at)
                                for c in charges if isinstance(c.get("balance_transaction"), Mapping)])


def save_transactions(session: Session, account_id: str, transactions: Iterable[Mapping[str, Any]], seen_at: int,
                      payout_id: str | None = None) -> None:
    """Store balance transactions (of one payout, if given), and the fees they tell of their charges."""
    rows = [shaping.transaction_row(t, account_id, seen_at, payout_id) for t in transactions]
    upsert_many(session, TXNS, rows)
    for row in rows:
        if row["type"] in ("charge", "payment") and row["source_id"]:
            session.execute(update(CHARGES).where(
                CHARGES.c.id == row["source_id"], CHARGES.c.account_id == account_id).values(
                stripe_fee=row["stripe_fee"], platform_fee=row["platform_fee"], balance_transaction_id=row["id"]))


def set_fees(session: Session, account_id: str, charge_id: str, transaction: Mapping[str, Any]) -> None:
    stripe_fee, platform_fee = shaping.split_fees(transaction)
    session.execute(update(CHARGES).where(CHARGES.c.id == charge_id, CHARGES.c.account_id == account_id).values(
        stripe_fee=stripe_fee, platform_fee=platform_fee, balance_transaction_id=transaction["id"]))


def save_payouts(session: Session, account_id: str, payouts: Iterable[Mapping[str, Any]], seen_at: int) -> None:
    upsert_many(session, PAYOUTS, [{**shaping.payout_row(p, account_id, seen_at), "linked": False} for p in payouts])


def mark_linked(session: Session, account_id: str, payout_id: str) -> None:
    session.execute(update(PAYOUTS).where(PAYOUTS.c.id == payout_id, PAYOUTS.c.account_id == account_id)
                    .values(linked=True))


def save_refund(session: Session, account_id: str, refund: Mapping[str, Any], seen_at: int) -> None:
    upsert(session, REFUNDS, shaping.refund_row(refund, account_id, seen_at))


def save_disputes(session: Session, account_id: str, disputes: Iterable[Mapping[str, Any]], seen_at: int) -> None:
    rows = [shaping.dispute_row(d, account_id, seen_at) for d in disputes]
    upsert_many(session, DISPUTES, rows)
    charge_ids = [r["charge_id"] for r in rows if r["charge_id"]]
    if charge_ids:
        session.execute(update(CHARGES).where(CHARGES.c.account_id == account_id, CHARGES.c.id.in_(charge_ids))
                        .values(sale_status="disputed"))


# -- reads -----------------------------------------------------------------------------------------


def account(session: Session, account_id: str) -> tuple[dict[str, Any], int] | None:
    row = session.execute(select(ACCOUNTS.c.data, ACCOUNTS.c.seen_at).where(ACCOUNTS.c.id == account_id)).first()
    return (json.loads(row.data), row.seen_at) if row else None


def balances(session: Session, account_id: str) -> tuple[list[dict[str, Any]], int | None]:
    """Per currency: available and pending from the balance, in_transit from the unpaid payouts."""
    rows = session.execute(select(BALANCES).where(BALANCES.c.account_id == account_id)).mappings().all()
    moving = dict(session.execute(
        select(PAYOUTS.c.currency, func.sum(PAYOUTS.c.amount)).where(
            PAYOUTS.c.account_id == account_id, PAYOUTS.c.status.in_(("pending", "in_transit")))
        .group_by(PAYOUTS.c.currency)).all())
    result = {r["currency"]: {"currency": r["currency"], "available": r["available"], "pending": r["pending"],
                              "in_transit": int(moving.get(r["currency"], 0))} for r in rows}
    for currency, amount in moving.items():
        result.setdefault(currency, {"currency": currency, "available": 0, "pending": 0, "in_transit": int(amount)})
    as_of = max((r["seen_at"] for r in rows), default=None)
    return [result[c] for c in sorted(result)], as_of


def _page(session: Session, table: Table, conditions: list[Any], starting_after: str | None, limit: int,
          scope: list[Any]) -> tuple[list[Any], bool]:
    if starting_after is not None:
        anchor = session.execute(select(table.c.created, table.c.id).where(*scope, table.c.id == starting_after)).first()
        if anchor is None:
            raise KeyError(starting_after)
        conditions = [*conditions, or_(table.c.created < anchor.created,
                                       and_(table.c.created == anchor.created, table.c.id < anchor.id))]
    rows = session.execute(select(table).where(*conditions).order_by(table.c.created.desc(), table.c.id.desc())
                           .limit(limit + 1)).mappings().all()
    return list(rows[:limit]), len(rows) > limit


def payouts(session: Session, account_id: str, *, limit: int, starting_after: str | None, status: str | None
            ) -> tuple[list[dict[str, Any]], bool]:
    scope = [PAYOUTS.c.account_id == account_id]
    conditions = [*scope, *([PAYOUTS.c.status == status] if status else [])]
    rows, more = _page(session, PAYOUTS, conditions, starting_after, limit, scope)
    return [json.loads(r["data"]) for r in rows], more


def payout(session: Session, account_id: str, payout_id: str) -> tuple[dict[str, Any], bool] | None:
    """(the payout, whether its transactions are stored) or None if it is not the account's."""
    row = session.execute(select(PAYOUTS.c.data, PAYOUTS.c.linked).where(
        PAYOUTS.c.account_id == account_id, PAYOUTS.c.id == payout_id)).first()
    return (json.loads(row.data), bool(row.linked)) if row else None


def payout_transactions(session: Session, account_id: str, payout_id: str) -> list[dict[str, Any]]:
    return [dict(r) for r in session.execute(select(TXNS).where(
        TXNS.c.account_id == account_id, TXNS.c.payout_id == payout_id)).mappings()]


def transactions_page(session: Session, account_id: str, payout_id: str, *, limit: int, starting_after: str | None
                      ) -> tuple[list[dict[str, Any]], bool]:
    scope = [TXNS.c.account_id == account_id, TXNS.c.payout_id == payout_id]
    rows, more = _page(session, TXNS, list(scope), starting_after, limit, scope)
    return [dict(r) for r in rows], more


def unlinked_payouts(session: Session, account_id: str) -> list[str]:
    """Reconciled payouts whose transactions the bridge has not fetched yet."""
    return list(session.execute(select(PAYOUTS.c.id).where(
        PAYOUTS.c.account_id == account_id, PAYOUTS.c.reconciliation_status == "completed",
        PAYOUTS.c.linked.is_(False)).order_by(PAYOUTS.c.created.desc())).scalars())


def charges_missing_fees(session: Session, account_id: str, limit: int = 100) -> list[tuple[str, str]]:
    """(charge id, balance transaction id) of succeeded charges whose Stripe fee is not known yet."""
    return [tuple(r) for r in session.execute(select(CHARGES.c.id, CHARGES.c.balance_transaction_id).where(
        CHARGES.c.account_id == account_id, CHARGES.c.stripe_fee.is_(None), CHARGES.c.charge_status == "succeeded",
        CHARGES.c.balance_transaction_id.is_not(None)).limit(limit))]


# -- sales -----------------------------------------------------------------------------------------


def sale_conditions(account_id: str, *, created_gte: int | None = None, created_lt: int | None = None,
                    status: str | None = None, q: str | None = None) -> list[Any]:
    conditions: list[Any] = [CHARGES.c.account_id == account_id, CHARGES.c.charge_status == "succeeded"]
    if created_gte is not None:
        conditions.append(CHARGES.c.created >= created_gte)
    if created_lt is not None:
        conditions.append(CHARGES.c.created < created_lt)
    if status:
        conditions.append(CHARGES.c.sale_status == status)
    if q:
        needle = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matches = [func.lower(CHARGES.c.customer_email).like(needle, escape="\\"),
                   func.lower(CHARGES.c.description).like(needle, escape="\\")]
        for minor, places in shaping.amount_candidates(q):
            in_places = {0: shaping.ZERO_DECIMAL, 3: shaping.THREE_DECIMAL}.get(places)
            currency = (CHARGES.c.currency.in_(sorted(in_places)) if in_places is not None else
                        CHARGES.c.currency.not_in(sorted(shaping.ZERO_DECIMAL | shaping.THREE_DECIMAL)))
            matches.append(and_(CHARGES.c.amount == minor, currency))
        conditions.append(or_(*matches))
    return conditions


def disputes_of(session: Session, account_id: str, charge_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The latest dispute of each charge."""
    if not charge_ids:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for row in session.execute(select(DISPUTES).where(
            DISPUTES.c.account_id == account_id, DISPUTES.c.charge_id.in_(charge_ids))
            .order_by(DISPUTES.c.created)).mappings():
        found[row["charge_id"]] = dict(row)
    return found


def sales(session: Session, account_id: str, *, limit: int, starting_after: str | None, **filters: Any
          ) -> tuple[list[dict[str, Any]], bool]:
    scope = [CHARGES.c.account_id == account_id]
    rows, more = _page(session, CHARGES, sale_conditions(account_id, **filters), starting_after, limit, scope)
    disputes = disputes_of(session, account_id, [r["id"] for r in rows if r["sale_status"] == "disputed"])
    return [shaping.sale_view(r, disputes.get(r["id"])) for r in rows], more


EXPORT_COLUMNS = (CHARGES.c.id, CHARGES.c.created, CHARGES.c.currency, CHARGES.c.amount, CHARGES.c.amount_refunded,
                  CHARGES.c.stripe_fee, CHARGES.c.platform_fee, CHARGES.c.sale_status, CHARGES.c.description,
                  CHARGES.c.customer_email, DISPUTES.c.status)


def iter_sales(session: Session, account_id: str, *, created_gte: int | None, created_lt: int | None,
               chunk: int = 2000) -> Iterator[Any]:
    """Every sale in the range as a row of EXPORT_COLUMNS (the dispute's status last), newest first,
    `chunk` rows at a time (keyset, not offset: memory stays bounded and late pages stay fast)."""
    conditions = sale_conditions(account_id, created_gte=created_gte, created_lt=created_lt)
    joined = CHARGES.outerjoin(DISPUTES, and_(DISPUTES.c.charge_id == CHARGES.c.id, DISPUTES.c.account_id == account_id))
    after: tuple[int, str] | None = None
    while True:
        page = list(conditions)
        if after is not None:
            page.append(or_(CHARGES.c.created < after[0], and_(CHARGES.c.created == after[0], CHARGES.c.id < after[1])))
        rows = session.execute(select(*EXPORT_COLUMNS).select_from(joined).where(*page)
                               .order_by(CHARGES.c.created.desc(), CHARGES.c.id.desc()).limit(chunk)).all()
        yield from rows
        if len(rows) < chunk:
            return
        after = (rows[-1].created, rows[-1].id)


WEEK_ORIGIN = 345600   # 1970-01-05, a Monday
SERIES_COLUMNS = (func.count().label("count"), func.sum(CHARGES.c.amount).label("gross"),
                  func.sum(CHARGES.c.amount_refunded).label("refunded"),
                  func.sum(func.coalesce(CHARGES.c.stripe_fee, 0) + CHARGES.c.platform_fee).label("fees"))


def series_rows(session: Session, account_id: str, bucket: str, start: int, end: int) -> list[Any]:
    """(currency, bucket start, count, gross, refunded, fees) for sales in [start, end), summed in SQL."""
    if bucket == "month":
        key = CHARGES.c.month_start
    elif bucket == "week":
        key = (CHARGES.c.created - WEEK_ORIGIN) // 604800 * 604800 + WEEK_ORIGIN
    else:
        key = CHARGES.c.created // 86400 * 86400
    key = key.label("start")
    query = (select(CHARGES.c.currency, key, *SERIES_COLUMNS)
             .where(*sale_conditions(account_id, created_gte=start, created_lt=end))
             .group_by(CHARGES.c.currency, key))
    return list(session.execute(query))
