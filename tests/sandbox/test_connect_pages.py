"""Connect's hosted pages over real HTTP: onboarding from an account link, the Express Dashboard."""

from __future__ import annotations

import httpx
import stripe

from stripe_sandbox import Sandbox
from stripe_sandbox.connect.accounts import TEST_VALUES
from tests.support.sandbox_connect import EXPRESS, sell

RETURN, REFRESH = "http://127.0.0.1:9/return", "http://127.0.0.1:9/refresh"


def onboarding_link(client: stripe.StripeClient, account: str) -> str:
    return client.v1.account_links.create({"account": account, "type": "account_onboarding",
                                           "refresh_url": REFRESH, "return_url": RETURN}).url


def test_filling_in_the_onboarding_form_activates_the_account(client: stripe.StripeClient) -> None:
    account = client.v1.accounts.create(EXPRESS)
    url = onboarding_link(client, account.id)
    page = httpx.get(url)
    assert page.status_code == 200
    for name in ("first_name", "dob", "id_number", "routing_number", "account_number", "tos", "url"):
        assert f'name="{name}"' in page.text
    assert 'name="document"' not in page.text
    answer = httpx.post(url, data=TEST_VALUES)
    assert answer.status_code == 303 and answer.headers["location"] == RETURN
    active = client.v1.accounts.retrieve(account.id)
    assert (active.charges_enabled, active.payouts_enabled, active.details_submitted) == (True, True, True)
    assert active.requirements.currently_due == [] and active.capabilities.card_payments == "active"
    assert active.external_accounts.data[0].last4 == "6789"
    again = httpx.get(url)
    assert again.status_code == 303 and again.headers["location"] == REFRESH  # a link works once
    types = [e.type for e in client.v1.events.list(options={"stripe_account": account.id}).data]
    assert "account.updated" in types and "capability.updated" in types


def test_the_failing_test_ssn_leaves_the_account_disabled_with_an_error(client: stripe.StripeClient) -> None:
    account = client.v1.accounts.create(EXPRESS)
    answer = httpx.post(onboarding_link(client, account.id), data={**TEST_VALUES, "id_number": "111111111"})
    assert answer.status_code == 303
    failed = client.v1.accounts.retrieve(account.id)
    assert (failed.charges_enabled, failed.payouts_enabled) == (False, False)
    assert failed.requirements.currently_due == ["individual.id_number"]
    assert [(e.code, e.requirement) for e in failed.requirements.errors] == [
        ("verification_failed_keyed_identity", "individual.id_number")]
    retry = onboarding_link(client, account.id)
    page = httpx.get(retry)
    assert "cannot be verified" in page.text and 'name="routing_number"' not in page.text
    httpx.post(retry, data=TEST_VALUES)
    assert client.v1.accounts.retrieve(account.id).charges_enabled is True


def test_a_form_with_something_missing_changes_nothing(client: stripe.StripeClient) -> None:
    account = client.v1.accounts.create(EXPRESS)
    url = onboarding_link(client, account.id)
    answer = httpx.post(url, data={**TEST_VALUES, "routing_number": "12", "first_name": ""})
    assert answer.status_code == 400
    assert "routing number has 9 digits" in answer.text and "Enter your first name" in answer.text
    assert client.v1.accounts.retrieve(account.id).details_submitted is False
    assert httpx.get(url).status_code == 200  # still usable
    assert httpx.get(url.rsplit("/", 1)[0] + "/nope").status_code == 404


def test_the_starter_demo_uploads_its_photo_id(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    starter = sandbox.seed_demo_accounts()["starter@demo.test"]
    url = onboarding_link(client, starter)
    page = httpx.get(url)
    assert 'name="document"' in page.text and 'name="first_name"' not in page.text
    assert httpx.post(url, data={}).status_code == 400
    answer = httpx.post(url, files={"document": ("passport.png", b"\x89PNG fake", "image/png")})
    assert answer.status_code == 303
    resumed = client.v1.accounts.retrieve(starter)
    assert resumed.payouts_enabled is True and resumed.requirements.past_due == []


def test_the_express_dashboard_shows_balance_payouts_and_sales(sandbox: Sandbox, client: stripe.StripeClient) -> None:
    account = client.v1.accounts.create(EXPRESS)
    sandbox.connect.accounts.onboard_account(account.id)
    sell(client, account.id)
    page = httpx.get(client.v1.accounts.login_links.create(account.id).url)
    assert page.status_code == 200
    assert "Sourdough loaf" in page.text and "$91.80" in page.text and "buyer@example.test" in page.text
    assert httpx.get(f"{sandbox.base_url}/express/unknown").status_code == 404
