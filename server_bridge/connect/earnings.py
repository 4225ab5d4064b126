"""The signed-in owner's earnings, in the shapes of docs/bridge-api.md ("Connect").

Reads come from the store (a warm read makes no Stripe call); the account id is the owner's own,
never the client's. The only Stripe calls: creating the account and its links, and a first read
of an account the store has never seen.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server_bridge.api.errors import ApiError, InvalidRequest, NotFound
from server_bridge.connect import records, requirements, shaping
from server_bridge.db.models import ConnectImport, Owner
from server_bridge.gateway import STRIPE_VERSION, StripeCalls, StripeUnavailable
from server_bridge.settings import Settings

FULL_DASHBOARD_URL = "https://dashboard.stripe.com/"
MAX_POINTS = 1000
APP_TAG = "billing-manager"
# From this API version on, an Express account may have Stripe collect its fees and carry its losses.
EXPRESS_WITH_STRIPE_LOSSES = "2026-11-18"


class NoAccount(ApiError):
    status, code = 409, "no_account"
    default_message = "You have no Stripe account yet. Start selling first."


class NoDashboard(ApiError):
    status, code = 409, "no_dashboard"
    default_message = "Your account has no Stripe dashboard; the platform manages it."


def new_account_controller(api_version: str = STRIPE_VERSION) -> dict[str, Any]:
    """Controller properties for an account the bridge creates: Stripe collects requirements and fees
    and is liable for losses; an Express dashboard where the pinned API version allows that, else full."""
    dashboard = "express" if api_version[:10] >= EXPRESS_WITH_STRIPE_LOSSES else "full"
    return {"stripe_dashboard": {"type": dashboard}, "fees": {"payer": "account"},
            "losses": {"payments": "stripe"}, "requirement_collection": "stripe"}


def owner_topic_key(owner: Owner) -> str:
    """The key the event stream (routes/events.py) listens on for this owner."""
    return owner.stripe_customer_id or f"owner:{owner.id}"


def import_view(row: ConnectImport | None) -> dict[str, Any]:
    if row is None:
        return {"state": "not_started", "imported": 0, "estimated_total": None, "started_at": None,
                "finished_at": None, "error": None}
    return {"state": row.state, "imported": row.imported,
            "estimated_total": row.imported if row.state == "done" else row.estimated_total,
            "started_at": row.started_at, "finished_at": row.finished_at, "error": row.error}


def schedule_view(account: dict[str, Any]) -> dict[str, Any] | None:
    schedule = ((account.get("settings") or {}).get("payouts") or {}).get("schedule")
    if not schedule:
        return None
    return {"interval": schedule.get("interval") or "daily", "delay_days": schedule.get("delay_days"),
            "weekly_anchor": schedule.get("weekly_anchor"), "monthly_anchor": schedule.get("monthly_anchor")}


def account_view(account: dict[str, Any] | None, seen_at: int | None, sales_import: dict[str, Any]) -> dict[str, Any]:
    reqs = (account or {}).get("requirements") or {}
    return {
        "status": requirements.status_of(account),
        "charges_enabled": bool((account or {}).get("charges_enabled")),
        "payouts_enabled": bool((account or {}).get("payouts_enabled")),
        "details_submitted": bool((account or {}).get("details_submitted")),
        "dashboard": requirements.dashboard_of(account),
        "requirements": requirements.checklist(reqs) if account else [],
        "deadline": reqs.get("current_deadline"),
        "disabled_reason": reqs.get("disabled_reason"),
        "payout_schedule": schedule_view(account) if account else None,
        "default_currency": (account or {}).get("default_currency"),
        "sales_import": sales_import,
        "as_of": seen_at,
    }


def bucket_starts(bucket: str, start: int, end: int) -> list[int]:
    """The first second of every bucket from the one holding `start` to the one holding `end - 1`."""
    if bucket == "day":
        first = start // 86400 * 86400
        return list(range(first, end, 86400))
    if bucket == "week":
        origin = records.WEEK_ORIGIN
        first = (start - origin) // 604800 * 604800 + origin
        return list(range(first, end, 604800))
    starts = []
    moment = datetime.fromtimestamp(shaping.month_start(start), timezone.utc)
    while (at := int(moment.timestamp())) < end:
        starts.append(at)
        if len(starts) > MAX_POINTS:
            break
        moment = moment.replace(year=moment.year + moment.month // 12, month=moment.month % 12 + 1)
    return starts


class Earnings:
    def __init__(self, *, session: Session, owner: Owner, settings: Settings, gateway: StripeCalls | None = None,
                 worker: Any = None, bus: Any = None) -> None:
        self.session = session
        self.owner = owner
        self.settings = settings
        self.gateway = gateway
        self.worker = worker
        self.bus = bus

    @property
    def account_id(self) -> str | None:
        return self.owner.stripe_account_id

    def _gateway(self) -> StripeCalls:
        if self.gateway is None:
            raise StripeUnavailable("The bridge has no Stripe key configured.")
        return self.gateway

    def _publish(self) -> None:
        if self.bus is not None:
            self.bus.publish(owner_topic_key(self.owner), ["earnings"])

    # -- account ----------------------------------------------------------------------------------

    def _stored_account(self, *, fetch: bool) -> tuple[dict[str, Any] | None, int | None]:
        if self.account_id is None:
            return None, None
        found = records.account(self.session, self.account_id)
        if found is None and fetch:
            self._fetch_account()
            found = records.account(self.session, self.account_id)
        if found is None:
            return None, None
        return found

    def _fetch_account(self) -> dict[str, Any]:
        """First sight of a linked account: read it (and its balance) once, then import its history."""
        gateway = self._gateway()
        account = gateway.get_account(self.account_id)
        balance = gateway.get_balance(self.account_id)
        now = int(time.time())
        records.save_account(self.session, account, now)
        records.save_balance(self.session, self.account_id, balance, now)
        self.session.commit()
        return account

    def account(self) -> dict[str, Any]:
        """The account as stored; an account never imported (or whose import failed) starts importing."""
        account, seen_at = self._stored_account(fetch=True)
        row = self.session.get(ConnectImport, self.account_id) if self.account_id else None
        if self.account_id and self.worker is not None and (row is None or row.state == "failed"):
            self.worker.start_import(self.account_id)
        return account_view(account, seen_at, import_view(row))

    def onboarding_link(self) -> dict[str, Any]:
        gateway = self._gateway()
        if self.account_id is None:
            self._create_account()
        link = gateway.create_account_link(
            {"account": self.account_id, "type": "account_onboarding",
             "refresh_url": self.settings.return_url("/return/connect/refresh"),
             "return_url": self.settings.return_url("/return/connect")},
            key=f"connect:onboarding:{self.account_id}:{uuid.uuid4().hex}")
        return {"url": link["url"], "expires_at": link.get("expires_at")}

    def _create_account(self) -> None:
        """Create the owner's account (one per owner even when two requests race: the idempotency key
        is the owner's, and only an owner without an account is linked)."""
        account = self._gateway().create_account(
            {"controller": new_account_controller(), "email": self.owner.email,
             "metadata": {"app": APP_TAG, "owner_email": self.owner.email}},
            key=f"connect:account:owner:{self.owner.id}")
        self.session.execute(update(Owner).where(Owner.id == self.owner.id, Owner.stripe_account_id.is_(None))
                             .values(stripe_account_id=account["id"]))
        records.save_account(self.session, account, int(time.time()))
        self.session.commit()
        self.session.refresh(self.owner)
        self._publish()

    def dashboard_link(self) -> dict[str, Any]:
        if self.account_id is None:
            raise NoAccount()
        account, _ = self._stored_account(fetch=True)
        kind = requirements.dashboard_of(account)
        if kind == "full":
            return {"url": FULL_DASHBOARD_URL, "expires_at": None}
        if kind == "none":
            raise NoDashboard()
        link = self._gateway().create_login_link(self.account_id, key=f"connect:login:{uuid.uuid4().hex}")
        return {"url": link["url"], "expires_at": None}

    # -- balance and payouts ---------------------------------------------------------------------

    def balance(self) -> dict[str, Any]:
        if self.account_id is None:
            return {"balances": [], "as_of": None}
        self._stored_account(fetch=True)
        balances, as_of = records.balances(self.session, self.account_id)
        return {"balances": balances, "as_of": as_of}

    def payouts(self, limit: int, starting_after: str | None, status: str | None) -> dict[str, Any]:
        if self.account_id is None:
            if starting_after:
                raise NotFound.of("That payout")
            return {"data": [], "has_more": False}
        try:
            rows, more = records.payouts(self.session, self.account_id, limit=limit,
                                         starting_after=starting_after, status=status)
        except KeyError:
            raise NotFound.of("That payout") from None
        return {"data": [shaping.payout_view(p) for p in rows], "has_more": more}

    def _own_payout(self, payout_id: str) -> tuple[dict[str, Any], bool]:
        found = records.payout(self.session, self.account_id, payout_id) if self.account_id else None
        if found is None:
            raise NotFound.of("That payout")
        return found

    def payout_detail(self, payout_id: str) -> dict[str, Any]:
        payout, linked = self._own_payout(payout_id)
        if not linked and payout.get("reconciliation_status") == "completed" and self.worker is not None:
            self.worker.link_payout(self.account_id, payout_id)
        transactions = records.payout_transactions(self.session, self.account_id, payout_id)
        return {"payout": shaping.payout_view(payout), "breakdown": shaping.breakdown(payout, transactions)}

    def payout_transactions(self, payout_id: str, limit: int, starting_after: str | None) -> dict[str, Any]:
        self._own_payout(payout_id)
        try:
            rows, more = records.transactions_page(self.session, self.account_id, payout_id, limit=limit,
                                                   starting_after=starting_after)
        except KeyError:
            raise NotFound.of("That transaction") from None
        return {"data": [shaping.transaction_view(r) for r in rows], "has_more": more}

    # -- sales -----------------------------------------------------------------------------------

    def sales(self, limit: int, starting_after: str | None, **filters: Any) -> dict[str, Any]:
        if self.account_id is None:
            if starting_after:
                raise NotFound.of("That sale")
            return {"data": [], "has_more": False}
        try:
            rows, more = records.sales(self.session, self.account_id, limit=limit,
                                       starting_after=starting_after, **filters)
        except KeyError:
            raise NotFound.of("That sale") from None
        return {"data": rows, "has_more": more}

    def series(self, bucket: str, start: int, end: int) -> dict[str, Any]:
        if start >= end:
            raise InvalidRequest("from: must be before to")
        starts = bucket_starts(bucket, start, end)
        if len(starts) > MAX_POINTS:
            raise InvalidRequest(f"A series has at most {MAX_POINTS} points; choose a shorter range or a larger bucket.")
        sums: dict[str, dict[int, Any]] = {}
        if self.account_id is not None:
            for row in records.series_rows(self.session, self.account_id, bucket, start, end):
                sums.setdefault(row.currency, {})[int(row.start)] = row
        series = []
        for currency in sorted(sums):
            points = []
            for at in starts:
                row = sums[currency].get(at)
                gross, refunded, fees, count = ((int(row.gross), int(row.refunded), int(row.fees), int(row.count))
                                                if row else (0, 0, 0, 0))
                points.append({"start": at, "gross": gross, "net": gross - refunded - fees, "fees": fees,
                               "count": count})
            series.append({"currency": currency, "points": points})
        return {"bucket": bucket, "start": start, "end": end, "series": series}


def owner_of_account(session: Session, account_id: str) -> Owner | None:
    return session.execute(select(Owner).where(Owner.stripe_account_id == account_id)).scalar_one_or_none()
