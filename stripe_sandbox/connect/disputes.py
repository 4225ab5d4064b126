"""Disputes on a connected account's charges: funds withdrawn with Stripe's dispute fee, evidence
until `evidence_details.due_by`, then won (funds reinstated) or lost.

Stripe's test evidence decides the outcome at once: `uncategorized_text` "winning_evidence" wins,
"losing_evidence" loses. A dispute with no evidence by its due date is lost.
"""

from __future__ import annotations

from typing import Any

from stripe_sandbox import errors
from stripe_sandbox.connect.ledger import Due, Ledger, equals, snapshot
from stripe_sandbox.params import as_bool, merge_metadata
from stripe_sandbox.periods import DAY, day_start
from stripe_sandbox.store import diff

DISPUTE_FEE = 1500
EVIDENCE_DAYS = 8
EVIDENCE_FIELDS = (
    "access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure",
    "cancellation_rebuttal", "customer_communication", "customer_email_address", "customer_name",
    "customer_purchase_ip", "customer_signature", "duplicate_charge_documentation", "duplicate_charge_explanation",
    "duplicate_charge_id", "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
    "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address", "shipping_carrier",
    "shipping_date", "shipping_documentation", "shipping_tracking_number", "uncategorized_file",
    "uncategorized_text",
)
REASONS = ("bank_cannot_process", "check_returned", "credit_not_processed", "customer_initiated", "debit_not_authorized",
           "duplicate", "fraudulent", "general", "incorrect_account_details", "insufficient_funds",
           "product_not_received", "product_unacceptable", "subscription_canceled", "unrecognized")


class Disputes:
    """Disputes on the ledger's charges, from opening to won or lost."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def open_dispute(self, charge: dict[str, Any], *, reason: str = "fraudulent", at: int | None = None,
                     emit: bool = True) -> dict[str, Any]:
        at = self.ledger.now() if at is None else at
        if reason not in REASONS:
            raise ValueError(f"unknown dispute reason {reason!r}")
        before = snapshot(charge)
        amount = charge["amount"] - charge["amount_refunded"]
        dispute = self.ledger.add("dispute", {
            "amount": amount, "balance_transactions": [], "charge": charge["id"], "currency": charge["currency"],
            "enhanced_eligibility_types": [], "evidence": {name: None for name in EVIDENCE_FIELDS},
            "evidence_details": {"due_by": day_start(at) + EVIDENCE_DAYS * DAY - 1, "has_evidence": False,
                                 "past_due": False, "submission_count": 0, "submission_method": "not_submitted",
                                 "enhanced_eligibility": {}},
            "intended_submission_method": None, "is_charge_refundable": False, "metadata": {},
            "network_reason_code": "10.4", "payment_intent": charge["payment_intent"],
            "payment_method_details": {"type": "card", "card": {
                "brand": charge["payment_method_details"]["card"]["brand"], "case_type": "chargeback",
                "network_reason_code": "10.4"}},
            "reason": reason, "status": "needs_response",
        }, charge["_account"], created=at)
        dispute["evidence"]["enhanced_evidence"] = {}
        txn = self.ledger.txn(charge["_account"], amount=-amount, currency=charge["currency"], type="adjustment",
                              category="dispute", source=dispute["id"], created=at,
                              fees=[("stripe_fee", DISPUTE_FEE, "Dispute fee")],
                              description=f"Chargeback withdrawal for {charge['id']}")
        dispute["balance_transactions"].append(txn)
        charge["disputed"] = True
        charge["_dispute"] = dispute["id"]
        if emit:
            self.ledger.emit("charge.dispute.created", dispute)
            self.ledger.emit("charge.dispute.funds_withdrawn", dispute)
            self.ledger.emit("charge.updated", charge, diff(before, charge))
        return dispute

    def dispute_charge(self, account_id: str, charge_id: str, reason: str = "fraudulent") -> dict[str, Any]:
        """The customer disputes a succeeded charge (the control API's way to make one)."""
        with self.ledger.lock:
            charge = self.ledger.find("charge", charge_id, "charge", account=account_id)
            if charge["status"] != "succeeded" or charge["disputed"]:
                raise errors.StripeError(f"Charge {charge_id} cannot be disputed.", param="charge")
            return self.open_dispute(charge, reason=reason)

    def of_charge(self, charge: dict[str, Any]) -> dict[str, Any] | None:
        """The charge's dispute, if it has one."""
        return self.ledger.get(charge.get("_dispute") or "")

    def update_dispute(self, dispute_id: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.ledger.lock:
            dispute = self.ledger.find("dispute", dispute_id)
            before = snapshot(dispute)
            evidence = params.get("evidence")
            if evidence is not None:
                if not isinstance(evidence, dict):
                    raise errors.invalid("evidence", "Invalid hash: evidence")
                if dispute["status"] not in ("needs_response", "warning_needs_response"):
                    raise errors.StripeError("This dispute is already closed or under review; its evidence "
                                             "cannot change.")
                for name, value in evidence.items():
                    if name in EVIDENCE_FIELDS:
                        dispute["evidence"][name] = value or None
                dispute["evidence_details"]["has_evidence"] = True
            if "metadata" in params:
                dispute["metadata"] = merge_metadata(dispute["metadata"], params["metadata"])
            submit = as_bool(params, "submit", True) and evidence is not None
            if submit:
                dispute["status"] = "under_review"
                dispute["evidence_details"]["submission_count"] += 1
                dispute["evidence_details"]["submission_method"] = "manual"
            previous = diff(before, dispute)
            if previous:
                self.ledger.emit("charge.dispute.updated", dispute, previous)
            text = (dispute["evidence"].get("uncategorized_text") or "").strip()
            if submit and text in ("winning_evidence", "losing_evidence"):
                self.settle(dispute, won=text == "winning_evidence")
            return dispute

    def close_dispute(self, dispute_id: str) -> dict[str, Any]:
        """Accepting the dispute: it is lost at once."""
        with self.ledger.lock:
            dispute = self.ledger.find("dispute", dispute_id)
            if dispute["status"] in ("won", "lost"):
                raise errors.StripeError(f"This dispute is already {dispute['status']}.")
            self.settle(dispute, won=False)
            return dispute

    def settle(self, dispute: dict[str, Any], *, won: bool, at: int | None = None,
               emit: bool = True) -> None:
        at = self.ledger.now() if at is None else at
        before = snapshot(dispute)
        dispute["status"] = "won" if won else "lost"
        if won:
            txn = self.ledger.txn(dispute["_account"], amount=dispute["amount"], currency=dispute["currency"],
                                  type="adjustment", category="dispute_reversal", source=dispute["id"], created=at,
                                  description=f"Chargeback reversal for {dispute['charge']}")
            dispute["balance_transactions"].append(txn)
            if emit:
                self.ledger.emit("charge.dispute.funds_reinstated", dispute)
        if emit:
            self.ledger.emit("charge.dispute.closed", dispute, diff(before, dispute))

    def _deadline_passed(self, dispute: dict[str, Any]) -> None:
        """No evidence by the due date: the dispute is lost."""
        dispute["evidence_details"]["past_due"] = True
        self.settle(dispute, won=False, at=dispute["evidence_details"]["due_by"])

    def needing_response(self) -> list[dict[str, Any]]:
        """Every account's disputes still waiting for evidence."""
        return [d for d in self.ledger.every("dispute") if d["status"] == "needs_response"]

    def due(self, until: int) -> list[Due]:
        """Disputes whose evidence is due at or before `until` (lost when it comes)."""
        return [(d["evidence_details"]["due_by"], 7, lambda d=d: self._deadline_passed(d))
                for d in self.needing_response() if d["evidence_details"]["due_by"] <= until]

    def disputes_page(self, params: dict[str, Any]) -> Any:
        filters = {k: params[k] for k in ("charge", "payment_intent") if params.get(k)}
        return self.ledger.window("dispute", params, "/v1/disputes", equals(filters))
