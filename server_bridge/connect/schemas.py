"""The shapes /v1/connect answers with (docs/bridge-api.md, "Connect"): the owner's own sales.

Amounts are integers in the currency's minor unit, times are Unix seconds, currencies lower-case,
as everywhere in the bridge's API.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

AccountStatus = Literal["not_started", "onboarding", "action_required", "pending_verification", "active",
                        "restricted", "rejected"]
Dashboard = Literal["express", "full", "none"]
Due = Literal["past_due", "currently_due", "eventually_due"]
PayoutStatus = Literal["pending", "in_transit", "paid", "failed", "canceled"]
SaleStatus = Literal["succeeded", "refunded", "partially_refunded", "disputed"]
Category = Literal["sales", "refunds", "disputes", "stripe_fees", "platform_fees", "adjustments", "other",
                   "unexplained"]
Bucket = Literal["day", "week", "month"]
ImportState = Literal["not_started", "running", "done", "failed"]


class Requirement(BaseModel):
    code: str                      # a stable key for the checklist item, e.g. "individual.verification.document"
    title: str                     # plain words: "Upload a photo ID"
    due: Due                       # the most urgent of the Stripe requirements behind it
    error: str | None = None       # why Stripe refused what was sent, in Stripe's words


class PayoutSchedule(BaseModel):
    interval: str                  # daily | weekly | monthly | manual
    delay_days: int | None = None
    weekly_anchor: str | None = None
    monthly_anchor: int | None = None


class SalesImport(BaseModel):
    """The backfill of the owner's sales: "Importing your sales: 2,300 of ~5,000"."""

    state: ImportState
    imported: int                  # sales stored so far
    estimated_total: int | None    # an estimate while running (from the dates covered so far), exact when done
    started_at: int | None
    finished_at: int | None
    error: str | None = None


class Account(BaseModel):
    status: AccountStatus
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    dashboard: Dashboard
    requirements: list[Requirement]
    deadline: int | None           # requirements.current_deadline
    disabled_reason: str | None    # Stripe's code (e.g. "requirements.past_due", "under_review"), for logs and support
    payout_schedule: PayoutSchedule | None
    default_currency: str | None
    sales_import: SalesImport
    as_of: int | None              # when the bridge last heard from Stripe about the account


class Link(BaseModel):
    url: str
    expires_at: int | None = None


class Balance(BaseModel):
    currency: str
    available: int                 # may be negative (refunds, disputes)
    pending: int
    in_transit: int                # payouts created and not yet paid (pending or in_transit)


class Balances(BaseModel):
    balances: list[Balance]
    as_of: int | None


class Payout(BaseModel):
    id: str
    amount: int
    currency: str
    status: PayoutStatus
    arrival_date: int              # Stripe's expected date; the status says whether it arrived
    created: int
    automatic: bool
    method: str                    # standard | instant
    description: str | None
    failure_code: str | None
    failure_message: str | None
    reconciliation_status: str     # not_applicable | in_progress | completed


class PayoutPage(BaseModel):
    data: list[Payout]
    has_more: bool


class BreakdownLine(BaseModel):
    category: Category
    amount: int                    # signed, in the payout's currency
    count: int                     # transactions (or fees) behind the line


class PayoutDetail(BaseModel):
    payout: Payout
    breakdown: list[BreakdownLine]  # adds up to exactly payout.amount


class Transaction(BaseModel):
    id: str
    type: str                      # Stripe's balance transaction type
    reporting_category: str
    category: Category             # the breakdown line it counts towards
    amount: int
    fee: int
    stripe_fee: int
    platform_fee: int
    net: int
    currency: str
    created: int
    available_on: int
    description: str | None
    source: str | None


class TransactionPage(BaseModel):
    data: list[Transaction]
    has_more: bool


class Dispute(BaseModel):
    id: str
    amount: int
    status: str                    # Stripe's: needs_response, under_review, won, lost, ...
    reason: str | None
    evidence_due_by: int | None


class Sale(BaseModel):
    id: str                        # the charge id
    created: int
    currency: str
    gross: int
    refunded: int
    stripe_fee: int | None         # null until Stripe reports the charge's balance transaction
    platform_fee: int
    net: int                       # gross - refunded - stripe_fee - platform_fee
    status: SaleStatus
    description: str | None
    customer_email: str | None
    dispute: Dispute | None


class SalePage(BaseModel):
    data: list[Sale]
    has_more: bool


class SeriesPoint(BaseModel):
    start: int                     # the bucket's first second (UTC)
    gross: int
    net: int
    fees: int
    count: int


class CurrencySeries(BaseModel):
    currency: str
    points: list[SeriesPoint]


class SalesSeries(BaseModel):
    bucket: Bucket
    start: int
    end: int
    series: list[CurrencySeries]
