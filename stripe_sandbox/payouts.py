"""Payouts and Connect's share of time control.

When the clock passes midnight (UTC) pending funds whose `available_on` has come become available
(`balance.available`), then each connected account whose schedule falls due is paid out: one
automatic payout per currency with everything available that no payout holds yet. A payout goes
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
from stripe_sandbox.store import diff
from stripe_sandbox.disputes import DisputesMixin
from stripe_sandbox.ledger import DAY, snapshot
from stripe_sandbox.params import as_int, merge_metadata
from stripe_sandbox.payments import day_start

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

Due = tuple[int, int, Callable[[], None]]


class PayoutsMixin(DisputesMixin):
    # time control --------------------------------------------------------------------------
    def due(self, until: int) -> list[Due]:
        """The earliest Connect work at or before `until`: releases, schedules, payout steps, deadlines."""
        out: list[Due] = []
        if self._releases and self._releases[0][0] <= until:
            at = self._releases[0][0]
            out.append((at, 4, lambda t=at: self._release_at(t)))
        for account in self._owned(None, "account"):
            at = self._next_payout_at(account)
            if at is not None and at <= until:
                out.append((at, 5, lambda a=account, t=at: self._scheduled_payouts(a, t)))
            review = account.get("_review_ends")
            if review is not None and review <= until:
                out.append((review, 3, lambda a=account: self._review_ended(a)))
            deadline = account["requirements"]["current_deadline"]
            if deadline is not None and deadline <= until and not account.get("deleted"):
                out.append((deadline, 3, lambda a=account: self._deadline_passed(a)))
        if self._payout_steps and self._payout_steps[0][0] <= until:
            at = self._payout_steps[0][0]
            out.append((at, 6, lambda: self._payout_step()))
        for dispute in self._open_disputes():
            due = dispute["evidence_details"]["due_by"]
            if due <= until:
                out.append((due, 7, lambda d=dispute: self._dispute_deadline(d)))
        return out

    def _open_disputes(self) -> list[dict[str, Any]]:
        return [d for (_, kind), owned in self._index.items() if kind == "dispute"
                for d in owned if d["status"] == "needs_response"]

    def _release_at(self, at: int, *, emit: bool = True) -> None:
        for account in self._release_due(at):
            if emit and account is not None:
                self._emit("balance.available", {**self.balance(account), "_account": account})

    def _next_payout_at(self, account: dict[str, Any]) -> int | None:
        schedule = account["settings"]["payouts"]["schedule"]
        if account.get("deleted") or schedule["interval"] == "manual":
            return None
        if account["_next_payout"] is None:
            account["_next_payout"] = _next_run(schedule, self.now())
        return account["_next_payout"]

    def _scheduled_payouts(self, account: dict[str, Any], at: int, *, emit: bool = True) -> None:
        account["_next_payout"] = _next_run(account["settings"]["payouts"]["schedule"], at)
        if not account["payouts_enabled"] or self._bank(account) is None:
            return
        for (owner, currency), waiting in list(self._unswept.items()):
            if owner == account["id"] and waiting and sum(t["net"] for t in waiting) > 0:
                self._pay_out(account, currency, at, emit=emit)

    def _pay_out(self, account: dict[str, Any], currency: str, at: int, *, emit: bool = True) -> dict[str, Any]:
        """An automatic payout of everything available in one currency that no payout holds yet."""
        swept = self._unswept.pop((account["id"], currency))
        amount = sum(t["net"] for t in swept)
        bank = self._bank(account)
        payout = self._add("payout", {
            "amount": amount, "application_fee": None, "application_fee_amount": None,
            "arrival_date": day_start(at) + ARRIVAL_DAYS * DAY, "automatic": True, "balance_transaction": None,
            "currency": currency, "description": "STRIPE PAYOUT", "destination": bank["id"] if bank else None,
            "failure_balance_transaction": None, "failure_code": None, "failure_message": None,
            "metadata": {}, "method": "standard", "original_payout": None, "payout_method": None,
            "reconciliation_status": "in_progress", "reversed_by": None, "source_type": "card",
            "statement_descriptor": None, "status": "pending", "trace_id": {"status": "pending", "value": None},
            "type": "bank_account", "_bank_number": (bank or {}).get("_number"),
        }, account["id"], created=at)
        own = self._txn(account["id"], amount=-amount, currency=currency, type="payout", category="payout",
                        source=payout["id"], created=at, description="STRIPE PAYOUT", sweep=False)
        payout["balance_transaction"] = own["id"]
        for txn in swept:
            txn["_payout"] = payout["id"]
        own["_payout"] = payout["id"]
        payout["_txns"] = sorted(swept + [own], key=lambda t: (t["created"], t["_seq"]))
        heapq.heappush(self._payout_steps, (at + IN_TRANSIT_AFTER, payout["_seq"], payout["id"]))
        if emit:
            self._emit("payout.created", payout)
        return payout

    def _payout_step(self, *, emit: bool = True) -> None:
        at, _, payout_id = heapq.heappop(self._payout_steps)
        payout = self._by_id[payout_id]
        before = snapshot(payout)
        if payout["status"] == "pending":
            payout["status"] = "in_transit"
            heapq.heappush(self._payout_steps, (max(payout["arrival_date"], at), payout["_seq"], payout_id))
            if emit:
                self._emit("payout.updated", payout, diff(before, payout))
            return
        if payout["status"] != "in_transit":
            return
        failure = FAILING_BANK_ACCOUNTS.get(payout["_bank_number"] or "")
        if failure is None:
            payout["status"] = "paid"
            payout["trace_id"] = {"status": "supported", "value": f"SANDBOX{payout['id'][-12:].upper()}"}
            payout["reconciliation_status"] = "completed"
            if emit:
                self._emit("payout.paid", payout, diff(before, payout))
                self._emit("payout.reconciliation_completed", payout)
            return
        self._fail_payout(payout, failure, at, before, emit=emit)

    def _fail_payout(self, payout: dict[str, Any], failure: tuple[str, str], at: int, before: dict[str, Any], *,
                     emit: bool = True) -> None:
        """The bank refused the money: it comes back, the transactions wait for the next payout."""
        account = self._by_id[payout["_account"]]
        account_before = snapshot(account)
        back = self._txn(account["id"], amount=payout["amount"], currency=payout["currency"], type="payout_failure",
                         category="payout_reversal", source=payout["id"], created=at,
                         description="Payout failure", sweep=False)
        back["_payout"] = payout["id"]
        returned = [t for t in payout["_txns"] if t["type"] != "payout"]
        for txn in returned:
            txn["_payout"] = None
        self._unswept.setdefault((account["id"], payout["currency"]), [])[:0] = returned
        payout["_txns"] = sorted([t for t in payout["_txns"] if t["type"] == "payout"] + [back],
                                 key=lambda t: (t["created"], t["_seq"]))
        payout.update(status="failed", failure_code=failure[0], failure_message=failure[1],
                      failure_balance_transaction=back["id"], reconciliation_status="not_applicable",
                      trace_id={"status": "unsupported", "value": None})
        bank = self._bank(account)
        if bank is not None and bank["id"] == payout["destination"]:
            bank["status"] = "errored"
            req = account["requirements"]
            if "external_account" not in req["currently_due"]:
                req["currently_due"].append("external_account")
                req["eventually_due"].append("external_account")
            account["payouts_enabled"] = False
        if emit:
            self._emit("payout.failed", payout, diff(before, payout))
            self._emit("payout.updated", payout, diff(before, payout))
            self._account_changed(account, account_before)
        else:
            self._sync_capabilities(account)

    def dashboard_view(self, account_id: str) -> dict[str, Any]:
        """What the Express Dashboard page shows: the account, its balance, its latest payouts and sales."""
        with self.lock:
            account = self._account_obj(account_id)
            return {"account": self.render(account), "balance": self.balance(account_id),
                    "payouts": [self.render(p) for p in reversed(self._owned(account_id, "payout")[-10:])],
                    "charges": [self.render(c) for c in reversed(self._owned(account_id, "charge")[-10:])]}

    # the API -------------------------------------------------------------------------------
    def create_payout(self, params: dict[str, Any]) -> dict[str, Any]:
        """A manual payout (accounts on a `manual` schedule): it does not take transactions with it."""
        with self.lock:
            account_id = self._scope()
            if account_id is None:
                raise errors.StripeError("The sandbox pays out connected accounts only; send Stripe-Account.")
            account = self._account_obj(account_id)
            amount = as_int(params, "amount", minimum=1)
            if amount is None:
                raise errors.missing("amount")
            currency = str(params.get("currency") or "").lower()
            if not currency:
                raise errors.missing("currency")
            if account["settings"]["payouts"]["schedule"]["interval"] != "manual":
                raise errors.StripeError("You cannot create manual payouts for an account on an automatic payout "
                                         "schedule.")
            if self._funds(account_id, currency)["available"] < amount:
                raise errors.StripeError("You have insufficient funds in your Stripe account for this transfer.",
                                         code="balance_insufficient")
            bank = self._bank(account)
            if bank is None or not account["payouts_enabled"]:
                raise errors.StripeError("This account cannot receive payouts yet.", code="payouts_not_allowed")
            at = self.now()
            payout = self._add("payout", {
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
            own = self._txn(account_id, amount=-amount, currency=currency, type="payout", category="payout",
                            source=payout["id"], created=at, description=payout["description"], sweep=False)
            own["_payout"] = payout["id"]
            payout["balance_transaction"] = own["id"]
            payout["_txns"] = [own]
            heapq.heappush(self._payout_steps, (at + IN_TRANSIT_AFTER, payout["_seq"], payout["id"]))
            self._emit("payout.created", payout)
            return payout

    def update_payout(self, payout_id: str, params: dict[str, Any]) -> dict[str, Any]:
        return self._update("payout", payout_id, params)

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
        return self._window("payout", params, "/v1/payouts", match if status or destination or bounds else None)


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


def _next_run(schedule: dict[str, Any], after: int) -> int:
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
