"""Connect's money and status rules on Stripe-shaped objects: what the owner reads on the Earnings page."""

from __future__ import annotations

import pytest

from server_bridge.connect import requirements, shaping
from server_bridge.connect.earnings import bucket_starts, new_account_controller
from tests.support import connect_samples as s


def reqs(**due: list[str]) -> dict:
    return {"currently_due": [], "eventually_due": [], "past_due": [], "pending_verification": [], "errors": [],
            "disabled_reason": None, **due}


@pytest.mark.parametrize("account, status", [
    (None, "not_started"),
    (s.account(details_submitted=False, charges_enabled=False, payouts_enabled=False,
               requirements=reqs(currently_due=["external_account"])), "onboarding"),
    (s.account(payouts_enabled=False, requirements=reqs(past_due=["individual.verification.document"],
                                                        disabled_reason="requirements.past_due")), "action_required"),
    (s.account(charges_enabled=False, payouts_enabled=False,
               requirements=reqs(disabled_reason="under_review")), "pending_verification"),
    (s.account(requirements=reqs(pending_verification=["individual.id_number"])), "pending_verification"),
    (s.account(requirements=reqs(eventually_due=["individual.id_number"])), "active"),
    (s.account(charges_enabled=False, payouts_enabled=False, requirements=reqs(disabled_reason="platform_paused")),
     "restricted"),
    (s.account(charges_enabled=False, requirements=reqs(disabled_reason="rejected.fraud")), "rejected"),
])
def test_account_status_in_one_word(account: dict | None, status: str) -> None:
    assert requirements.status_of(account) == status


def test_requirements_become_one_plain_item_per_thing_to_do_most_urgent_first() -> None:
    checklist = requirements.checklist(reqs(
        currently_due=["individual.dob.day", "individual.dob.month", "individual.dob.year", "external_account"],
        past_due=["individual.verification.document"],
        eventually_due=["company.tax_id", "some.new_field"],
        errors=[{"requirement": "individual.verification.document", "code": "verification_document_expired",
                 "reason": "The document has expired."}]))
    assert [(i["title"], i["due"]) for i in checklist] == [
        ("Upload a photo ID", "past_due"), ("Add your date of birth", "currently_due"),
        ("Add a bank account", "currently_due"), ("Add your company's tax ID", "eventually_due"),
        ("Provide some new field", "eventually_due")]
    assert checklist[0]["error"] == "The document has expired."
    assert checklist[1]["error"] is None


def test_dashboard_from_controller_or_legacy_type() -> None:
    assert requirements.dashboard_of(s.account()) == "express"
    assert requirements.dashboard_of(s.account(controller={"type": "account"}, type="standard")) == "full"
    assert requirements.dashboard_of(s.account(controller={"stripe_dashboard": {"type": "none"}})) == "none"


def test_new_accounts_are_express_only_where_the_api_version_lets_stripe_carry_losses() -> None:
    assert new_account_controller("2026-10-28.endive")["stripe_dashboard"]["type"] == "full"
    assert new_account_controller("2026-11-18.endive")["stripe_dashboard"]["type"] == "express"
    assert new_account_controller("2026-12-01.endive")["losses"] == {"payments": "stripe"}


def test_fees_split_between_stripe_and_the_platform() -> None:
    bt = s.transaction(source="ch_1", type_="charge", category="charge", amount=2500, created=1, stripe_fee=103,
                       platform_fee=125)
    assert shaping.split_fees(bt) == (103, 125)


@pytest.mark.parametrize("amount, currency, text", [(2500, "usd", "25.00"), (-5, "eur", "-0.05"),
                                                    (2500, "jpy", "2500"), (12345, "kwd", "12.345")])
def test_amounts_as_decimals(amount: int, currency: str, text: str) -> None:
    assert shaping.decimal_amount(amount, currency) == text


def test_a_payouts_breakdown_adds_up_and_shows_what_it_cannot_explain() -> None:
    po = s.payout(amount=0, created=10 * s.DAY)
    txns = [
        s.transaction(source="ch_a", type_="charge", category="charge", amount=10000, created=1, stripe_fee=320,
                      platform_fee=500),
        s.transaction(source="ch_b", type_="charge", category="charge", amount=5000, created=2, stripe_fee=175,
                      platform_fee=250),
        s.transaction(source="re_a", type_="refund", category="refund", amount=-2000, created=3),
        s.transaction(source="du_a", type_="adjustment", category="dispute", amount=-5000, created=4, stripe_fee=1500),
        s.transaction(source=po["id"], type_="payout", category="payout", amount=-5255, created=5),
    ]
    rows = [shaping.transaction_row(t, "acct_x", 1, po["id"]) for t in txns]
    po["amount"] = sum(t["net"] for t in txns[:-1])
    lines = {line["category"]: line for line in shaping.breakdown(po, rows)}
    assert lines["sales"] == {"category": "sales", "amount": 15000, "count": 2}
    assert lines["refunds"]["amount"] == -2000 and lines["disputes"]["amount"] == -5000
    assert lines["stripe_fees"] == {"category": "stripe_fees", "amount": -1995, "count": 3}
    assert lines["platform_fees"] == {"category": "platform_fees", "amount": -750, "count": 2}
    assert "unexplained" not in lines
    assert sum(line["amount"] for line in lines.values()) == po["amount"]

    po["amount"] += 7
    lines = shaping.breakdown(po, rows)
    assert lines[-1] == {"category": "unexplained", "amount": 7, "count": 0}
    assert sum(line["amount"] for line in lines) == po["amount"]


def test_an_unreconciled_payout_is_all_unexplained_never_hidden() -> None:
    po = s.payout(amount=4200, created=1, status="in_transit", reconciliation="in_progress")
    assert shaping.breakdown(po, []) == [{"category": "unexplained", "amount": 4200, "count": 0}]


@pytest.mark.parametrize("charge, status", [
    (dict(amount=1000, created=1), "succeeded"), (dict(amount=1000, created=1, refunded=400), "partially_refunded"),
    (dict(amount=1000, created=1, refunded=1000), "refunded"),
    (dict(amount=1000, created=1, refunded=1000, disputed=True), "disputed"),
])
def test_sale_status(charge: dict, status: str) -> None:
    assert shaping.sale_status(s.charge(**charge)) == status


def test_sale_net_is_gross_less_refunds_and_both_fees() -> None:
    row = shaping.charge_row(s.charge(amount=2500, created=5, refunded=500, platform_fee=125), "acct_x", 5)
    sale = shaping.sale_view(row, None)
    assert (sale["gross"], sale["stripe_fee"], sale["platform_fee"]) == (2500, 102, 125)
    assert sale["net"] == 2500 - 500 - 102 - 125


def test_a_charge_whose_balance_transaction_is_not_expanded_has_an_unknown_stripe_fee() -> None:
    row = shaping.charge_row(s.charge(amount=2500, created=5, expand=False, platform_fee=125), "acct_x", 5)
    assert row["stripe_fee"] is None and row["platform_fee"] == 125 and row["balance_transaction_id"]


@pytest.mark.parametrize("q, found", [("25", [(25, 0), (2500, 2), (25000, 3)]), ("$25.50", [(2550, 2), (25500, 3)]),
                                      ("25,5", [(2550, 2), (25500, 3)]), ("ann", []), ("25 apples", [])])
def test_amount_search_candidates(q: str, found: list) -> None:
    assert shaping.amount_candidates(q) == found


def test_buckets_are_utc_days_monday_weeks_and_calendar_months() -> None:
    jan1_2026 = 1767225600          # a Thursday
    assert bucket_starts("day", jan1_2026 + 5, jan1_2026 + 2 * s.DAY) == [jan1_2026, jan1_2026 + s.DAY]
    assert bucket_starts("week", jan1_2026, jan1_2026 + 1) == [jan1_2026 - 3 * s.DAY]
    months = bucket_starts("month", jan1_2026, jan1_2026 + 365 * s.DAY)
    assert len(months) == 12 and months[1] == jan1_2026 + 31 * s.DAY and months[-1] == 1796083200
