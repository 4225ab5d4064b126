"""What needs the owner's attention in a summary, and the one click that fixes it (Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass

from . import Summary, formatting


@dataclass(frozen=True)
class Warning:
    key: str            # stable per problem, so the tray notifies once
    text: str
    action: str         # button label
    flow: str | None    # portal flow the button opens (None: the portal's home); "pay:<invoice id>" pays it
    second: tuple[str, str | None] | None = None   # another (label, flow) button, e.g. "Update card"


IF_UNPAID = {
    "cancel": "your plan will be cancelled",
    "unpaid": "your plan will stop until the bill is paid",
    "past_due": "the bill stays open and Stripe stops retrying",
}


def payment_due_text(summary: Summary, locale: str | None) -> str:
    """How much is owed, when Stripe tries again, and what happens if no payment goes through."""
    due = summary.payment_due
    assert due is not None
    owed = formatting.money(due.amount, due.currency, locale)
    outcome = IF_UNPAID.get(summary.if_unpaid, IF_UNPAID["cancel"])
    if due.next_attempt:
        return (f"Your payment of {owed} failed. Stripe will try your card again on "
                f"{formatting.day(due.next_attempt, locale)}; if no payment goes through, {outcome}.")
    return f"Your payment of {owed} failed and Stripe will not try again. Pay it now, or {outcome}."


def warnings_for(summary: Summary | None, locale: str | None = None) -> list[Warning]:
    if summary is None or summary.plan is None:
        return []
    found: list[Warning] = []
    if summary.payment_due is not None:
        found.append(Warning(f"payment_failed:{summary.payment_due.invoice_id}", payment_due_text(summary, locale),
                             "Pay now", f"pay:{summary.payment_due.invoice_id}",
                             ("Update card", "payment_method_update")))
    elif summary.last_payment_failed or summary.status in ("past_due", "unpaid"):
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
