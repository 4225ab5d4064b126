"""/v1/connect writes and first reads over HTTP, with a stand-in Stripe: an owner without an account gets one
(once) and an onboarding link; the dashboard link fits the account; a first read imports the account in the
background, after which reads make no Stripe call; Stripe faults give the usual 503 / 502."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from server_bridge.app import create_app
from server_bridge.auth import owners
from server_bridge.connect.earnings import FULL_DASHBOARD_URL
from server_bridge.gateway import StripeRefused, StripeUnavailable
from server_bridge.settings import Settings
from stripe_sandbox.serving import ThreadedServer
from tests.support import connect_samples as s
from tests.support.waiting import wait_until


class ConnectStripe(s.PagedGateway):
    """The Connect writes too; counts every call, and fails the way `fault` says."""

    def __init__(self) -> None:
        super().__init__(s.account("acct_made", details_submitted=False, charges_enabled=False,
                                   payouts_enabled=False),
                         charges=[s.charge(amount=1000 + i, created=1_760_000_000 + i) for i in range(250)])
        self.created: list[dict] = []
        self.fault: Exception | None = None

    def _count(self) -> None:
        if self.fault is not None:
            raise self.fault
        super()._count()

    def create_account(self, params: dict, *, key: str) -> dict:
        self._count()
        self.created.append({"params": params, "key": key})
        self.account_obj = {**self.account_obj, "controller": {"stripe_dashboard": params["controller"]["stripe_dashboard"]}}
        return self.account_obj

    def create_account_link(self, params: dict, *, key: str) -> dict:
        self._count()
        return {"object": "account_link", "url": f"https://connect.example/setup/{params['account']}",
                "expires_at": 1_900_000_000, "created": 1_899_999_700}

    def create_login_link(self, account_id: str, *, key: str) -> dict:
        self._count()
        return {"object": "login_link", "url": f"https://connect.example/express/{account_id}", "created": 1}

    def close(self) -> None:
        pass


@pytest.fixture
def bridge(db_url: str, tmp_path: Path) -> Iterator[tuple[str, ConnectStripe, Any]]:
    stripe = ConnectStripe()
    settings = Settings(database_url=db_url, data_dir=tmp_path, stripe_secret_key=None, webhook_secrets=[],
                        plans={}, public_url="https://bridge.example", connect_requests_per_second=1000)
    app = create_app(settings, gateway=stripe)
    with app.state.sessions() as session:
        owners.add_owner(session, "new@example.com", "pw", password_hash=owners.hash_password("pw"))
        owners.add_owner(session, "express@example.com", "pw", account_id="acct_express",
                         password_hash=owners.hash_password("pw"))
        session.commit()
    server = ThreadedServer(app)
    url = server.start()
    try:
        yield url, stripe, app
    finally:
        app.state.bus.close()
        server.stop()


@contextmanager
def signed_in(url: str, email: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=10) as client:
        token = client.post("/v1/auth/login", json={"email": email, "password": "pw", "device": "t"}).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def test_start_selling_creates_one_account_and_an_onboarding_link(bridge: tuple) -> None:
    url, stripe, _ = bridge
    with signed_in(url, "new@example.com") as owner:
        assert owner.get("/v1/connect/account").json()["status"] == "not_started"
        first = owner.post("/v1/connect/onboarding-link").json()
        again = owner.post("/v1/connect/onboarding-link").json()
        assert first == {"url": "https://connect.example/setup/acct_made", "expires_at": 1_900_000_000}
        assert again["url"] == first["url"]
        assert len(stripe.created) == 1
        controller = stripe.created[0]["params"]["controller"]
        assert controller["losses"] == {"payments": "stripe"} and controller["requirement_collection"] == "stripe"
        assert controller["stripe_dashboard"] == {"type": "full"}      # the pinned API version predates Express + Stripe losses
        body = owner.get("/v1/connect/account").json()
        assert body["status"] == "onboarding" and body["dashboard"] == "full"
        assert owner.post("/v1/connect/dashboard-link").json() == {"url": FULL_DASHBOARD_URL, "expires_at": None}


def test_a_first_read_imports_the_account_then_reads_make_no_stripe_call(bridge: tuple,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    url, stripe, app = bridge
    stripe.account_obj = s.account("acct_express")
    published: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(app.state.bus, "publish", lambda key, topics: published.append((key, topics)))
    with signed_in(url, "express@example.com") as owner:
        assert owner.get("/v1/connect/account").json()["status"] == "active"
        done = wait_until(lambda: owner.get("/v1/connect/account").json()["sales_import"]["state"] == "done")
        assert done
        body = owner.get("/v1/connect/account").json()["sales_import"]
        assert body["imported"] == body["estimated_total"] == 250
        with app.state.sessions() as session:
            owner_key = f"owner:{owners.find_owner(session, 'express@example.com').id}"
        assert len(published) >= 3 and all(item == (owner_key, ["earnings"]) for item in published)
        calls = stripe.calls
        for path in ("/v1/connect/account", "/v1/connect/balance", "/v1/connect/sales", "/v1/connect/payouts",
                     "/v1/connect/sales.csv"):
            assert owner.get(path).status_code == 200
        assert stripe.calls == calls
        sales = owner.get("/v1/connect/sales", params={"limit": 100}).json()
        assert len(sales["data"]) == 100 and sales["has_more"]
        assert owner.post("/v1/connect/dashboard-link").json()["url"] == "https://connect.example/express/acct_express"


@pytest.mark.parametrize("fault, status, code", [(StripeUnavailable(), 503, "stripe_unavailable"),
                                                 (StripeRefused("No such account"), 502, "stripe_error")])
def test_stripe_faults_give_the_usual_errors(bridge: tuple, fault: Exception, status: int, code: str) -> None:
    url, stripe, _ = bridge
    stripe.account_obj = s.account("acct_express")
    stripe.fault = fault
    with signed_in(url, "new@example.com") as new, signed_in(url, "express@example.com") as express:
        for client, method, path in ((new, "POST", "/v1/connect/onboarding-link"),
                                     (express, "GET", "/v1/connect/account")):
            answer = client.request(method, path)
            assert answer.status_code == status and answer.json()["error"]["code"] == code
        assert stripe.created == []
        stripe.fault = None
        assert express.get("/v1/connect/account").json()["status"] == "active"


def test_an_account_without_a_dashboard_has_no_dashboard_link(bridge: tuple) -> None:
    url, stripe, _ = bridge
    stripe.account_obj = s.account("acct_express", controller={"stripe_dashboard": {"type": "none"}})
    with signed_in(url, "express@example.com") as owner:
        answer = owner.post("/v1/connect/dashboard-link")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_dashboard"


def test_an_account_known_from_webhooks_alone_is_still_imported_and_a_failed_import_retried(bridge: tuple) -> None:
    url, stripe, app = bridge
    stripe.account_obj = s.account("acct_express")
    with app.state.sessions() as session:
        from server_bridge.connect import records
        records.save_account(session, stripe.account_obj, 1_760_000_000)
        session.commit()
    stripe.fault = StripeUnavailable()
    with signed_in(url, "express@example.com") as owner:
        failed = wait_until(lambda: (lambda b: b if b["state"] == "failed" else None)(
            owner.get("/v1/connect/account").json()["sales_import"]))
        assert failed["error"] and failed["imported"] == 0
        stripe.fault = None
        done = wait_until(lambda: (lambda b: b if b["state"] == "done" else None)(
            owner.get("/v1/connect/account").json()["sales_import"]))
        assert done["imported"] == 250
