"""Payouts: automatic on each connected account's schedule, or manual.

When the clock passes midnight (UTC), after the ledger has made due pending funds available, each
connected account whose schedule falls due is paid out: one automatic payout per currency with
everything available that no payout holds yet. A payout goes
`pending` -> `in_transit` (an hour later) -> `paid` on its `arrival_date`, then its
`reconciliation_status` is `completed` (`payout.reconciliation_completed`): listing balance
transactions with `payout=po_...` then gives the transactions it paid out plus its own. Stripe's
failing test bank accounts make it `failed` with their failure code; the money comes back to the
balance and the bank account must be replaced.
"""

from __future__ import annotations

import calendar
import datetime as dt
import heapq
from typing import Any, Callable

from stripe_sandbox import errors
from stripe_sandbox.connect.accounts import Accounts
from stripe_sandbox.connect.ledger import Due, Ledger, kept, snapshot
from stripe_sandbox.params import as_int, merge_metadata
from stripe_sandbox.periods import DAY, day_start
from stripe_sandbox.store import diff

#: Stripe's test bank account numbers (routing 110000000) whose payouts fail, and why.
FAILING_BANK_ACCOUNTS: dict[str, tuple[str, str]] = {
    "000111111116": ("no_account", "The bank account details on file are probably incorrect. No bank account could "
                                   "be located with those details."),
    "000111111113": ("account_closed", "The bank account has been closed."),
    "000222222227": ("insufficient_funds", "Your Stripe account has insufficient funds to cover the payout."),
    "000333333335": ("debit_not_authorized", "Debit transactions are not approved on the bank account. (Stripe "
                                             "requires bank accounts to be set up for both credit and debit "
                                             "payouts.)"),
    "000444444440": ("invalid_currency", "The bank was unable to process this payout because of its currency. "
                                         "This is probably because the bank account cannot accept payments in "
                                         "that currency."),
}
IN_TRANSIT_AFTER = 3600
ARRIVAL_DAYS = 1
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Payouts:
    """Payouts from connected accounts to their bank accounts, automatic (on the account's schedule) or manual."""

    def __init__(self, ledger: Ledger, accounts: Accounts) -> None:
        self.ledger = ledger
        self.accounts = accounts
        self._steps: list[tuple[int, int, str]] = kept(ledger.store, "payout_steps", list)   # (when, seq, payout id)

    # time control --------------------------------------------------------------------------
    def due(self, until: int) -> list[Due]:
        """Scheduled payouts and payouts moving along (in transit, paid or failed) at or before `until`."""
        out: list[Due] = []
        for account in self.ledger.owned(None, "account"):
            at = self._next_payout_at(account)
            if at is not None and at <= until:
                out.append((at, 5, lambda a=account, t=at: self.pay_out_scheduled(a, t)))
        if self._steps and self._steps[0][0] <= until:
            out.append((self._steps[0][0], 6, lambda: self._step()))
        return out

    def move_along(self, until: int) -> None:
        """Every payout step due by `until`, as history (no events)."""
        while self._steps and self._steps[0][0] <= until:
            self._step(emit=False)

    def _next_payout_at(self, account: dict[str, Any]) -> int | None:
        schedule = account["settings"]["payouts"]["schedule"]
        if account.get("deleted") or schedule["interval"] == "manual":
            return None
        if account["_next_payout"] is None:
            account["_next_payout"] = next_run(schedule, self.ledger.now())
        return account["_next_payout"]

    def pay_out_scheduled(self, account: dict[str, Any], at: int, *, emit: bool = True) -> None:
        account["_next_payout"] = next_run(account["settings"]["payouts"]["schedule"], at)
        if not account["payouts_enabled"] or self.accounts.bank_account(account) is None:
            return
        for (owner, currency), waiting in list(self.ledger.unswept.items()):
            if owner == account["id"] and waiting and sum(t["net"] for t in waiting) > 0:
                self._pay_out(account, currency, at, emit=emit)

    def _pay_out(self, account: dict[str, Any], currency: str, at: int, *, emit: bool = True) -> dict[str, Any]:
        """An automatic payout of everything available in one currency that no payout holds yet."""
        swept = self.ledger.unswept.pop((account["id"], currency))
        amount = sum(t["net"] for t in swept)
        bank = self.accounts.bank_account(account)
        payout = self.ledger.add("payout", {
            "amount": amount, "application_fee": None, "application_fee_amount": None,
            "arrival_date": day_start(at) + ARRIVAL_DAYS * DAY, "automatic": True, "balance_transaction": None,
            "currency": currency, "description": "STRIPE PAYOUT", "destination": bank["id"] if bank else None,
            "failure_balance_transaction": None, "failure_code": None, "failure_message": None,
            "metadata": {}, "method": "standard", "original_payout": None, "payout_method": None,
            "reconciliation_status": "in_progress", "reversed_by": None, "source_type": "card",
            "statement_descriptor": None, "status": "pending", "trace_id": {"status": "pending", "value": None},
            "type": "bank_account", "_bank_number": (bank or {}).get("_number"),
        }, account["id"], created=at)
        own = self.ledger.txn(account["id"], amount=-amount, currency=currency, type="payout", category="payout",
                              source=payout["id"], created=at, description="STRIPE PAYOUT", sweep=False)
        payout["balance_transaction"] = own["id"]
        for txn in swept:
            txn["_payout"] = payout["id"]
        own["_payout"] = payout["id"]
        payout["_txns"] = sorted(swept + [own], key=lambda t: (t["created"], t["_seq"]))
        heapq.heappush(self._steps, (at + IN_TRANSIT_AFTER, payout["_seq"], payout["id"]))
        if emit:
            self.ledger.emit("payout.created", payout)
        return payout

    def _step(self, *, emit: bool = True) -> None:
        at, _, payout_id = heapq.heappop(self._steps)
        payout = self.ledger.stored(payout_id)
        before = snapshot(payout)
        if payout["status"] == "pending":
            payout["status"] = "in_transit"
            heapq.heappush(self._steps, (max(payout["arrival_date"], at), payout["_seq"], payout_id))
            if emit:
                self.ledger.emit("payout.updated", payout, diff(before, payout))
            return
        if payout["status"] != "in_transit":
            return
        failure = FAILING_BANK_ACCOUNTS.get(payout["_bank_number"] or "")
        if failure is None:
            payout["status"] = "paid"
            payout["trace_id"] = {"status": "supported", "value": f"SANDBOX{payout['id'][-12:].upper()}"}
            payout["reconciliation_status"] = "completed"
            if emit:
                self.ledger.emit("payout.paid", payout, diff(before, payout))
                self.ledger.emit("payout.reconciliation_completed", payout)
            return
        self._fail_payout(payout, failure, at, before, emit=emit)

    def _fail_payout(self, payout: dict[str, Any], failure: tuple[str, str], at: int, before: dict[str, Any], *,
                     emit: bool = True) -> None:
        """The bank refused the money: it comes back, the transactions wait for the next payout."""
        account = self.ledger.stored(payout["_account"])
        account_before = snapshot(account)
        back = self.ledger.txn(account["id"], amount=payout["amount"], currency=payout["currency"],
                               type="payout_failure", category="payout_reversal", source=payout["id"], created=at,
                               description="Payout failure", sweep=False)
        back["_payout"] = payout["id"]
        returned = [t for t in payout["_txns"] if t["type"] != "payout"]
        for txn in returned:
            txn["_payout"] = None
        self.ledger.unswept.setdefault((account["id"], payout["currency"]), [])[:0] = returned
        payout["_txns"] = sorted([t for t in payout["_txns"] if t["type"] == "payout"] + [back],
                                 key=lambda t: (t["created"], t["_seq"]))
        payout.update(status="failed", failure_code=failure[0], failure_message=failure[1],
                      failure_balance_transaction=back["id"], reconciliation_status="not_applicable",
                      trace_id={"status": "unsupported", "value": None})
        bank = self.accounts.bank_account(account)
        if bank is not None and bank["id"] == payout["destination"]:
            bank["status"] = "errored"
            req = account["requirements"]
            if "external_account" not in req["currently_due"]:
                req["currently_due"].append("external_account")
                req["eventually_due"].append("external_account")
            account["payouts_enabled"] = False
        if emit:
            self.ledger.emit("payout.failed", payout, diff(before, payout))
            self.ledger.emit("payout.updated", payout, diff(before, payout))
            self.accounts.changed(account, account_before)
        else:
            self.accounts.sync_capabilities(account)

    # the API -------------------------------------------------------------------------------
    def create_payout(self, params: dict[str, Any]) -> dict[str, Any]:
        """A manual payout (accounts on a `manual` schedule): it does not take transactions with it."""
        with self.ledger.lock:
            account_id = self.ledger.scope()
            if account_id is None:
                raise errors.StripeError("The sandbox pays out connected accounts only; send Stripe-Account.")
            account = self.accounts.account(account_id)
            amount = as_int(params, "amount", minimum=1)
            if amount is None:
                raise errors.missing("amount")
            currency = str(params.get("currency") or "").lower()
            if not currency:
                raise errors.missing("currency")
            if account["settings"]["payouts"]["schedule"]["interval"] != "manual":
                raise errors.StripeError("You cannot create manual payouts for an account on an automatic payout "
                                         "schedule.")
            if self.ledger.funds(account_id, currency)["available"] < amount:
                raise errors.StripeError("You have insufficient funds in your Stripe account for this transfer.",
                                         code="balance_insufficient")
            bank = self.accounts.bank_account(account)
            if bank is None or not account["payouts_enabled"]:
                raise errors.StripeError("This account cannot receive payouts yet.", code="payouts_not_allowed")
            at = self.ledger.now()
            payout = self.ledger.add("payout", {
                "amount": amount, "application_fee": None, "application_fee_amount": None,
                "arrival_date": day_start(at) + ARRIVAL_DAYS * DAY, "automatic": False, "balance_transaction": None,
                "currency": currency, "description": params.get("description") or None, "destination": bank["id"],
                "failure_balance_transaction": None, "failure_code": None, "failure_message": None,
                "metadata": merge_metadata({}, params.get("metadata")), "method": "standard", "original_payout": None,
                "payout_method": None, "reconciliation_status": "not_applicable", "reversed_by": None,
                "source_type": "card", "statement_descriptor": params.get("statement_descriptor") or None,
                "status": "pending", "trace_id": {"status": "pending", "value": None}, "type": "bank_account",
                "_bank_number": bank["_number"],
            }, account_id, created=at)
            own = self.ledger.txn(account_id, amount=-amount, currency=currency, type="payout", category="payout",
                                  source=payout["id"], created=at, description=payout["description"], sweep=False)
            own["_payout"] = payout["id"]
            payout["balance_transaction"] = own["id"]
            payout["_txns"] = [own]
            heapq.heappush(self._steps, (at + IN_TRANSIT_AFTER, payout["_seq"], payout["id"]))
            self.ledger.emit("payout.created", payout)
            return payout

    def update_payout(self, payout_id: str, params: dict[str, Any]) -> dict[str, Any]:
        return self.ledger.update("payout", payout_id, params)

    def payouts_page(self, params: dict[str, Any]) -> Any:
        status = params.get("status")
        if status and status not in ("canceled", "failed", "in_transit", "paid", "pending"):
            raise errors.invalid("status", "Invalid status: must be one of canceled, failed, in_transit, paid or "
                                 "pending")
        destination = params.get("destination")
        arrival = params.get("arrival_date")
        bounds = _bounds(arrival, "arrival_date")

        def match(payout: dict[str, Any]) -> bool:
            return ((not status or payout["status"] == status)
                    and (not destination or payout["destination"] == destination)
                    and all(check(payout["arrival_date"]) for check in bounds))
        return self.ledger.window("payout", params, "/v1/payouts", match if status or destination or bounds else None)


def _bounds(value: Any, name: str) -> list[Callable[[int], bool]]:
    if value in (None, ""):
        return []
    try:
        given = {op: int(v) for op, v in value.items()} if isinstance(value, dict) else {"eq": int(value)}
    except (TypeError, ValueError):
        raise errors.invalid(name, f"Invalid timestamp filter: {name}") from None
    tests = {"gt": lambda v: lambda x: x > v, "gte": lambda v: lambda x: x >= v, "lt": lambda v: lambda x: x < v,
             "lte": lambda v: lambda x: x <= v, "eq": lambda v: lambda x: x == v}
    unknown = set(given) - set(tests)
    if unknown:
        raise errors.StripeError(f"Received unknown parameter: {name}[{sorted(unknown)[0]}]", code="parameter_unknown")
    return [tests[op](v) for op, v in given.items()]


def next_run(schedule: dict[str, Any], after: int) -> int:
    """The next midnight (UTC) after `after` on which the schedule pays out."""
    day = day_start(after) + DAY
    for _ in range(400):
        moment = dt.datetime.fromtimestamp(day, dt.timezone.utc)
        if schedule["interval"] == "daily":
            return day
        if schedule["interval"] == "weekly" and WEEKDAYS[moment.weekday()] == (schedule["weekly_anchor"] or "monday"):
            return day
        if schedule["interval"] == "monthly":
            anchor = min(schedule["monthly_anchor"] or 1, calendar.monthrange(moment.year, moment.month)[1])
            if moment.day == anchor:
                return day
        day += DAY
    return day
