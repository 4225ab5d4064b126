"""What needs the owner's attention in a summary, and the one click that fixes it (Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass

from ..services import Summary, formatting


@dataclass(frozen=True)
class Warning:
    key: str            # stable per problem, so the tray notifies once
    text: str
    action: str         # button label
    flow: str | None    # portal flow the button opens (None: the portal's home)


def warnings_for(summary: Summary | None, locale: str | None = None) -> list[Warning]:
    if summary is None or summary.plan is None:
        return []
    found: list[Warning] = []
    if summary.last_payment_failed or summary.status in ("past_due", "unpaid"):
        found.append(Warning("payment_failed", "Your last payment failed. Update your card so your plan keeps running.",
                             "Fix payment", "payment_method_update"))
    card = summary.card
    if card is not None and card.expires_before_next_bill and not summary.cancel_at_period_end:
        when = f" on {formatting.day(summary.current_period_end, locale)}" if summary.current_period_end else ""
        found.append(Warning(f"card_expires:{card.last4}:{card.exp_month}/{card.exp_year}",
                             f"Your card ending in {card.last4} expires {card.exp_month:02d}/{card.exp_year}, "
                             f"before your next bill{when}.", "Update card", "payment_method_update"))
    if summary.cancel_at_period_end:
        end = summary.cancel_at or summary.current_period_end
        when = formatting.day(end, locale) if end else "the end of the period"
        found.append(Warning(f"cancels:{end}", f"Your {summary.plan.name} plan cancels on {when}.",
                             "Keep my plan", None))
    return found
