"""State never goes back in time (issue 6 §2): the sandbox's own events for each real scenario,
delivered signed to a bridge in 50 shuffled orders with duplicates, always leave the summary and the
invoice list exactly as Stripe (the sandbox) has them, on SQLite and PostgreSQL.

One sandbox stack drives the scenarios through the bridge and the hosted pages (as an owner would)
and the SDK (as an operator in the Dashboard would); its event list is recorded once per scenario.
A second bridge, pointed at the same sandbox, receives the recordings; between orders the owner's
stored objects and the events are forgotten.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from pydantic import SecretStr
from sqlalchemy import delete

from server_bridge.app import create_app
from server_bridge.auth import owners
from server_bridge.db.models import Owner, StripeObject, WebhookEvent
from server_bridge.gateway import verify_webhook
from server_bridge.mirror import store, sync
from server_bridge.mirror.webhooks import process_event
from stripe_sandbox.serving import ThreadedServer
from tests.support.billing_loop import submit
from tests.support.databases import migrated_database

ORDERS = 50
SECRET = "whsec_event_order"
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
DAY = 86400
# A cheap argon2id hash of "demo": the module's fixtures outlive the per-test quick-hashing patch.
DEMO_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("demo")


def signed(payload: bytes) -> dict[str, str]:
    at = int(time.time())
    digest = hmac.new(SECRET.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "Stripe-Signature": f"t={at},v1={digest}"}


EXPECTED_STATUS = {
    "subscribe": "active", "upgrade": "active", "scheduled_downgrade": "active",
    "cancel_at_period_end": "active", "cancel_now": "canceled", "failed_payment": "past_due",
    "recovery": "active",
}


@dataclass
class Recording:
    name: str
    email: str
    customer_id: str
    events: list[dict[str, Any]]


class Driver:
    """Plays a scenario on the driving stack: the owner through the bridge and hosted pages."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.stripe = stack.app.state.gateway.client.v1
        self.clients: list[httpx.Client] = []

    def owner(self, email: str) -> httpx.Client:
        with self.stack.app.state.sessions() as session:
            owners.add_owner(session, email, "demo", password_hash=DEMO_HASH)
            session.commit()
        client = httpx.Client(base_url=self.stack.bridge_url, timeout=15)
        self.clients.append(client)
        token = client.post("/v1/auth/login", json={"email": email, "password": "demo", "device": "tests"})
        client.headers["Authorization"] = f"Bearer {token.json()['token']}"
        return client

    def subscribe(self, email: str, plan: str) -> httpx.Client:
        client = self.owner(email)
        url = client.post("/v1/billing/checkout-session", json={"plan": plan}).json()["url"]
        assert submit(url, "pay", {"email": email, "name": "Owner", **CARD}).status_code == 303
        self.settle()
        return client

    def change_plan(self, client: httpx.Client, plan: str) -> None:
        preview = client.post("/v1/billing/plan-change/preview", json={"plan": plan}).json()
        assert "proration_date" in preview, preview
        answer = client.post("/v1/billing/plan-change", json={"plan": plan, "proration_date": preview["proration_date"]})
        assert answer.status_code == 200, answer.text
        self.settle()

    def subscription(self, email: str) -> Any:
        customer = self.customer_id(email)
        return self.stripe.subscriptions.list({"customer": customer, "status": "all"}).data[0]

    def customer_id(self, email: str) -> str:
        with self.stack.app.state.sessions() as session:
            customer = owners.find_owner(session, email).stripe_customer_id
        assert customer
        return customer

    def settle(self) -> None:
        assert self.stack.sandbox.wait_for_deliveries(15)

    def close(self) -> None:
        for client in self.clients:
            client.close()


def use_card(v1: Any, sub: Any, card: str) -> None:
    """As the portal's card update does: the customer's default and the subscription's."""
    v1.customers.update(sub.customer, {"invoice_settings": {"default_payment_method": card}})
    v1.subscriptions.update(sub.id, {"default_payment_method": card})


def record(stack: Any) -> dict[str, Recording]:
    """Drive every scenario once. The owners who pay by the bridge go first; the two whose trial
    ends on a declining card go last, with the sandbox's clock moved a day (the others' periods run a
    month, so nothing else renews)."""
    drive = Driver(stack)
    v1 = drive.stripe
    emails = {name: f"{name}@order.test" for name in EXPECTED_STATUS}
    customers: dict[str, str] = {}
    try:
        drive.subscribe(emails["subscribe"], "starter")
        drive.change_plan(drive.subscribe(emails["upgrade"], "starter"), "pro")
        drive.change_plan(drive.subscribe(emails["scheduled_downgrade"], "pro"), "starter")
        cancel = drive.subscribe(emails["cancel_at_period_end"], "pro")
        url = cancel.post("/v1/billing/portal-session", json={"flow": "subscription_cancel"}).json()["url"]
        assert submit(url, "cancel", {"reason": "too_expensive", "comment": ""}).status_code == 303
        drive.subscribe(emails["cancel_now"], "pro")
        v1.subscriptions.cancel(drive.subscription(emails["cancel_now"]).id)
        drive.settle()
        customers = {name: drive.customer_id(email) for name, email in emails.items()
                     if name not in ("failed_payment", "recovery")}

        for name in ("failed_payment", "recovery"):
            customer = v1.customers.create({"email": emails[name]})
            failing = v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": customer.id})
            v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": failing.id}})
            v1.subscriptions.create({"customer": customer.id, "items": [{"price": stack.settings.plans["pro"]}],
                                     "trial_period_days": 1})
            customers[name] = customer.id
        stack.sandbox.advance_clock(DAY + 2 * 3600)
        drive.settle()
        subs = {name: v1.subscriptions.list({"customer": customers[name]}).data[0]
                for name in ("failed_payment", "recovery")}
        assert {sub.status for sub in subs.values()} == {"past_due"}
        card = v1.payment_methods.attach("pm_card_visa", {"customer": customers["recovery"]})
        use_card(v1, subs["recovery"], card.id)
        v1.invoices.pay(subs["recovery"].latest_invoice, {"payment_method": card.id})
        drive.settle()
    finally:
        drive.close()
    events = [e.to_dict(recursive=True, for_json=True) for e in v1.events.list({"limit": 100}).auto_paging_iter()]
    recordings = {}
    for name, customer in customers.items():
        mine = [e for e in events if store.customer_of(e["data"]["object"]) == customer]
        recordings[name] = Recording(name, emails[name], customer, sorted(mine, key=lambda e: e["created"]))
    return recordings


@pytest.fixture(scope="module")
def driven(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, Recording]]]:
    from server_bridge.stack import start_sandbox_stack

    with start_sandbox_stack(data_dir=tmp_path_factory.mktemp("driver"), webhook_retry_delays=(0.05, 0.1)) as stack:
        yield stack, record(stack)


class FrozenStripe:
    """The driving stack's gateway, for a sandbox that no longer changes: each object the bridge
    re-reads is fetched from the sandbox once and the same answer given again (a replay makes
    thousands of identical re-reads). Everything else goes straight through."""

    def __init__(self, gateway: Any) -> None:
        self._gateway = gateway
        self._answers: dict[tuple[str, str], Any] = {}
        self.rereads = 0

    def reread(self, object_type: str, object_id: str) -> dict | None:
        self.rereads += 1
        key = (object_type, object_id)
        if key not in self._answers:
            self._answers[key] = self._gateway.reread(object_type, object_id)
        return copy.deepcopy(self._answers[key])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gateway, name)


@dataclass
class Replay:
    """A bridge that only hears the recordings, with a signed-in client per scenario owner."""

    app: Any
    http: httpx.Client
    tokens: dict[str, str]

    def forget(self, recording: Recording) -> None:
        with self.app.state.sessions() as session:
            session.execute(delete(StripeObject).where(StripeObject.customer_id == recording.customer_id))
            session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_([e["id"] for e in recording.events])))
            session.commit()

    def deliver(self, event: dict[str, Any]) -> None:
        """What POST /v1/webhooks/stripe does, in-process: verify the signature, store and apply."""
        payload = json.dumps(event).encode()
        verified = verify_webhook(payload, signed(payload)["Stripe-Signature"], [SECRET], 300)
        outcome = process_event(self.app.state.sessions, verified, payload.decode(), gateway=self.app.state.gateway)
        assert outcome.status in ("applied", "reread", "duplicate"), outcome

    def get(self, recording: Recording, path: str) -> Any:
        answer = self.http.get(path, headers={"Authorization": f"Bearer {self.tokens[recording.name]}"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def view(self, recording: Recording) -> tuple[dict, list[dict]]:
        summary = self.get(recording, "/v1/billing/summary")
        summary.pop("as_of")
        return summary, self.get(recording, "/v1/billing/invoices?limit=100")["data"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def replay(request: pytest.FixtureRequest, driven: tuple[Any, dict[str, Recording]],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    stack, recordings = driven
    with migrated_database(request.param, tmp_path_factory.mktemp("replay")) as url:
        if request.param == "postgresql":
            # thousands of tiny commits: waiting for each to reach the disk tests nothing here
            url += ("&" if "?" in url else "?") + "options=-csynchronous_commit%3Doff"
        settings = stack.settings.model_copy(update={"database_url": url, "webhook_secrets": [SecretStr(SECRET)]})
        app = create_app(settings, gateway=FrozenStripe(stack.app.state.gateway))
        server = ThreadedServer(app)
        base = server.start()
        try:
            with app.state.sessions() as session:
                sync.copy_missing_prices(session, app.state.gateway, settings.plans.values())
                for recording in recordings.values():
                    owner = owners.add_owner(session, recording.email, "demo", customer_id=recording.customer_id,
                                             password_hash=DEMO_HASH)
                    store.mark_synced(session, owner.id, int(time.time()))
                session.commit()
            with httpx.Client(base_url=base, timeout=15) as http:
                tokens = {}
                for recording in recordings.values():
                    answer = http.post("/v1/auth/login", json={"email": recording.email, "password": "demo",
                                                               "device": "tests"})
                    tokens[recording.name] = answer.json()["token"]
                yield Replay(app, http, tokens)
        finally:
            app.state.bus.close()
            server.stop()


def what_stripe_says(replay: Replay, recording: Recording) -> tuple[dict, list[dict]]:
    """The bridge's view after a plain backfill from the sandbox as it is now."""
    replay.forget(recording)
    with replay.app.state.sessions() as session:
        owner = session.query(Owner).filter_by(stripe_customer_id=recording.customer_id).one()
        sync.backfill_owner(session, replay.app.state.gateway, owner)
        session.commit()
    return replay.view(recording)


def orders(events: list[dict[str, Any]], seed: str) -> Iterator[list[dict[str, Any]]]:
    """ORDERS shuffles of the events, each with about a quarter of them delivered a second time."""
    rng = random.Random(seed)
    for _ in range(ORDERS):
        order = list(events)
        rng.shuffle(order)
        for again in rng.sample(events, max(1, len(events) // 4)):
            order.insert(rng.randrange(len(order) + 1), again)
        yield order




@pytest.mark.parametrize("name", list(EXPECTED_STATUS))
def test_events_in_any_order_leave_what_stripe_says(driven: tuple[Any, dict[str, Recording]], replay: Replay,
                                                     name: str) -> None:
    stack, recordings = driven
    recording = recordings[name]
    assert len(recording.events) >= 5, [e["type"] for e in recording.events]
    expected = what_stripe_says(replay, recording)
    summary, invoices = expected
    assert summary["status"] == EXPECTED_STATUS[name]
    sandbox_invoices = stack.app.state.gateway.list_invoices(recording.customer_id)
    # the same invoices in the same states (the order of two of the same second is the bridge's own)
    assert sorted((i["id"], i["status"]) for i in invoices) == sorted((i["id"], i["status"]) for i in sandbox_invoices)

    rereads = replay.app.state.gateway.rereads
    wrong: list[tuple[int, Any]] = []
    for index, order in enumerate(orders(recording.events, name)):
        replay.forget(recording)
        for event in order:
            replay.deliver(event)
        seen = replay.view(recording)
        if seen != expected:
            wrong.append((index, [(e["type"], e["created"], e["data"]["object"]["id"]) for e in order], seen, expected))
    assert not wrong, f"{len(wrong)} of {ORDERS} orders differ from Stripe, first: {wrong[0]}"
    assert replay.app.state.gateway.rereads > rereads  # some events were not newer, and were re-read
