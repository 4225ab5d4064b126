"""Direct charges on connected accounts, their money, refunds, disputes and payouts, through the SDK."""

from __future__ import annotations

import pytest
import stripe

from stripe_sandbox import Sandbox, errors
from tests.support.sandbox_connect import DAY, active_account, sell


def test_a_direct_charge_lives_on_the_account_with_the_fee_on_the_platform(client: stripe.StripeClient,
                                                                           sandbox: Sandbox) -> None:
    account = active_account(client, sandbox)
    on = {"stripe_account": account}
    intent = sell(client, account)
    assert intent.status == "succeeded"
    charge = client.v1.charges.retrieve(intent.latest_charge, options=on)
    assert (charge.amount, charge.application_fee_amount, charge.paid) == (10_000, 500, True)
    txn = client.v1.balance_transactions.retrieve(charge.balance_transaction, options=on)
    assert (txn.type, txn.reporting_category, txn.status) == ("charge", "charge", "pending")
    fees = {f.type: f.amount for f in txn.fee_details}
    assert fees == {"stripe_fee": 320, "application_fee": 500}
    assert txn.fee == 820 and txn.net == 10_000 - 820
    assert txn.available_on > sandbox.now()
    fee = client.v1.application_fees.retrieve(charge.application_fee)
    assert (fee.amount, fee.account, fee.charge) == (500, account, charge.id)
    balance = client.v1.balance.retrieve(options=on)
    assert [(b.currency, b.amount) for b in balance.pending] == [("usd", 9_180)]
    assert [(b.currency, b.amount) for b in balance.available] == [("usd", 0)]


def test_another_accounts_objects_answer_404(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    mine, theirs = active_account(client, sandbox), active_account(client, sandbox)
    charge_id = sell(client, theirs).latest_charge
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.charges.retrieve(charge_id, options={"stripe_account": mine})
    assert caught.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.charges.retrieve(charge_id)  # the platform does not see it either
    assert caught.value.http_status == 404
    assert client.v1.charges.list(options={"stripe_account": mine}).data == []
    assert [c.id for c in client.v1.charges.list(options={"stripe_account": theirs}).data] == [charge_id]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create({"charge": charge_id}, options={"stripe_account": mine})
    assert caught.value.param == "charge"


def test_an_application_fee_needs_a_connected_account(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.create({"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa",
                                          "confirm": True, "application_fee_amount": 100})
    assert caught.value.param == "application_fee_amount"


def test_a_declined_card_fails_the_charge(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    account = active_account(client, sandbox)
    with pytest.raises(stripe.CardError) as caught:
        sell(client, account, card="pm_card_chargeDeclined")
    assert caught.value.code == "card_declined"
    charges = client.v1.charges.list(options={"stripe_account": account}).data
    assert [(c.status, c.balance_transaction) for c in charges] == [("failed", None)]


def test_a_refund_takes_money_out_of_the_available_balance(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    account = active_account(client, sandbox)
    on = {"stripe_account": account}
    intent = sell(client, account)
    refund = client.v1.refunds.create({"payment_intent": intent.id, "amount": 4_000}, options=on)
    assert (refund.status, refund.amount, refund.charge) == ("succeeded", 4_000, intent.latest_charge)
    txn = client.v1.balance_transactions.retrieve(refund.balance_transaction, options=on)
    assert (txn.type, txn.reporting_category, txn.net, txn.status) == ("refund", "refund", -4_000, "available")
    balance = client.v1.balance.retrieve(options=on)
    assert balance.available[0].amount == -4_000  # the sale is still pending: the balance goes negative
    charge = client.v1.charges.retrieve(intent.latest_charge, options=on)
    assert (charge.amount_refunded, charge.refunded) == (4_000, False)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create({"charge": charge.id, "amount": 7_000}, options=on)
    assert caught.value.param == "amount"
    client.v1.refunds.create({"charge": charge.id}, options=on)
    assert client.v1.charges.retrieve(charge.id, options=on).refunded is True
    assert len(client.v1.refunds.list({"charge": charge.id}, options=on).data) == 2


def test_funds_become_available_then_are_paid_out_daily(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    account = active_account(client, sandbox)
    on = {"stripe_account": account}
    sell(client, account, amount=10_000, fee=500)
    sell(client, account, amount=5_000, fee=250)
    available_on = client.v1.balance_transactions.list({"type": "charge"}, options=on).data[0].available_on
    sandbox.advance_clock(available_on - sandbox.now() + 7200)  # two hours after the funds became available
    payouts = client.v1.payouts.list(options=on).data
    assert len(payouts) == 1
    payout = payouts[0]
    assert payout.amount == (10_000 - 320 - 500) + (5_000 - 175 - 250)
    assert (payout.automatic, payout.status, payout.reconciliation_status) == (True, "in_transit", "in_progress")
    assert payout.arrival_date == available_on + DAY
    assert client.v1.balance.retrieve(options=on).available[0].amount == 0
    sandbox.advance_clock(DAY)
    payout = client.v1.payouts.retrieve(payout.id, options=on)
    assert (payout.status, payout.reconciliation_status) == ("paid", "completed")
    txns = client.v1.balance_transactions.list({"payout": payout.id, "limit": 100}, options=on).data
    assert sorted(t.type for t in txns) == ["charge", "charge", "payout"]
    assert sum(t.net for t in txns if t.type != "payout") == payout.amount


def test_a_closed_bank_account_fails_the_payout(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    account = active_account(client, sandbox, account_number="000111111113")
    on = {"stripe_account": account}
    sell(client, account)
    sandbox.advance_clock(6 * DAY)
    payout = client.v1.payouts.list(options=on).data[-1]
    assert (payout.status, payout.failure_code) == ("failed", "account_closed")
    assert payout.failure_message == "The bank account has been closed."
    assert client.v1.balance.retrieve(options=on).available[0].amount == 9_180
    back = client.v1.balance_transactions.retrieve(payout.failure_balance_transaction, options=on)
    assert (back.type, back.reporting_category, back.amount) == ("payout_failure", "payout_reversal", 9_180)
    updated = client.v1.accounts.retrieve(account)
    assert updated.payouts_enabled is False
    assert "external_account" in updated.requirements.currently_due


def test_a_dispute_withdraws_the_funds_and_winning_evidence_reinstates_them(client: stripe.StripeClient,
                                                                           sandbox: Sandbox) -> None:
    account = active_account(client, sandbox)
    on = {"stripe_account": account}
    intent = sell(client, account, card="pm_card_createDispute")
    disputes = client.v1.disputes.list(options=on).data
    assert len(disputes) == 1
    dispute = disputes[0]
    assert (dispute.status, dispute.reason, dispute.charge) == ("needs_response", "fraudulent", intent.latest_charge)
    assert dispute.evidence_details.due_by > sandbox.now()
    withdrawal = dispute.balance_transactions[0]
    assert (withdrawal.reporting_category, withdrawal.amount, withdrawal.fee) == ("dispute", -10_000, 1_500)
    assert client.v1.charges.retrieve(intent.latest_charge, options=on).disputed is True
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create({"charge": intent.latest_charge}, options=on)
    assert caught.value.code == "charge_disputed"
    won = client.v1.disputes.update(dispute.id, {"evidence": {"uncategorized_text": "winning_evidence"}},
                                    options=on)
    assert won.status == "won"
    assert [t.reporting_category for t in won.balance_transactions] == ["dispute", "dispute_reversal"]


def test_a_dispute_without_evidence_is_lost_at_its_due_date(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    account = active_account(client, sandbox)
    on = {"stripe_account": account}
    sell(client, account, card="pm_card_createDispute")
    dispute = client.v1.disputes.list(options=on).data[0]
    sandbox.advance_clock(dispute.evidence_details.due_by - sandbox.now() + 1)
    lost = client.v1.disputes.retrieve(dispute.id, options=on)
    assert (lost.status, lost.evidence_details.past_due) == ("lost", True)


def test_lists_page_with_cursors_and_filters(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    account = active_account(client, sandbox)
    on = {"stripe_account": account}
    made = [sell(client, account, amount=1_000 + i).latest_charge for i in range(7)]
    first = client.v1.charges.list({"limit": 3}, options=on)
    assert [c.id for c in first.data] == made[::-1][:3] and first.has_more
    second = client.v1.charges.list({"limit": 3, "starting_after": first.data[-1].id}, options=on)
    assert [c.id for c in second.data] == made[::-1][3:6] and second.has_more
    back = client.v1.charges.list({"limit": 3, "ending_before": second.data[0].id}, options=on)
    assert [c.id for c in back.data] == [c.id for c in first.data]
    every = [c.id for c in client.v1.charges.list({"limit": 2}, options=on).auto_paging_iter()]
    assert every == made[::-1]
    charges_only = client.v1.balance_transactions.list({"type": "charge", "limit": 100}, options=on).data
    assert len(charges_only) == 7
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.charges.list({"limit": 101}, options=on)
    assert caught.value.param == "limit"


def test_every_connect_object_has_every_declared_field(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    import httpx

    from stripe_sandbox.schema import object_class
    from tests.support.shape_check import missing_fields

    account = active_account(client, sandbox)
    intent = sell(client, account, card="pm_card_createDispute")
    charge = client.v1.charges.retrieve(intent.latest_charge, options={"stripe_account": account})
    refund_intent = sell(client, account)
    refund = client.v1.refunds.create({"payment_intent": refund_intent.id, "amount": 100},
                                      options={"stripe_account": account})
    sandbox.advance_clock(4 * DAY)
    paths = {
        "account": f"accounts/{account}", "capabilities": f"accounts/{account}/capabilities",
        "payment_intent": f"payment_intents/{intent.id}", "charge": f"charges/{charge.id}",
        "charge_list": "charges", "refund": f"refunds/{refund.id}", "balance": "balance",
        "balance_transaction_list": "balance_transactions?limit=100", "payout_list": "payouts",
        "dispute_list": "disputes", "application_fee": f"application_fees/{charge.application_fee}",
    }
    for name, path in paths.items():
        headers = {} if name == "application_fee" else {"Stripe-Account": account}
        answer = httpx.get(f"{sandbox.base_url}/v1/{path}", auth=(sandbox.api_key, ""), headers=headers)
        assert answer.status_code == 200, (name, answer.text)
        body = answer.json()
        if body["object"] == "list":
            assert body["data"], name
        assert missing_fields(body, object_class(body["object"]), name) == []


def test_the_platform_takes_its_own_card_payments_and_refunds_them(sandbox: Sandbox,
                                                                   client: stripe.StripeClient) -> None:
    from stripe_sandbox.billing import cards

    with sandbox.lock:
        card = cards.payment_method(sandbox.store, "pm_card_visa")
        paid = sandbox.connect.payments.card_payment(amount=2_500, currency="usd", pm=card, description="Pro plan")
    intent = client.v1.payment_intents.retrieve(paid["id"])
    assert (intent.status, intent.amount_received) == ("succeeded", 2_500)
    charge = client.v1.charges.retrieve(intent.latest_charge)
    txn = client.v1.balance_transactions.retrieve(charge.balance_transaction)
    assert [(f.type, f.amount) for f in txn.fee_details] == [("stripe_fee", 103)]
    refund = client.v1.refunds.create({"payment_intent": intent.id, "reason": "duplicate"})
    assert (refund.amount, refund.reason, refund.status) == (2_500, "duplicate", "succeeded")
    assert client.v1.charges.retrieve(charge.id).refunded is True
    with sandbox.lock, pytest.raises(errors.CardError) as caught:
        sandbox.connect.payments.card_payment(amount=2_500, currency="usd",
                                              pm=cards.payment_method(sandbox.store, "pm_card_chargeDeclined"))
    assert getattr(caught.value, "code", None) == "card_declined"


def test_a_weekly_schedule_pays_out_on_its_anchor_day(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    import datetime as dt

    account = active_account(client, sandbox)
    on = {"stripe_account": account}
    client.v1.accounts.update(account, {"settings": {"payouts": {"schedule": {"interval": "weekly",
                                                                               "weekly_anchor": "friday"}}}})
    sell(client, account)
    sandbox.advance_clock(15 * DAY)
    payouts = client.v1.payouts.list(options=on).data
    assert payouts and all(dt.datetime.fromtimestamp(p.created, dt.timezone.utc).strftime("%A") == "Friday"
                           for p in payouts)
    assert sum(p.amount for p in payouts) == 10_000 - 320 - 500


def test_a_manual_schedule_pays_out_only_when_asked(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    account = active_account(client, sandbox)
    on = {"stripe_account": account}
    client.v1.accounts.update(account, {"settings": {"payouts": {"schedule": {"interval": "manual"}}}})
    sell(client, account)
    sandbox.advance_clock(5 * DAY)
    assert client.v1.payouts.list(options=on).data == []
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payouts.create({"amount": 100_000, "currency": "usd"}, options=on)
    assert caught.value.code == "balance_insufficient"
    payout = client.v1.payouts.create({"amount": 5_000, "currency": "usd"}, options=on)
    assert (payout.automatic, payout.reconciliation_status) == (False, "not_applicable")
    assert client.v1.balance.retrieve(options=on).available[0].amount == 9_180 - 5_000


def test_a_missed_deadline_disables_the_account(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    starter = sandbox.seed_demo_accounts()["starter@demo.test"]
    sandbox.advance_clock(6 * DAY)
    account = client.v1.accounts.retrieve(starter)
    assert (account.charges_enabled, account.payouts_enabled) == (False, False)
    assert account.requirements.disabled_reason == "requirements.past_due"
    assert account.requirements.current_deadline is None
    updated = client.v1.events.list({"type": "account.updated"}, options={"stripe_account": starter}).data
    assert updated and updated[0].data.previous_attributes.charges_enabled is True


def test_updating_a_charge_refund_or_payout_tells_what_changed_once(client: stripe.StripeClient,
                                                                     sandbox: Sandbox) -> None:
    """Stripe's update: metadata merged (an empty value deletes a key), other writable fields set, one
    `<object>.updated` event carrying previous_attributes, none when nothing changed; another account's
    object answers 404."""
    account = active_account(client, sandbox)
    on = {"stripe_account": account}
    client.v1.accounts.update(account, {"settings": {"payouts": {"schedule": {"interval": "manual"}}}})
    charge = client.v1.charges.retrieve(sell(client, account).latest_charge, options=on)
    refund = client.v1.refunds.create({"charge": charge.id, "amount": 1_000}, options=on)
    sandbox.advance_clock(5 * DAY)
    payout = client.v1.payouts.create({"amount": 100, "currency": "usd"}, options=on)

    updated = client.v1.charges.update(charge.id, {"description": "Rye loaf", "metadata": {"order": "7"}}, options=on)
    assert (updated.description, updated.metadata.to_dict()) == ("Rye loaf", {"order": "7"})
    client.v1.charges.update(charge.id, {"description": "Rye loaf"}, options=on)   # no change, no event
    assert client.v1.refunds.update(refund.id, {"metadata": {"why": "stale"}}, options=on).metadata["why"] == "stale"
    assert client.v1.refunds.update(refund.id, {"metadata": {"why": ""}}, options=on).metadata.to_dict() == {}
    assert client.v1.payouts.update(payout.id, {"metadata": {"batch": "b1"}}, options=on).metadata["batch"] == "b1"

    events = {t: client.v1.events.list({"type": t}, options=on).data
              for t in ("charge.updated", "refund.updated", "payout.updated")}
    assert [e.data.previous_attributes.to_dict() for e in events["charge.updated"]] == [
        {"description": "Sourdough loaf", "metadata": {"order": None}}]
    assert [e.data.previous_attributes.to_dict() for e in events["refund.updated"]] == [
        {"metadata": {"why": "stale"}}, {"metadata": {"why": None}}]
    assert len(events["payout.updated"]) == 1

    other = active_account(client, sandbox)
    for update in (lambda: client.v1.charges.update(charge.id, {"metadata": {"a": "b"}}, options={"stripe_account": other}),
                   lambda: client.v1.payouts.update(payout.id, {"metadata": {"a": "b"}}, options={"stripe_account": other})):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            update()
        assert caught.value.http_status == 404
