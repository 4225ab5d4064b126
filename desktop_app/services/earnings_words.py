"""The owner's earnings in plain words: account status, payouts, schedules, breakdown lines (Qt-free)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .formatting import day, money

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .earnings import ConnectAccount, CurrencyBalance, EarningsView, Payout, PayoutSchedule, Requirement

DUE_ORDER = {"past_due": 0, "currently_due": 1, "eventually_due": 2}
_WEEKDAYS = {"monday": "Monday", "tuesday": "Tuesday", "wednesday": "Wednesday", "thursday": "Thursday",
             "friday": "Friday", "saturday": "Saturday", "sunday": "Sunday"}
CATEGORY_WORDS = {"sales": "Sales", "refunds": "Refunds", "disputes": "Disputes", "stripe_fees": "Stripe fees",
                  "platform_fees": "Platform fees", "adjustments": "Adjustments",
                  "other": "Other", "unexplained": "Not yet explained by Stripe"}
SALE_STATUS_WORDS = {"succeeded": "Paid", "refunded": "Refunded", "partially_refunded": "Partly refunded",
                     "disputed": "Disputed"}
PAYOUT_STATUS_WORDS = {"pending": "Pending", "in_transit": "On the way", "paid": "Paid", "failed": "Failed",
                       "canceled": "Canceled"}


def things_due(account: ConnectAccount) -> list[Requirement]:
    """What Stripe asks for now (past due first); "eventually due" items are for later and not listed."""
    due = [r for r in account.requirements if r.due in ("past_due", "currently_due")]
    return sorted(due, key=lambda r: DUE_ORDER.get(r.due, 3))


def account_sentence(account: ConnectAccount | None, locale: str | None = None) -> str:
    """The account's state in one sentence, the way the owner would say it."""
    if account is None:
        return ""
    due = things_due(account)
    by = f" by {day(account.deadline, locale)}" if account.deadline else ""
    status = account.status
    if status == "not_started":
        return "You are not taking payments yet. Start selling to accept your customers’ payments on your site."
    if status == "onboarding":
        return "Your Stripe account is not set up yet: finish the setup to take payments."
    if status == "rejected":
        return "Stripe has closed this account: it cannot take payments or pay out. The Stripe dashboard says why."
    if not due and (status in ("pending_verification", "restricted", "action_required")
                    or not (account.charges_enabled and account.payouts_enabled)):
        return f"Stripe is reviewing your account; there is nothing for you to do. {_paused(account, 'meanwhile')}".strip()
    if due:
        stopped = _paused(account, "until you do")
        if stopped:
            return f"Stripe needs more information from you{by}. {stopped}"
        if account.deadline:
            return f"Stripe needs more information from you{by}, or payouts will be paused."
        return "Stripe needs more information from you."
    return "Your account is active: you take payments and get paid out."


def _paused(account: ConnectAccount, when: str) -> str:
    if not account.charges_enabled and not account.payouts_enabled:
        return f"Payments and payouts are paused {when}."
    if not account.payouts_enabled:
        return f"Payouts are paused {when}."
    if not account.charges_enabled:
        return f"Payments are paused {when}."
    return ""


def requirement_line(requirement: Requirement) -> str:
    text = requirement.title
    if requirement.due == "past_due":
        text += " (overdue)"
    if requirement.error:
        text += f": {requirement.error}"
    return text


def schedule_words(schedule: PayoutSchedule | None) -> str:
    if schedule is None:
        return ""
    delay = schedule.delay_days
    after = f", {delay} day{'s' if delay != 1 else ''} after each sale" if delay else ""
    if schedule.interval == "manual":
        return "Payouts: manual (you start them from the Stripe dashboard)"
    if schedule.interval == "daily":
        return f"Payouts: every day{after}"
    if schedule.interval == "weekly":
        weekday = _WEEKDAYS.get((schedule.weekly_anchor or "").lower(), "week")
        return f"Payouts: every {weekday}{after}"
    if schedule.interval == "monthly":
        anchor = schedule.monthly_anchor
        return f"Payouts: monthly, on day {anchor}{after}" if anchor else f"Payouts: monthly{after}"
    return f"Payouts: {schedule.interval}"


def below_zero_words(balances: Sequence[CurrencyBalance]) -> str:
    """What a negative available balance means (Stripe covers it from the next sales first), or ""."""
    negative = [b.currency.upper() for b in balances if b.available < 0]
    if not negative:
        return ""
    which = f" ({', '.join(negative)})" if len(balances) > 1 else ""
    return (f"Below zero{which}: refunds or disputes took more than was available. Stripe takes it from your "
            "next sales before paying you again.")


def payout_when(payout: Payout, locale: str | None = None) -> str:
    """Stripe's arrival date as expected until the payout is paid; what really happened after that."""
    date = day(payout.arrival_date, locale) if payout.arrival_date else ""
    if payout.status == "paid":
        return f"Arrived {date}" if date else "Arrived"
    if payout.status == "failed":
        return "Did not arrive: " + (payout.failure_message or "the bank refused it")
    if payout.status == "canceled":
        return "Canceled"
    return f"Expected {date}" if date else "Expected date not known yet"


def payout_status(payout: Payout) -> str:
    return PAYOUT_STATUS_WORDS.get(payout.status, payout.status.replace("_", " ").capitalize())


def sale_status(status: str) -> str:
    return SALE_STATUS_WORDS.get(status, status.replace("_", " ").capitalize())


def category_words(category: str) -> str:
    return CATEGORY_WORDS.get(category, category.replace("_", " ").capitalize())


def import_words(account: ConnectAccount | None) -> str:
    """The bridge's import of past sales while it runs: "Importing your sales: 2,300 of ~5,000"."""
    progress = account.sales_import if account is not None else None
    if progress is None:
        return ""
    if progress.state == "running":
        total = f" of ~{progress.estimated_total:,}" if progress.estimated_total else ""
        return f"Importing your sales: {progress.imported:,}{total}"
    if progress.state == "failed":
        return "Importing your past sales stopped; it resumes by itself."
    return ""


def sales_words(view: EarningsView | None, locale: str | None = None) -> str:
    """The Overview's line for money in: this month's net sales, or, while the bridge is still importing
    the owner's past sales, how far it has got (a partial month would read as a wrong total)."""
    if view is None or view.account is None:
        return ""
    if not view.account.has_account:
        return "You are not taking payments yet."
    progress = view.account.sales_import
    if progress is not None and progress.state == "running":
        total = f" of ~{progress.estimated_total:,}" if progress.estimated_total else ""
        so_far = f" ({progress.imported:,}{total})" if progress.imported else ""
        return f"Importing your sales{so_far}; this month's total shows when it is done"
    nets = view.month.net_by_currency() if view.month else {}
    nets = {currency: net for currency, net in nets.items() if net} or {"usd": 0}
    amounts = " + ".join(money(net, currency, locale) for currency, net in sorted(nets.items()))
    return f"Your sales this month: {amounts} net"
