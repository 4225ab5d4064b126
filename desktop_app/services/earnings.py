"""The owner's own sales through Stripe Connect, as the bridge's /v1/connect API answers them (typed).

Decoded with msgspec straight from the response bytes (answers.decode): unknown fields are ignored (a newer
bridge may add some), a missing or mistyped field becomes one `UnexpectedResponse`. Amounts are integers in the
currency's minor unit, times Unix seconds, currencies lower-case ISO codes, as docs/bridge-api.md says.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec

if TYPE_CHECKING:
    from .bridge import BridgeClient

T = TypeVar("T")

ACCOUNT_STATUSES = ("not_started", "onboarding", "action_required", "pending_verification", "active",
                    "restricted", "rejected")
SALE_STATUSES = ("succeeded", "refunded", "partially_refunded", "disputed")
BREAKDOWN_CATEGORIES = ("sales", "refunds", "disputes", "stripe_fees", "platform_fees", "adjustments", "other",
                        "unexplained")


class Requirement(msgspec.Struct, frozen=True):
    """One thing Stripe needs from the owner, in plain words ("Upload a photo ID")."""

    code: str
    title: str
    due: str                    # past_due | currently_due | eventually_due
    error: str | None = None    # why Stripe refused what was sent, if it did


class PayoutSchedule(msgspec.Struct, frozen=True):
    interval: str               # manual | daily | weekly | monthly
    delay_days: int | None = None
    weekly_anchor: str | None = None
    monthly_anchor: int | None = None


class SalesImport(msgspec.Struct, frozen=True):
    """The bridge's backfill of the owner's past sales: "Importing your sales: 2,300 of ~5,000"."""

    state: str = "not_started"  # not_started | running | done | failed
    imported: int = 0
    estimated_total: int | None = None
    error: str | None = None


class ConnectAccount(msgspec.Struct, frozen=True):
    status: str                 # one of ACCOUNT_STATUSES
    charges_enabled: bool = False
    payouts_enabled: bool = False
    details_submitted: bool = False
    dashboard: str = "none"     # express | full | none
    requirements: tuple[Requirement, ...] = ()
    deadline: int | None = None
    disabled_reason: str | None = None
    payout_schedule: PayoutSchedule | None = None
    default_currency: str | None = None
    sales_import: SalesImport | None = None
    as_of: int | None = None

    @property
    def has_account(self) -> bool:
        return self.status != "not_started"


class CurrencyBalance(msgspec.Struct, frozen=True):
    currency: str
    available: int = 0
    pending: int = 0
    in_transit: int = 0         # on the way to the bank


class Balance(msgspec.Struct, frozen=True):
    balances: tuple[CurrencyBalance, ...] = ()
    as_of: int | None = None


class Payout(msgspec.Struct, frozen=True):
    id: str
    amount: int
    currency: str
    status: str                 # pending | in_transit | paid | failed | canceled
    created: int
    arrival_date: int | None = None   # Stripe's expected date until paid; never made up here
    failure_code: str | None = None
    failure_message: str | None = None
    automatic: bool = True
    method: str | None = None
    description: str | None = None
    reconciliation_status: str | None = None


class BreakdownLine(msgspec.Struct, frozen=True):
    category: str               # one of BREAKDOWN_CATEGORIES, or "unexplained"
    amount: int
    count: int = 0


class PayoutDetail(msgspec.Struct, frozen=True):
    payout: Payout
    breakdown: tuple[BreakdownLine, ...] = ()


class Transaction(msgspec.Struct, frozen=True):
    """A balance transaction: a sale, refund, fee or adjustment that moved money in a payout."""

    id: str
    type: str
    amount: int
    currency: str
    created: int
    fee: int = 0
    net: int = 0
    reporting_category: str | None = None
    category: str | None = None
    stripe_fee: int | None = None
    platform_fee: int | None = None
    description: str | None = None
    available_on: int | None = None
    source: str | None = None


class SaleDispute(msgspec.Struct, frozen=True):
    status: str
    id: str | None = None                 # warning_needs_response | needs_response | under_review | won | lost | ...
    evidence_due_by: int | None = None
    amount: int | None = None
    reason: str | None = None

    @property
    def open(self) -> bool:
        return self.status not in ("won", "lost", "warning_closed", "charge_refunded")


class Sale(msgspec.Struct, frozen=True):
    id: str
    created: int
    gross: int
    currency: str
    status: str                 # one of SALE_STATUSES
    net: int = 0
    refunded: int = 0
    stripe_fee: int | None = None   # None until Stripe reported the charge's fee
    platform_fee: int = 0
    description: str | None = None
    customer_email: str | None = None
    dispute: SaleDispute | None = None


class Page(msgspec.Struct, Generic[T], frozen=True):
    data: tuple[T, ...]
    has_more: bool = False


class SeriesPoint(msgspec.Struct, frozen=True):
    start: int
    gross: int = 0
    net: int = 0
    fees: int = 0
    count: int = 0


class CurrencySeries(msgspec.Struct, frozen=True):
    currency: str
    points: tuple[SeriesPoint, ...] = ()


class SalesSeries(msgspec.Struct, frozen=True):
    bucket: str = "month"
    start: int | None = None
    end: int | None = None
    series: tuple[CurrencySeries, ...] = ()

    def net_by_currency(self) -> dict[str, int]:
        return {s.currency: sum(p.net for p in s.points) for s in self.series}


VIEW_VERSION = 1


class EarningsView(msgspec.Struct):
    """What the Earnings page, the overview and the tray show; cached as it is (earnings_cache)."""

    account: ConnectAccount | None = None
    balance: Balance | None = None
    payouts: tuple[Payout, ...] = ()
    payouts_has_more: bool = False
    month: SalesSeries | None = None        # this calendar month's sales, for the overview
    month_start: int = 0
    disputes: tuple[Sale, ...] = ()         # sales with an open dispute, for the tray
    saved_at: float = 0.0
    told: tuple[str, ...] = ()              # tray notes already given (see earnings_notes)
    version: int = VIEW_VERSION

    def age(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.saved_at)


SalePage = Page[Sale]
PayoutPage = Page[Payout]
TransactionPage = Page[Transaction]

def fetch_view(client: BridgeClient, *, page_size: int, now: float) -> EarningsView:
    """What the Earnings page, the overview and the tray show, from the bridge (run on a worker): the
    account, and once there is one its balance, first payouts, this month's sales and open disputes."""
    account = client.connect_account()
    view = EarningsView(account=account, saved_at=now)
    if not account.has_account:
        return view
    start = month_start(now)
    payouts = client.payouts(limit=page_size)
    disputed = client.sales(limit=20, status="disputed")
    view.balance = client.balance()
    view.payouts, view.payouts_has_more = payouts.data, payouts.has_more
    view.month, view.month_start = client.sales_series(start, month_end(start), "month"), start
    view.disputes = tuple(s for s in disputed.data if s.dispute is not None and s.dispute.open)
    return view


def month_start(now: float) -> int:
    """The first second of this calendar month in the owner's time zone."""
    today = dt.datetime.fromtimestamp(now)
    return int(dt.datetime(today.year, today.month, 1).timestamp())


def month_end(start: int) -> int:
    first = dt.datetime.fromtimestamp(start)
    return int(dt.datetime(first.year + first.month // 12, first.month % 12 + 1, 1).timestamp())


def decode_view(raw: bytes) -> EarningsView:
    """A cached view; raises msgspec's errors (the cache drops the file)."""
    return _view_decoder.decode(raw)


_view_decoder = msgspec.json.Decoder(EarningsView)


def encode(value: Any) -> bytes:
    return msgspec.json.encode(value)
