"""What in the owner's earnings deserves a tray note, each told once (Qt-free).

A payout paid or failed, a new requirement with its deadline, a new dispute with its evidence due date.
On the very first look at an account its paid payouts are history, not news: they are only remembered.
"""

from __future__ import annotations

from dataclasses import dataclass

from .earnings import EarningsView
from .earnings_words import things_due
from .formatting import day, money


@dataclass(frozen=True)
class Note:
    key: str
    text: str
    urgent: bool = False


def notes_for(view: EarningsView, locale: str | None = None) -> list[Note]:
    notes: list[Note] = []
    for payout in view.payouts:
        amount = money(payout.amount, payout.currency, locale)
        if payout.status == "paid":
            notes.append(Note(f"payout:{payout.id}:paid", f"Payout of {amount} arrived in your bank account."))
        elif payout.status == "failed":
            why = payout.failure_message or "the bank refused it"
            notes.append(Note(f"payout:{payout.id}:failed", f"Payout of {amount} failed: {why}", urgent=True))
    account = view.account
    if account is not None:
        by = f" by {day(account.deadline, locale)}" if account.deadline else ""
        for requirement in things_due(account):
            notes.append(Note(f"requirement:{requirement.code}:{account.deadline}",
                              f"Stripe needs something from you{by}: {requirement.title}.", urgent=True))
    for sale in view.disputes:
        dispute = sale.dispute
        if dispute is None or not dispute.open:
            continue
        amount = money(dispute.amount if dispute.amount is not None else sale.gross, sale.currency, locale)
        due = f" Send your evidence by {day(dispute.evidence_due_by, locale)}." if dispute.evidence_due_by else ""
        who = f" from {sale.customer_email}" if sale.customer_email else ""
        notes.append(Note(f"dispute:{sale.id}", f"A customer{who} disputed a payment of {amount}.{due}", urgent=True))
    return notes


def news(view: EarningsView, told: set[str], *, first_look: bool, locale: str | None = None) -> list[Note]:
    """The notes not told yet; `told` is updated. On a first look, paid payouts are remembered silently."""
    fresh = []
    for note in notes_for(view, locale):
        if note.key in told:
            continue
        told.add(note.key)
        if first_look and not note.urgent:
            continue
        fresh.append(note)
    return fresh
