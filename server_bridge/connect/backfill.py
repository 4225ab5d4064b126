"""The import of a connected account's history: one page per step, resumable, paced by the caller.

Each step reads one page from Stripe and commits the objects together with the cursor that follows
them (connect_imports), so a step interrupted anywhere is simply done again, and a restart resumes
at the page after the last committed one. Objects are upserted by id: a page read twice stores
nothing twice. Phases: account (and balance) -> charges -> disputes -> payouts -> links (each
reconciled payout's balance transactions) -> fees (charges whose Stripe fee is unknown) -> done.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server_bridge.connect import records
from server_bridge.db.models import ConnectImport
from server_bridge.gateway import StripeCalls

PHASES = ("account", "charges", "disputes", "payouts", "links", "fees", "done")
PAGE = 100

Pace = Callable[[], None]


def _now() -> int:
    return int(time.time())


def begin(session: Session, account_id: str) -> ConnectImport:
    """The account's import, started or resumed (a failed or finished one starts its next run)."""
    row = session.get(ConnectImport, account_id)
    if row is None:
        row = ConnectImport(account_id=account_id, state="running", phase="account", cursor=None, imported=0,
                            estimated_total=None, newest=None, started_at=_now(), finished_at=None, error=None)
        session.add(row)
    elif row.state == "failed":
        row.state, row.error = "running", None
    elif row.state == "done":
        row.state, row.phase, row.cursor, row.error, row.finished_at = "running", "payouts", None, None, None
    return row


def lock_account(session: Session, account_id: str) -> bool:
    """On PostgreSQL, one bridge at a time imports an account (a transaction-scoped advisory lock)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = int.from_bytes(hashlib.sha256(f"connect-import:{account_id}".encode()).digest()[:8], "big", signed=True)
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar())


def estimate(imported: int, newest: int | None, oldest: int | None, account_created: int | None) -> int | None:
    """How many sales there are in all, judging by how much of the account's life is covered so far."""
    if not imported or newest is None or oldest is None or account_created is None:
        return None
    covered = newest - oldest
    whole = newest - account_created
    if covered <= 0 or whole <= covered:
        return imported
    return max(imported, round(imported * whole / covered))


def step(session: Session, gateway: StripeCalls, account_id: str, pace: Pace) -> bool:
    """Do the next page of the account's import and commit it; True while there is more to do."""
    if not lock_account(session, account_id):
        session.rollback()
        return False
    row = begin(session, account_id)
    if row.state != "running":
        session.commit()
        return False
    try:
        _advance(session, gateway, row, pace)
    except Exception as exc:
        session.rollback()
        row = begin(session, account_id)
        row.state, row.error = "failed", str(getattr(exc, "message", None) or exc)[:500]
        session.commit()
        raise
    if row.phase == "done":
        row.state, row.finished_at, row.estimated_total = "done", _now(), row.imported
    session.commit()
    return row.state == "running"


def _next_phase(row: ConnectImport) -> None:
    row.phase, row.cursor = PHASES[PHASES.index(row.phase) + 1], None


def _advance(session: Session, gateway: StripeCalls, row: ConnectImport, pace: Pace) -> None:
    account_id = row.account_id
    if row.phase == "account":
        pace()
        account = gateway.get_account(account_id)
        pace()
        balance = gateway.get_balance(account_id)
        now = _now()
        records.save_account(session, account, now)
        records.save_balance(session, account_id, balance, now)
        _next_phase(row)
        return
    if row.phase in ("charges", "disputes", "payouts"):
        pace()
        page = gateway.list_page(row.phase, account_id, starting_after=row.cursor, limit=PAGE)
        items = page.get("data") or []
        now = _now()
        if row.phase == "charges":
            records.save_charges(session, account_id, items, now)
            if items:
                row.imported += len(items)
                row.newest = row.newest if row.newest is not None else items[0].get("created")
                stored = records.account(session, account_id)
                created = stored[0].get("created") if stored else None
                row.estimated_total = estimate(row.imported, row.newest, items[-1].get("created"), created)
        elif row.phase == "disputes":
            records.save_disputes(session, account_id, items, now)
        else:
            records.save_payouts(session, account_id, items, now)
        if page.get("has_more") and items:
            row.cursor = items[-1]["id"]
        else:
            _next_phase(row)
        return
    if row.phase == "links":
        pending = records.unlinked_payouts(session, account_id)
        if not pending:
            _next_phase(row)
            return
        link_payout(session, gateway, account_id, pending[0], pace)
        return
    if row.phase == "fees":
        if not fetch_fees(session, gateway, account_id, pace):
            _next_phase(row)


def link_payout(session: Session, gateway: StripeCalls, account_id: str, payout_id: str, pace: Pace) -> None:
    """Store every balance transaction the payout paid out, marked with it (the caller commits)."""
    cursor: str | None = None
    now = _now()
    while True:
        pace()
        page = gateway.list_page("balance_transactions", account_id, starting_after=cursor, limit=PAGE,
                                 payout=payout_id)
        items = page.get("data") or []
        records.save_transactions(session, account_id, items, now, payout_id=payout_id)
        if not page.get("has_more") or not items:
            break
        cursor = items[-1]["id"]
    records.mark_linked(session, account_id, payout_id)


def fetch_fees(session: Session, gateway: StripeCalls, account_id: str, pace: Pace, limit: int = 20) -> bool:
    """Read the balance transactions of charges whose Stripe fee is unknown; True if there were any."""
    missing = records.charges_missing_fees(session, account_id, limit)
    now = _now()
    for charge_id, transaction_id in missing:
        pace()
        transaction = gateway.get_balance_transaction(account_id, transaction_id)
        records.save_transactions(session, account_id, [transaction], now)
        records.set_fees(session, account_id, charge_id, transaction)
    return bool(missing)


def import_accounts(sessions: Callable[[], Session], gateway: StripeCalls, pace: Pace) -> tuple[int, list[str]]:
    """Import every owner's connected account, one after the other; one account failing does not stop
    the others (its import keeps its cursor and its error). Returns (imported, failed account ids)."""
    from server_bridge.db.models import Owner

    with sessions() as session:
        accounts = list(session.execute(select(Owner.stripe_account_id).where(
            Owner.stripe_account_id.is_not(None), Owner.disabled.is_(False))).scalars())
    failed: list[str] = []
    for account_id in accounts:
        with sessions() as session:
            try:
                while step(session, gateway, account_id, pace):
                    pass
            except Exception:
                failed.append(account_id)
    return len(accounts) - len(failed), failed
