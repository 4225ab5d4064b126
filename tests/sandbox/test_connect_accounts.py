"""Connected accounts through the official SDK: controller properties, links, and Stripe-Account scoping."""

from __future__ import annotations

import pytest
import stripe

from stripe_sandbox import Sandbox
from tests.support.sandbox_connect import EXPRESS


def test_an_express_account_starts_with_everything_due(client: stripe.StripeClient) -> None:
    account = client.v1.accounts.create(EXPRESS)
    assert account.id.startswith("acct_")
    assert account.controller.stripe_dashboard.type == "express"
    assert account.controller.fees.payer == "account"
    assert account.controller.losses.payments == "stripe"
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (False, False, False)
    assert "external_account" in account.requirements.currently_due
    assert "individual.dob.day" in account.requirements.currently_due
    assert account.capabilities.card_payments == "inactive"
    assert account.settings.payouts.schedule.interval == "daily"
    assert client.v1.accounts.retrieve(account.id).email == "owner@example.test"
    assert account.id in [a.id for a in client.v1.accounts.list().data]


def test_legacy_types_map_to_controller_properties(client: stripe.StripeClient) -> None:
    standard = client.v1.accounts.create({"type": "standard"})
    assert standard.type == "standard"
    assert standard.controller.stripe_dashboard.type == "full"
    assert standard.controller.fees.payer == "account"
    express = client.v1.accounts.create({"type": "express"})
    assert express.type == "express"
    assert express.controller.fees.payer == "application_express"


@pytest.mark.parametrize("controller, param", [
    ({"requirement_collection": "application", "stripe_dashboard": {"type": "express"}},
     "controller[requirement_collection]"),
    ({"stripe_dashboard": {"type": "full"}, "fees": {"payer": "application"}}, "controller[stripe_dashboard][type]"),
    ({"stripe_dashboard": {"type": "sideways"}}, "controller[stripe_dashboard][type]"),
])
def test_controller_combinations_stripe_refuses(client: stripe.StripeClient, controller: dict, param: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.accounts.create({"controller": controller})
    assert caught.value.param == param


def test_an_unknown_parameter_is_refused(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.accounts.create({"controller": {"stripe_dashbord": {"type": "express"}}})  # type: ignore[typeddict-unknown-key]
    assert caught.value.code == "parameter_unknown"
    assert caught.value.param == "controller[stripe_dashbord]"


def test_account_links_lead_to_the_hosted_onboarding(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    account = client.v1.accounts.create(EXPRESS)
    link = client.v1.account_links.create({"account": account.id, "type": "account_onboarding",
                                           "refresh_url": "http://127.0.0.1:9/refresh",
                                           "return_url": "http://127.0.0.1:9/return"})
    assert link.url.startswith(sandbox.base_url + "/")
    assert link.expires_at - link.created == 300
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.account_links.create({"account": "acct_nope", "type": "account_onboarding"})
    assert caught.value.param == "account"


def test_login_links_are_for_onboarded_express_accounts_only(client: stripe.StripeClient, sandbox: Sandbox) -> None:
    standard = client.v1.accounts.create({"type": "standard"})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.login_links.create(standard.id)
    express = client.v1.accounts.create(EXPRESS)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.login_links.create(express.id)  # not onboarded yet
    sandbox.connect.accounts.onboard_account(express.id)
    link = client.v1.accounts.login_links.create(express.id)
    assert link.url.startswith(sandbox.base_url + "/")


def test_an_unknown_stripe_account_header_is_refused(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.PermissionError) as caught:
        client.v1.balance.retrieve(options={"stripe_account": "acct_doesnotexist"})
    assert caught.value.http_status == 403
    assert caught.value.json_body["error"]["code"] == "account_invalid"


def test_an_account_under_review_has_nothing_due_and_comes_back(client: stripe.StripeClient,
                                                               sandbox: Sandbox) -> None:
    import httpx

    account = client.v1.accounts.create(EXPRESS)
    sandbox.connect.accounts.onboard_account(account.id)
    answer = httpx.post(f"{sandbox.base_url}/_sandbox/connect/review", json={"account": account.id, "seconds": 3600})
    assert answer.status_code == 200
    held = client.v1.accounts.retrieve(account.id)
    assert (held.charges_enabled, held.payouts_enabled) == (False, False)
    assert held.requirements.disabled_reason == "under_review" and held.requirements.currently_due == []
    sandbox.advance_clock(3601)
    back = client.v1.accounts.retrieve(account.id)
    assert (back.charges_enabled, back.payouts_enabled, back.requirements.disabled_reason) == (True, True, None)
    assert httpx.post(f"{sandbox.base_url}/_sandbox/connect/review", json={"account": "acct_nope"}).status_code == 404
