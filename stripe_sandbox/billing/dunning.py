"""What happens after a renewal payment fails: Stripe's retry settings (Billing > Revenue recovery).

A custom retry schedule tries again after each of `retry_days` (days after the previous attempt);
when the last retry fails too, the subscription is canceled, marked unpaid or left past due, and the
invoice marked uncollectible or left open (past due), as the two settings of that page choose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from stripe_sandbox.periods import DAY

SubscriptionThen = Literal["canceled", "unpaid", "past_due"]
InvoiceThen = Literal["uncollectible", "past_due"]


@dataclass(frozen=True)
class Dunning:
    retry_days: tuple[float, ...] = (3, 3, 3)
    subscription_then: SubscriptionThen = "canceled"
    invoice_then: InvoiceThen = "uncollectible"

    def __post_init__(self) -> None:
        if self.subscription_then not in ("canceled", "unpaid", "past_due"):
            raise ValueError(f"unknown final subscription state {self.subscription_then!r}")
        if self.invoice_then not in ("uncollectible", "past_due"):
            raise ValueError(f"unknown final invoice state {self.invoice_then!r}")
        if len(self.retry_days) > 8 or any(d <= 0 for d in self.retry_days):
            raise ValueError("retry_days: up to 8 positive numbers of days")

    def next_attempt(self, attempt_count: int, at: int) -> int | None:
        """When to try again after `attempt_count` attempts made up to `at` (None: no retries left)."""
        if attempt_count > len(self.retry_days):
            return None
        return at + round(self.retry_days[attempt_count - 1] * DAY)
