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
    device_proof: str = Field(description="Keep it with the token and send it at the next sign-in: a stranger's "
                                          "wrong guesses for this email then do not lock this device out.")


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


class PaymentDue(BaseModel):
    """A renewal whose payment failed and is still open."""

    invoice_id: str
    amount: int = Field(description="what is still owed")
    currency: str
    next_attempt: int | None = Field(description="when Stripe tries the card again; null: it will not")


class Credit(BaseModel):
    """Money Stripe holds for the owner (the customer's credit balance), used by the next invoices."""

    amount: int = Field(description="positive")
    currency: str


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
    payment_due: PaymentDue | None = Field(description="set while the latest invoice is open after a failed attempt")
    credit: Credit | None = Field(description="the owner's credit balance, if any")
    if_unpaid: Literal["cancel", "unpaid", "past_due"] = Field(
        description="what Stripe does to the plan once the last retry of a failed payment fails")
    as_of: int = Field(description="when the bridge last heard from Stripe about this owner")


class PlanOffer(Plan):
    features: list[str]
    current: bool
    scheduled: bool = Field(description="the owner's plan switches to this one at the end of the period")


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
    payment_failed: bool = Field(description="open or uncollectible after a failed payment attempt")
    next_payment_attempt: int | None = Field(description="when Stripe tries the card again")
    amount_refunded: int = Field(description="refunded by the bridge (a duplicate subscription's payment)")


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
    next_amount: int | None = Field(description="what the owner pays on next_date, as Stripe previews it (credit "
                                                "included); null when no bill will come (the plan ends)")
    next_date: int | None


# -- webhooks --


class WebhookReceived(BaseModel):
    received: bool
    status: str


# -- OAuth (browser sign-in) --

class OAuthErrorBody(BaseModel):
    """A refusal at the OAuth token endpoint, in RFC 6749 §5.2's shape (not the bridge's error envelope)."""

    error: Literal["invalid_request", "invalid_client", "invalid_grant", "unsupported_grant_type"] = Field(
        description="RFC 6749 §5.2's error code.")
    error_description: str = Field(description="A sentence for a person.")
