"""Typed views of the stored Stripe objects: only the fields the bridge reads.

Stripe leaves fields out or sends null for them depending on the object's state and the API
version, so every field has a default and a null stands for "not set" (the default). Expandable
fields (`customer`, `price`, ...) are read as their id whether or not they were expanded.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def _id_of(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


Ref = Annotated[str | None, BeforeValidator(_id_of)]
"""An expandable field, as the id it names."""


class StripeView(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_unset(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


T = TypeVar("T")


class StripeList(StripeView, Generic[T]):
    data: list[T] = []


class Recurring(StripeView):
    interval: str = "month"
    interval_count: int = 1


class Price(StripeView):
    id: str
    product: Ref = None
    unit_amount: int = 0
    currency: str = "usd"
    nickname: str | None = None
    lookup_key: str | None = None
    recurring: Recurring = Field(default_factory=Recurring)

    @model_validator(mode="before")
    @classmethod
    def _from_id(cls, data: Any) -> Any:
        return {"id": data} if isinstance(data, str) else data


class Feature(StripeView):
    name: str | None = None


class Product(StripeView):
    id: str
    name: str | None = None
    marketing_features: list[Feature] = []
    metadata: dict[str, str] = {}


class Card(StripeView):
    brand: str = "unknown"
    last4: str = ""
    exp_month: int = 0
    exp_year: int = 0


class PaymentMethod(StripeView):
    id: str
    card: Card | None = None


class InvoiceSettings(StripeView):
    default_payment_method: Ref = None


class Customer(StripeView):
    id: str
    invoice_settings: InvoiceSettings = Field(default_factory=InvoiceSettings)
    balance: int = 0
    currency: str | None = None


class SubscriptionItem(StripeView):
    id: str = ""
    price: Price | None = None
    quantity: int = 1
    current_period_start: int | None = None
    current_period_end: int | None = None


class Subscription(StripeView):
    id: str
    customer: Ref = None
    status: str | None = None
    created: int = 0
    currency: str | None = None
    billing_cycle_anchor: int | None = None
    cancel_at_period_end: bool = False
    cancel_at: int | None = None
    trial_end: int | None = None
    default_payment_method: Ref = None
    schedule: Ref = None
    latest_invoice: Ref = None
    items: StripeList[SubscriptionItem] = Field(default_factory=StripeList[SubscriptionItem])
    pending_update: dict[str, Any] | None = None

    @property
    def item(self) -> SubscriptionItem | None:
        """The plan's item: the bridge's subscriptions have exactly one."""
        return self.items.data[0] if self.items.data else None

    @property
    def price_id(self) -> str | None:
        return self.item.price.id if self.item and self.item.price else None


class PhaseItem(StripeView):
    price: Ref = None
    quantity: int = 1


class Phase(StripeView):
    start_date: int = 0
    end_date: int | None = None
    items: list[PhaseItem] = []

    @property
    def price_id(self) -> str | None:
        return self.items[0].price if self.items else None


class CurrentPhase(StripeView):
    start_date: int = 0
    end_date: int | None = None


class SubscriptionSchedule(StripeView):
    id: str
    subscription: Ref = None
    status: str | None = None
    current_phase: CurrentPhase | None = None
    phases: list[Phase] = []


class Period(StripeView):
    start: int | None = None
    end: int | None = None


class InvoiceLine(StripeView):
    description: str = ""
    amount: int = 0
    period: Period = Field(default_factory=Period)


class Invoice(StripeView):
    """A stored invoice, or an invoice preview (which has no id)."""

    id: str = ""
    customer: Ref = None
    number: str | None = None
    status: str | None = None
    total: int = 0
    amount_due: int = 0
    amount_paid: int = 0
    amount_remaining: int = 0
    attempt_count: int = 0
    next_payment_attempt: int | None = None
    starting_balance: int | None = None
    ending_balance: int | None = None
    currency: str = "usd"
    created: int = 0
    period_start: int = 0
    period_end: int = 0
    hosted_invoice_url: str | None = None
    invoice_pdf: str | None = None
    lines: StripeList[InvoiceLine] = Field(default_factory=StripeList[InvoiceLine])


class UpcomingInvoice(StripeView):
    """The store's row for a customer's next invoice as Stripe previewed it (next_bill.refresh):
    `invoice` is None when none will come."""

    id: str
    subscription: str | None = None
    invoice: Invoice | None = None
