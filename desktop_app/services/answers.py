"""What the bridge answers, as typed frozen values decoded by msgspec.

Names and types follow the bridge's schema (docs/openapi.json; tests/desktop/services/test_contract.py
checks every field here against it). Fields the desktop does not know are ignored (a newer bridge
may add some); a missing or mistyped field raises UnexpectedResponse, one clear error instead of an
AttributeError deep in the UI. `wire` gives back the wire shape; the cache stores that.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

import msgspec

from .errors import UnexpectedResponse

T = TypeVar("T")
M = TypeVar("M", bound="Model")


class Model(msgspec.Struct, frozen=True, kw_only=True):
    """A value of the bridge's API."""

    @classmethod
    def from_json(cls: type[M], data: Any) -> M:
        """From JSON already parsed (the cache, test samples); UnexpectedResponse if it does not fit."""
        return convert(cls, data)

    def to_json(self) -> Any:
        return wire(self)


class Plan(Model):
    key: str
    name: str
    amount: int
    currency: str
    interval: str


class PlanOffer(Plan):
    """A plan of the plan table, as GET /v1/billing/plans lists it."""

    features: tuple[str, ...] = ()
    current: bool = False
    scheduled: bool = False   # the owner's plan switches to this one at the end of the period


class Card(Model):
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    expires_before_next_bill: bool = False


class NextInvoice(Model):
    amount: int
    currency: str
    date: int


class PendingChange(Model):
    """A plan change scheduled for later (a downgrade at period end)."""

    plan: Plan
    effective_at: int


class PaymentDue(Model):
    """A failed renewal still open: what is owed and when Stripe tries the card again (None: never)."""

    invoice_id: str
    amount: int
    currency: str
    next_attempt: int | None = None


class Credit(Model):
    """Money Stripe holds for the owner, used by the next bills."""

    amount: int
    currency: str


class Summary(Model):
    plan: Plan | None
    status: str
    cancel_at_period_end: bool = False
    cancel_at: int | None = None
    current_period_end: int | None = None
    trial_end: int | None = None
    card: Card | None = None
    next_invoice: NextInvoice | None = None
    pending_change: PendingChange | None = None
    last_payment_failed: bool = False
    payment_due: PaymentDue | None = None
    credit: Credit | None = None
    if_unpaid: Literal["cancel", "unpaid", "past_due"] = "cancel"   # what Stripe does after the last failed retry
    as_of: int = 0

    @property
    def has_subscription(self) -> bool:
        return self.plan is not None and self.status not in ("none", "canceled", "incomplete_expired")


class Invoice(Model):
    id: str
    number: str | None
    status: str
    total: int
    amount_due: int
    amount_paid: int
    currency: str
    created: int
    period_start: int
    period_end: int
    hosted_invoice_url: str | None
    has_pdf: bool = False
    payment_failed: bool = False
    next_payment_attempt: int | None = None
    amount_refunded: int = 0

    @property
    def refunded(self) -> bool:
        return self.amount_paid > 0 and self.amount_refunded >= self.amount_paid


class InvoicePage(Model):
    invoices: list[Invoice] = msgspec.field(name="data")
    has_more: bool = False


class Plans(Model):
    plans: tuple[PlanOffer, ...]


class PreviewLine(Model):
    description: str
    amount: int
    period_start: int
    period_end: int


class PlanChangePreview(Model):
    plan: Plan
    direction: Literal["upgrade", "downgrade"]
    effective: Literal["now", "period_end"]
    proration_date: int
    amount_due_now: int
    currency: str
    lines: tuple[PreviewLine, ...]
    next_amount: int | None
    next_date: int | None


class OwnerEmail(Model):
    email: str


class SignIn(Model):
    token: str
    expires_at: int
    owner: OwnerEmail
    device_proof: str | None = None   # kept in the secret store, sent at the next sign-in (older bridges: none)

    @property
    def email(self) -> str:
        return self.owner.email


class Me(Model):
    email: str
    device: str
    token_expires_at: int
    has_subscription: bool


class HostedPage(Model):
    url: str


_WHAT = {Summary: "summary", Plans: "list of plans", InvoicePage: "invoice list", PlanChangePreview:
         "plan change preview", SignIn: "sign-in answer", Me: "answer about the signed-in owner",
         HostedPage: "link"}
_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


def decode(kind: type[T], raw: bytes | str, what: str | None = None, *, status: int = 0) -> T:
    """The bridge's JSON answer as `kind`, or UnexpectedResponse naming `what` (the answer, in the
    owner's words) and what was wrong with it. One decoder per kind, built on first use."""
    decoder = _decoders.get(kind)
    if decoder is None:
        decoder = _decoders[kind] = msgspec.json.Decoder(kind)
    what = what or _WHAT.get(kind) or getattr(kind, "__name__", "answer").lower()
    try:
        return decoder.decode(raw)
    except msgspec.ValidationError as exc:
        raise UnexpectedResponse(f"The billing server's {what} could not be read ({exc}).", status=status) from exc
    except msgspec.DecodeError as exc:
        raise UnexpectedResponse(f"The billing server's {what} is not JSON.", status=status) from exc


def convert(kind: type[T], data: Any) -> T:
    """Like decode, for JSON already parsed (the cache, test samples)."""
    try:
        return msgspec.convert(data, type=kind)
    except msgspec.ValidationError as exc:
        raise UnexpectedResponse(f"Stored billing data could not be read ({exc}).") from exc


def wire(value: Any) -> Any:
    """The JSON-ready wire shape of a value (or list of values), as the bridge sends it."""
    return msgspec.to_builtins(value)
