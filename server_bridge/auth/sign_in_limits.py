"""Sign-in attempts counted in the database, claimed before the password is checked.

One row per (scope, subject): the start of the current window, the failures in it and the attempts
being checked right now (`pending`). An attempt is claimed with one
`INSERT ... ON CONFLICT DO UPDATE ... RETURNING` per limit, which the database runs atomically, so 40
attempts at once, or spread over several bridges on one PostgreSQL, each see a different count and no
more than the limit are ever checked: failures plus attempts in flight never pass it. Then the
attempt settles: a failure moves from pending to failures, a right one (or one never checked) leaves
pending. A window starts at the first attempt after the previous one ended; once the failures reach
the limit, everything waits until the window ends.

Subjects are sha256 digests: the table never holds an email or an address in the clear.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server_bridge.db.models import SignInCounter

_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_TABLE = SignInCounter.__table__


def subject(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Limit:
    scope: str         # "address", "pair", "email", "device"
    subject: str       # subject(...) of what is counted
    allowed: int       # failures allowed in one window


@dataclass(frozen=True)
class Claim:
    limit: Limit
    window_start: int
    failures: int
    pending: int       # this attempt included

    @property
    def locked(self) -> bool:
        """The failures alone have used up the limit: wait for the window to end."""
        return self.failures >= self.limit.allowed

    @property
    def over(self) -> bool:
        """Checking this attempt too could pass the limit (failures and attempts in flight)."""
        return self.failures + self.pending > self.limit.allowed


def _claim_statement(dialect: str, limit: Limit, at: int, window: int) -> Any:
    c = _TABLE.c
    expired = c.window_start <= at - window
    insert = _INSERTS[dialect](_TABLE).values(scope=limit.scope, subject=limit.subject, window_start=at,
                                              failures=0, pending=1)
    return insert.on_conflict_do_update(
        index_elements=[c.scope, c.subject],
        set_={"failures": case((expired, 0), else_=c.failures),
              "pending": case((expired, 1), else_=c.pending + 1),
              "window_start": case((expired, at), else_=c.window_start)},
    ).returning(c.window_start, c.failures, c.pending)


def claim(session: Session, limits: Sequence[Limit], *, at: int, window: int) -> list[Claim]:
    """Count one attempt in flight against each limit (in this order, the same in every bridge, so two
    transactions never wait on each other's rows crosswise). The caller commits."""
    dialect = session.get_bind().dialect.name
    claims = []
    for limit in limits:
        window_start, failures, pending = session.execute(_claim_statement(dialect, limit, at, window)).one()
        claims.append(Claim(limit, window_start, failures, pending))
    return claims


def retry_after(claims: Sequence[Claim], *, at: int, window: int) -> int:
    """Seconds until every locked limit lets an attempt through again (at least 1)."""
    waits = [claim.window_start + window - at for claim in claims if claim.locked]
    return max([1, *waits])


def _settle(session: Session, claims: Sequence[Claim], *, failed: bool) -> None:
    """The attempt is no longer in flight; a failure now counts as one. A claim whose window has
    ended since is left alone: the new window does not know it."""
    c = _TABLE.c
    values: dict[str, Any] = {"pending": case((c.pending > 0, c.pending - 1), else_=0)}
    if failed:
        values["failures"] = c.failures + 1
    for claim in claims:
        session.execute(update(_TABLE).where(
            c.scope == claim.limit.scope, c.subject == claim.limit.subject,
            c.window_start == claim.window_start).values(values))


def give_back(session: Session, claims: Sequence[Claim]) -> None:
    """A right attempt, or one never checked: it counts for nothing."""
    _settle(session, claims, failed=False)


def count_failure(session: Session, claims: Sequence[Claim]) -> None:
    _settle(session, claims, failed=True)


def forgive(session: Session, scope: str, subject_: str) -> None:
    """Forget the failures counted against one limit (attempts in flight stay counted)."""
    session.execute(update(_TABLE).where(_TABLE.c.scope == scope, _TABLE.c.subject == subject_)
                    .values(failures=0))


def prune(session: Session, *, at: int, window: int) -> None:
    """Drop counters whose window has ended: they count nothing any more. Rows another sign-in holds
    right now are skipped (PostgreSQL), so pruning never waits on, or deadlocks with, a claim."""
    c = _TABLE.c
    ended = select(c.scope, c.subject).where(c.window_start <= at - window).with_for_update(skip_locked=True)
    session.execute(delete(_TABLE).where(tuple_(c.scope, c.subject).in_(ended)))
