"""The bridge's answers, as pydantic models: the typed half of docs/bridge-api.md.

Every route declares one of these as its response model, so /openapi.json (and the committed
docs/openapi.json the desktop is checked against) says exactly what goes over the wire. Times are
Unix seconds, amounts integers in the currency's minor unit, currencies lower-case ISO codes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable code, e.g. not_found; see docs/bridge-api.md.")
    message: str = Field(description="A sentence for a person.")


class ErrorBody(BaseModel):
    """Every failure, whatever its status."""

    error: ErrorDetail


# -- auth --


class OwnerEmail(BaseModel):
    email: str


class SignedIn(BaseModel):
    token: str
    expires_at: int
    owner: OwnerEmail


class Me(BaseModel):
    email: str
    device: str
    token_expires_at: int
    has_subscription: bool


# -- billing --


class Plan(BaseModel):
    key: str
    name: str
    amount: int
    currency: str
    interval: str


class Card(BaseModel):
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    expires_before_next_bill: bool


class NextInvoice(BaseModel):
    amount: int
    currency: str
    date: int


class PendingChange(BaseModel):
    """A plan change scheduled for later (a downgrade at the end of the period)."""

    plan: Plan
    effective_at: int


class Summary(BaseModel):
    plan: Plan | None = Field(description="null without a subscription")
    status: str = Field(description="active | trialing | past_due | unpaid | canceled | incomplete | "
                                    "incomplete_expired | paused | none")
    cancel_at_period_end: bool
    cancel_at: int | None = Field(description="when a scheduled cancellation takes effect")
    current_period_end: int | None = Field(description="the next bill date; null without a live subscription")
    trial_end: int | None
    card: Card | None
    next_invoice: NextInvoice | None
    pending_change: PendingChange | None
    last_payment_failed: bool = Field(description="the latest invoice is open or uncollectible after a failed attempt")
    as_of: int = Field(description="when the bridge last heard from Stripe about this owner")


class PlanOffer(Plan):
    features: list[str]
    current: bool


class Plans(BaseModel):
    plans: list[PlanOffer] = Field(description="in the order of the plan table")


class Invoice(BaseModel):
    id: str
    number: str | None = Field(description="null for a draft")
    status: str = Field(description="draft | open | paid | uncollectible | void")
    total: int
    amount_due: int
    amount_paid: int
    currency: str
    created: int
    period_start: int
    period_end: int
    hosted_invoice_url: str | None
    has_pdf: bool


class InvoicePage(BaseModel):
    data: list[Invoice] = Field(description="newest first")
    has_more: bool


class HostedPage(BaseModel):
    """A Stripe-hosted page (Checkout or the customer portal) to open in the browser."""

    url: str


class PreviewLine(BaseModel):
    description: str
    amount: int
    period_start: int
    period_end: int


class PlanChangePreview(BaseModel):
    plan: Plan
    direction: Literal["upgrade", "downgrade"]
    effective: Literal["now", "period_end"] = Field(
        description="now: an upgrade, its proration charged now; period_end: a downgrade")
    proration_date: int = Field(description="pass it back to plan-change to commit the same figures")
    amount_due_now: int = Field(description="0 for a downgrade")
    currency: str
    lines: list[PreviewLine]
    next_amount: int = Field(description="what the owner pays on next_date")
    next_date: int


# -- webhooks --


class WebhookReceived(BaseModel):
    received: bool
    status: str
