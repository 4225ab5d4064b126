"""What the bridge answers, as typed frozen values.

`from_json` ignores fields it does not know (a newer bridge may add some) and raises
`UnexpectedResponse` when a field it needs is missing or has the wrong type, so a broken answer
becomes one clear error instead of an AttributeError deep in the UI. `to_json` gives back the wire
shape; the cache stores that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import UnexpectedResponse

_MISSING = object()


def _obj(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise UnexpectedResponse(f"The billing server sent a {what} that is not an object.")
    return data


def _get(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...], what: str, *, optional: bool = False) -> Any:
    value = data.get(name, _MISSING)
    if value is _MISSING or value is None:
        if optional:
            return None
        raise UnexpectedResponse(f"The billing server sent a {what} without its {name!r}.")
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        ok = False
    elif float in kinds and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    else:
        ok = isinstance(value, kinds)
    if not ok:
        raise UnexpectedResponse(f"The billing server sent a {what} whose {name!r} has the wrong type.")
    return value


def _opt_bool(data: Mapping[str, Any], name: str, what: str, default: bool = False) -> bool:
    value = _get(data, name, bool, what, optional=True)
    return default if value is None else value


def _list(data: Mapping[str, Any], name: str, what: str, *, optional: bool = False) -> list[Any]:
    value = _get(data, name, list, what, optional=optional)
    return [] if value is None else value


@dataclass(frozen=True)
class Plan:
    key: str
    name: str
    amount: int
    currency: str
    interval: str
    features: tuple[str, ...] = ()
    current: bool = False
    scheduled: bool = False   # the owner's plan switches to this one at the end of the period

    @classmethod
    def from_json(cls, data: Any) -> Plan:
        d = _obj(data, "plan")
        features = _list(d, "features", "plan", optional=True)
        if not all(isinstance(f, str) for f in features):
            raise UnexpectedResponse("The billing server sent a plan whose 'features' are not text.")
        return cls(
            key=_get(d, "key", str, "plan"),
            name=_get(d, "name", str, "plan"),
            amount=_get(d, "amount", int, "plan"),
            currency=_get(d, "currency", str, "plan").lower(),
            interval=_get(d, "interval", str, "plan"),
            features=tuple(features),
            current=_opt_bool(d, "current", "plan"),
            scheduled=_opt_bool(d, "scheduled", "plan"),
        )

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "amount": self.amount, "currency": self.currency,
                "interval": self.interval, "features": list(self.features), "current": self.current,
                "scheduled": self.scheduled}


@dataclass(frozen=True)
class Card:
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    expires_before_next_bill: bool = False

    @classmethod
    def from_json(cls, data: Any) -> Card:
        d = _obj(data, "card")
        return cls(
            brand=_get(d, "brand", str, "card"),
            last4=_get(d, "last4", str, "card"),
            exp_month=_get(d, "exp_month", int, "card"),
            exp_year=_get(d, "exp_year", int, "card"),
            expires_before_next_bill=_opt_bool(d, "expires_before_next_bill", "card"),
        )

    def to_json(self) -> dict[str, Any]:
        return {"brand": self.brand, "last4": self.last4, "exp_month": self.exp_month, "exp_year": self.exp_year,
                "expires_before_next_bill": self.expires_before_next_bill}


@dataclass(frozen=True)
class NextInvoice:
    amount: int
    currency: str
    date: int

    @classmethod
    def from_json(cls, data: Any) -> NextInvoice:
        d = _obj(data, "next invoice")
        return cls(amount=_get(d, "amount", int, "next invoice"),
                   currency=_get(d, "currency", str, "next invoice").lower(),
                   date=_get(d, "date", int, "next invoice"))

    def to_json(self) -> dict[str, Any]:
        return {"amount": self.amount, "currency": self.currency, "date": self.date}


@dataclass(frozen=True)
class PendingChange:
    """A plan change scheduled for later (a downgrade at period end)."""

    plan: Plan
    effective_at: int

    @classmethod
    def from_json(cls, data: Any) -> PendingChange:
        d = _obj(data, "pending change")
        return cls(plan=Plan.from_json(_get(d, "plan", Mapping, "pending change")),
                   effective_at=_get(d, "effective_at", int, "pending change"))

    def to_json(self) -> dict[str, Any]:
        return {"plan": self.plan.to_json(), "effective_at": self.effective_at}


@dataclass(frozen=True)
class PaymentDue:
    """A failed renewal still open: what is owed and when Stripe tries the card again (None: never)."""

    invoice_id: str
    amount: int
    currency: str
    next_attempt: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> PaymentDue:
        d = _obj(data, "payment due")
        return cls(invoice_id=_get(d, "invoice_id", str, "payment due"), amount=_get(d, "amount", int, "payment due"),
                   currency=_get(d, "currency", str, "payment due").lower(),
                   next_attempt=_get(d, "next_attempt", int, "payment due", optional=True))

    def to_json(self) -> dict[str, Any]:
        return {"invoice_id": self.invoice_id, "amount": self.amount, "currency": self.currency,
                "next_attempt": self.next_attempt}


@dataclass(frozen=True)
class Credit:
    """Money Stripe holds for the owner, used by the next bills."""

    amount: int
    currency: str

    @classmethod
    def from_json(cls, data: Any) -> Credit:
        d = _obj(data, "credit")
        return cls(amount=_get(d, "amount", int, "credit"), currency=_get(d, "currency", str, "credit").lower())

    def to_json(self) -> dict[str, Any]:
        return {"amount": self.amount, "currency": self.currency}


@dataclass(frozen=True)
class Summary:
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
    if_unpaid: str = "cancel"     # cancel | unpaid | past_due: what Stripe does after the last failed retry
    as_of: int | None = None

    @property
    def has_subscription(self) -> bool:
        return self.plan is not None and self.status not in ("none", "canceled", "incomplete_expired")

    @classmethod
    def from_json(cls, data: Any) -> Summary:
        d = _obj(data, "summary")

        def nested(name: str, model: Any) -> Any:
            value = _get(d, name, Mapping, "summary", optional=True)
            return None if value is None else model.from_json(value)

        return cls(
            plan=nested("plan", Plan),
            status=_get(d, "status", str, "summary"),
            cancel_at_period_end=_opt_bool(d, "cancel_at_period_end", "summary"),
            cancel_at=_get(d, "cancel_at", int, "summary", optional=True),
            current_period_end=_get(d, "current_period_end", int, "summary", optional=True),
            trial_end=_get(d, "trial_end", int, "summary", optional=True),
            card=nested("card", Card),
            next_invoice=nested("next_invoice", NextInvoice),
            pending_change=nested("pending_change", PendingChange),
            last_payment_failed=_opt_bool(d, "last_payment_failed", "summary"),
            payment_due=nested("payment_due", PaymentDue),
            credit=nested("credit", Credit),
            if_unpaid=_get(d, "if_unpaid", str, "summary", optional=True) or "cancel",
            as_of=_get(d, "as_of", int, "summary", optional=True),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_json() if self.plan else None,
            "status": self.status,
            "cancel_at_period_end": self.cancel_at_period_end,
            "cancel_at": self.cancel_at,
            "current_period_end": self.current_period_end,
            "trial_end": self.trial_end,
            "card": self.card.to_json() if self.card else None,
            "next_invoice": self.next_invoice.to_json() if self.next_invoice else None,
            "pending_change": self.pending_change.to_json() if self.pending_change else None,
            "last_payment_failed": self.last_payment_failed,
            "payment_due": self.payment_due.to_json() if self.payment_due else None,
            "credit": self.credit.to_json() if self.credit else None,
            "if_unpaid": self.if_unpaid,
            "as_of": self.as_of,
        }


@dataclass(frozen=True)
class Invoice:
    id: str
    number: str | None
    status: str
    total: int
    amount_due: int
    amount_paid: int
    currency: str
    created: int
    period_start: int | None
    period_end: int | None
    hosted_invoice_url: str | None
    has_pdf: bool
    payment_failed: bool = False
    next_payment_attempt: int | None = None
    amount_refunded: int = 0

    @property
    def refunded(self) -> bool:
        return self.amount_paid > 0 and self.amount_refunded >= self.amount_paid

    @classmethod
    def from_json(cls, data: Any) -> Invoice:
        d = _obj(data, "invoice")
        return cls(
            id=_get(d, "id", str, "invoice"),
            number=_get(d, "number", str, "invoice", optional=True),
            status=_get(d, "status", str, "invoice"),
            total=_get(d, "total", int, "invoice"),
            amount_due=_get(d, "amount_due", int, "invoice"),
            amount_paid=_get(d, "amount_paid", int, "invoice"),
            currency=_get(d, "currency", str, "invoice").lower(),
            created=_get(d, "created", int, "invoice"),
            period_start=_get(d, "period_start", int, "invoice", optional=True),
            period_end=_get(d, "period_end", int, "invoice", optional=True),
            hosted_invoice_url=_get(d, "hosted_invoice_url", str, "invoice", optional=True),
            has_pdf=_opt_bool(d, "has_pdf", "invoice"),
            payment_failed=_opt_bool(d, "payment_failed", "invoice"),
            next_payment_attempt=_get(d, "next_payment_attempt", int, "invoice", optional=True),
            amount_refunded=_get(d, "amount_refunded", int, "invoice", optional=True) or 0,
        )

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "status": self.status, "total": self.total,
                "amount_due": self.amount_due, "amount_paid": self.amount_paid, "currency": self.currency,
                "created": self.created, "period_start": self.period_start, "period_end": self.period_end,
                "hosted_invoice_url": self.hosted_invoice_url, "has_pdf": self.has_pdf,
                "payment_failed": self.payment_failed, "next_payment_attempt": self.next_payment_attempt,
                "amount_refunded": self.amount_refunded}


@dataclass(frozen=True)
class InvoicePage:
    invoices: list[Invoice]
    has_more: bool

    @classmethod
    def from_json(cls, data: Any) -> InvoicePage:
        d = _obj(data, "invoice list")
        return cls(invoices=[Invoice.from_json(i) for i in _list(d, "data", "invoice list")],
                   has_more=_opt_bool(d, "has_more", "invoice list"))

    def to_json(self) -> dict[str, Any]:
        return {"data": [i.to_json() for i in self.invoices], "has_more": self.has_more}


@dataclass(frozen=True)
class PreviewLine:
    description: str
    amount: int
    period_start: int | None = None
    period_end: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> PreviewLine:
        d = _obj(data, "preview line")
        return cls(description=_get(d, "description", str, "preview line", optional=True) or "",
                   amount=_get(d, "amount", int, "preview line"),
                   period_start=_get(d, "period_start", int, "preview line", optional=True),
                   period_end=_get(d, "period_end", int, "preview line", optional=True))

    def to_json(self) -> dict[str, Any]:
        return {"description": self.description, "amount": self.amount,
                "period_start": self.period_start, "period_end": self.period_end}


@dataclass(frozen=True)
class PlanChangePreview:
    plan: Plan
    direction: str            # upgrade | downgrade
    effective: str            # now | period_end
    proration_date: int
    amount_due_now: int
    currency: str
    lines: tuple[PreviewLine, ...]
    next_amount: int | None
    next_date: int | None

    @classmethod
    def from_json(cls, data: Any) -> PlanChangePreview:
        d = _obj(data, "plan change preview")
        what = "plan change preview"
        return cls(
            plan=Plan.from_json(_get(d, "plan", Mapping, what)),
            direction=_get(d, "direction", str, what),
            effective=_get(d, "effective", str, what),
            proration_date=_get(d, "proration_date", int, what),
            amount_due_now=_get(d, "amount_due_now", int, what),
            currency=_get(d, "currency", str, what).lower(),
            lines=tuple(PreviewLine.from_json(x) for x in _list(d, "lines", what, optional=True)),
            next_amount=_get(d, "next_amount", int, what, optional=True),
            next_date=_get(d, "next_date", int, what, optional=True),
        )

    def to_json(self) -> dict[str, Any]:
        return {"plan": self.plan.to_json(), "direction": self.direction, "effective": self.effective,
                "proration_date": self.proration_date, "amount_due_now": self.amount_due_now,
                "currency": self.currency, "lines": [x.to_json() for x in self.lines],
                "next_amount": self.next_amount, "next_date": self.next_date}


@dataclass(frozen=True)
class SignIn:
    token: str
    expires_at: int
    email: str

    @classmethod
    def from_json(cls, data: Any) -> SignIn:
        d = _obj(data, "sign-in answer")
        owner = _get(d, "owner", Mapping, "sign-in answer")
        return cls(token=_get(d, "token", str, "sign-in answer"),
                   expires_at=_get(d, "expires_at", int, "sign-in answer"),
                   email=_get(owner, "email", str, "sign-in answer"))

    def to_json(self) -> dict[str, Any]:
        return {"token": self.token, "expires_at": self.expires_at, "owner": {"email": self.email}}
