"""POST /v1/webhooks/stripe over real HTTP, on SQLite and PostgreSQL: signatures, replays, races, order."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import delete, func, select

from server_bridge import db
from server_bridge.app import create_app
from server_bridge.db.models import StripeObject, WebhookEvent
from server_bridge.mirror import store, webhooks
from server_bridge.settings import Settings
from stripe_sandbox.serving import ThreadedServer
from tests.support.databases import postgres_database
from tests.support.webhooks import SECRET, event, signature, subscription


@dataclass
class HookBridge:
    url: str
    app: FastAPI
    client: httpx.Client

    def post(self, evt: dict[str, Any], *, secret: str = SECRET, at: int | None = None,
             header: str | None = None, body: bytes | None = None) -> httpx.Response:
        payload = body if body is not None else json.dumps(evt).encode()
        headers = {"Content-Type": "application/json"}
        sig = header if header is not None else signature(json.dumps(evt).encode() if body is None else payload,
                                                           secret, at)
        if sig:
            headers["Stripe-Signature"] = sig
        return self.client.post("/v1/webhooks/stripe", content=payload, headers=headers)


@contextmanager
def hook_bridge(database_url: str, data_dir: Path, **overrides: Any) -> Iterator[HookBridge]:
    """A bridge with a webhook secret and no Stripe behind it: webhooks need none."""
    settings = Settings(database_url=database_url, data_dir=data_dir, stripe_secret_key=None,
                        webhook_secrets=[SecretStr(SECRET)], plans={"pro": "price_pro"}, **overrides)
    app = create_app(settings)
    server = ThreadedServer(app)
    url = server.start()
    client = httpx.Client(base_url=url, timeout=15)
    try:
        yield HookBridge(url, app, client)
    finally:
        client.close()
        app.state.bus.close()
        server.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HookBridge]:
    """One bridge per database for this module; `bridge` empties its tables for each test."""
    folder = tmp_path_factory.mktemp(f"webhooks-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'bridge.db'}"
        db.upgrade(url)
        with hook_bridge(url, folder) as started:
            yield started
        return
    with postgres_database() as url:
        db.upgrade(url)
        with hook_bridge(url, folder) as started:
            yield started


@pytest.fixture
def bridge(served: HookBridge) -> HookBridge:
    with served.app.state.sessions() as session:
        session.execute(delete(StripeObject))
        session.execute(delete(WebhookEvent))
        session.commit()
    return served


def stored(bridge: HookBridge, kind: str, obj_id: str) -> dict[str, Any] | None:
    with bridge.app.state.sessions() as session:
        return store.get_object(session, kind, obj_id)


def event_row(bridge: HookBridge, event_id: str) -> WebhookEvent | None:
    with bridge.app.state.sessions() as session:
        return session.get(WebhookEvent, event_id)


def event_count(bridge: HookBridge) -> int:
    with bridge.app.state.sessions() as session:
        return session.execute(select(func.count()).select_from(WebhookEvent)).scalar_one()


def test_a_signed_event_is_stored_and_applied(bridge: HookBridge) -> None:
    evt = event("customer.subscription.updated", subscription(status="past_due"))
    answer = bridge.post(evt)
    assert answer.status_code == 200 and answer.json()["status"] == "applied"
    assert stored(bridge, "subscription", "sub_1")["status"] == "past_due"
    row = event_row(bridge, evt["id"])
    assert row.processed_at is not None and row.attempts == 1 and row.type == "customer.subscription.updated"


@pytest.mark.parametrize("case", ["no header", "tampered", "wrong secret", "stale", "empty header"])
def test_bad_signatures_answer_400_and_store_nothing(bridge: HookBridge, case: str) -> None:
    evt = event("customer.subscription.updated", subscription())
    if case == "no header":
        answer = bridge.post(evt, header="")
    elif case == "empty header":
        answer = bridge.post(evt, header="t=,v1=")
    elif case == "tampered":
        header = signature(json.dumps(evt).encode())
        changed = json.dumps({**evt, "type": "customer.subscription.deleted"}).encode()
        answer = bridge.post(evt, header=header, body=changed)
    elif case == "wrong secret":
        answer = bridge.post(evt, secret="whsec_someone_else")
    else:
        answer = bridge.post(evt, at=int(time.time()) - 301)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_signature"
    assert event_count(bridge) == 0 and stored(bridge, "subscription", "sub_1") is None


def test_a_livemode_event_is_refused_by_a_test_mode_bridge(bridge: HookBridge) -> None:
    answer = bridge.post(event("customer.subscription.updated", subscription(), livemode=True))
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "livemode_mismatch"
    assert event_count(bridge) == 0 and stored(bridge, "subscription", "sub_1") is None


def test_a_replayed_event_is_answered_but_not_applied_again(bridge: HookBridge) -> None:
    first = event("customer.subscription.updated", subscription(status="active"), created=1000)
    assert bridge.post(first).json()["status"] == "applied"
    processed_at = event_row(bridge, first["id"]).processed_at
    # A newer state arrives, then the first event is delivered again.
    assert bridge.post(event("customer.subscription.updated", subscription(status="past_due"),
                             created=2000)).status_code == 200
    replay = bridge.post(first)
    assert replay.status_code == 200 and replay.json()["status"] == "duplicate"
    row = event_row(bridge, first["id"])
    assert row.attempts == 1 and row.processed_at == processed_at
    assert stored(bridge, "subscription", "sub_1")["status"] == "past_due"


def test_an_older_event_never_overwrites_newer_state(bridge: HookBridge) -> None:
    newer = event("customer.subscription.updated", subscription(cancel_at_period_end=True), created=2000)
    older = event("customer.subscription.updated", subscription(cancel_at_period_end=False), created=1000)
    assert bridge.post(newer).status_code == 200
    assert bridge.post(older).status_code == 200
    assert stored(bridge, "subscription", "sub_1")["cancel_at_period_end"] is True
    assert event_row(bridge, older["id"]).processed_at is not None


def test_concurrent_deliveries_of_one_event_apply_it_once(bridge: HookBridge, monkeypatch: pytest.MonkeyPatch) -> None:
    applied: list[str] = []
    original = webhooks.APPLIERS["invoice.paid"]

    def counting(session: Any, evt: dict[str, Any], obj: dict[str, Any], fetched: Any) -> tuple[str, ...]:
        applied.append(evt["id"])
        return original(session, evt, obj, fetched)

    monkeypatch.setitem(webhooks.APPLIERS, "invoice.paid", counting)
    evt = event("invoice.paid", {"id": "in_1", "object": "invoice", "customer": "cus_1", "status": "paid",
                                 "created": 5})
    start = threading.Barrier(6)
    answers: list[Any] = []

    def deliver() -> None:
        start.wait()
        answers.append(bridge.post(evt))

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    statuses = sorted(a.status_code for a in answers)
    assert len(answers) == 6 and set(statuses) <= {200, 503}, [a.text for a in answers]
    assert [a.json()["status"] for a in answers if a.status_code == 200].count("applied") == 1
    assert applied.count(evt["id"]) >= 1
    # a retry of the ones answered 503 finds it done
    assert bridge.post(evt).json()["status"] == "duplicate"
    row = event_row(bridge, evt["id"])
    assert row.processed_at is not None
    assert stored(bridge, "invoice", "in_1")["status"] == "paid"


def test_a_failing_apply_is_rolled_back_answered_500_and_retried(bridge: HookBridge,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    original = webhooks.APPLIERS["customer.subscription.deleted"]
    failures = [RuntimeError("database hiccup")]

    def flaky(session: Any, evt: dict[str, Any], obj: dict[str, Any], fetched: Any) -> tuple[str, ...]:
        topics = original(session, evt, obj, fetched)   # writes, then fails: the write must not survive
        if failures:
            raise failures.pop()
        return topics

    monkeypatch.setitem(webhooks.APPLIERS, "customer.subscription.deleted", flaky)
    evt = event("customer.subscription.deleted", subscription(status="canceled"))
    first = bridge.post(evt)
    assert first.status_code == 500 and first.json()["error"]["code"] == "internal_error"
    assert "hiccup" not in first.text
    row = event_row(bridge, evt["id"])
    assert row is not None and row.processed_at is None and row.attempts == 1 and "hiccup" in row.last_error
    assert stored(bridge, "subscription", "sub_1") is None

    second = bridge.post(evt)
    assert second.status_code == 200 and second.json()["status"] == "applied"
    row = event_row(bridge, evt["id"])
    assert row.processed_at is not None and row.attempts == 2 and row.last_error is None
    assert stored(bridge, "subscription", "sub_1")["status"] == "canceled"


def test_an_event_type_the_bridge_does_not_use_is_kept_and_acknowledged(bridge: HookBridge) -> None:
    evt = event("charge.refunded", {"id": "ch_1", "object": "charge", "customer": "cus_1"})
    answer = bridge.post(evt)
    assert answer.status_code == 200 and answer.json()["status"] == "ignored"
    assert event_row(bridge, evt["id"]).processed_at is not None


def test_a_signed_body_that_is_not_an_event_is_400(bridge: HookBridge) -> None:
    answer = bridge.post({"hello": "world"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_request"


def test_a_detached_card_disappears_from_the_store(bridge: HookBridge) -> None:
    card = {"id": "pm_1", "object": "payment_method", "customer": "cus_1",
            "card": {"brand": "visa", "last4": "4242", "exp_month": 1, "exp_year": 2030}}
    assert bridge.post(event("payment_method.attached", card, created=100)).status_code == 200
    assert stored(bridge, "payment_method", "pm_1")["card"]["last4"] == "4242"
    assert bridge.post(event("payment_method.detached", {**card, "customer": None}, created=200)).status_code == 200
    assert stored(bridge, "payment_method", "pm_1") is None


def test_every_event_setup_subscribes_to_has_a_handler() -> None:
    from server_bridge.billing.setup import WEBHOOK_EVENTS

    assert set(WEBHOOK_EVENTS) <= set(webhooks.APPLIERS)


def test_an_event_of_the_same_second_is_not_trusted_over_the_stored_copy(bridge: HookBridge) -> None:
    """Same `created`, arriving second: its payload may be the older state (this bridge has no Stripe
    to re-read from, so it keeps what it has and says so)."""
    canceled = event("customer.subscription.deleted", subscription(status="canceled"), created=1000)
    active = event("customer.subscription.updated", subscription(status="active"), created=1000)
    assert bridge.post(canceled).json()["status"] == "applied"
    answer = bridge.post(active)
    assert answer.status_code == 200 and answer.json()["status"] == "stale"
    assert stored(bridge, "subscription", "sub_1")["status"] == "canceled"
    assert event_row(bridge, active["id"]).processed_at is not None


@pytest.mark.parametrize(("kind", "final", "later"), [
    ("subscription", "canceled", "active"), ("subscription", "incomplete_expired", "incomplete"),
    ("invoice", "paid", "open"), ("invoice", "void", "open")])
def test_a_final_state_never_reverts_even_to_a_newer_event(bridge: HookBridge, kind: str, final: str,
                                                           later: str) -> None:
    def obj(status: str) -> dict[str, Any]:
        if kind == "subscription":
            return subscription(status=status)
        return {"id": "in_1", "object": "invoice", "customer": "cus_1", "status": status, "created": 5}

    prefix = "customer.subscription" if kind == "subscription" else "invoice"
    assert bridge.post(event(f"{prefix}.updated", obj(final), created=1000)).status_code == 200
    assert bridge.post(event(f"{prefix}.updated", obj(later), created=2000)).status_code == 200
    stored_id = "sub_1" if kind == "subscription" else "in_1"
    assert stored(bridge, kind, stored_id)["status"] == final


def test_an_event_at_another_api_version_is_never_applied_from_its_payload(bridge: HookBridge) -> None:
    """A pre-2025-03-31 payload (period dates on the subscription, not its items) would blank the
    next bill; without a Stripe to re-read from the bridge keeps its copy."""
    current = event("customer.subscription.updated", subscription(), created=1000)
    old_shape = subscription(current_period_end=2100000000)
    old_shape["items"]["data"][0].pop("current_period_end")
    old = {**event("customer.subscription.updated", old_shape, created=2000), "api_version": "2025-02-24.acacia"}
    assert bridge.post(current).json()["status"] == "applied"
    assert bridge.post(old).json()["status"] == "stale"
    assert stored(bridge, "subscription", "sub_1")["items"]["data"][0]["current_period_end"] == 2000000000


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"deeper": value}
    return value


def nested_text(depth: int) -> str:
    """`nested(depth)` as JSON, written out (json.dumps itself gives up past ~1000 levels)."""
    return '{"deeper": ' * depth + '"bottom"' + "}" * depth


@pytest.mark.parametrize("depth", [100, 5000])
def test_a_signed_event_nested_too_deeply_is_refused_as_invalid(bridge: HookBridge, depth: int,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """Deep enough that decoding it (or storing it later) would exhaust Python's recursion limit: a 400 in
    the envelope, never a 500 Stripe would retry for three days; nothing stored."""
    evt = event("invoice.updated", {"id": "in_1", "object": "invoice", "customer": "cus_1", "status": "open",
                                    "created": 5, "metadata": "METADATA"})
    body = json.dumps(evt).replace('"METADATA"', nested_text(depth)).encode()
    with caplog.at_level(logging.WARNING, logger="server_bridge.api.routes.webhooks"):
        answer = bridge.post(evt, body=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_request" and "nested" in answer.json()["error"]["message"]
    assert event_count(bridge) == 0 and stored(bridge, "invoice", "in_1") is None
    assert "nested" in caplog.text


def test_an_event_as_deep_as_stripes_own_is_applied(bridge: HookBridge) -> None:
    evt = event("invoice.updated", {"id": "in_1", "object": "invoice", "customer": "cus_1", "status": "open",
                                    "created": 5, "metadata": nested(40)})
    answer = bridge.post(evt)
    assert answer.status_code == 200 and answer.json()["status"] == "applied", answer.text


@pytest.mark.parametrize("field, value", [
    ("id", "evt_" + "x" * 252), ("type", "invoice." + "x" * 121), ("id", "evt_a\x00b"), ("type", "invoice.\x00"),
    ("object id", "in_" + "x" * 253), ("object id", "in_\x00"), ("account", "acct_" + "x" * 251)])
def test_a_signed_event_the_bridge_cannot_store_is_400_and_logged(bridge: HookBridge, field: str, value: str,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    """Over the columns' lengths (id 255, type 128) or with a NUL (PostgreSQL refuses it in text): answered
    400 and logged on both databases, instead of a 500 Stripe would retry for three days."""
    obj = {"id": "in_1", "object": "invoice", "customer": "cus_1", "status": "open", "created": 5}
    evt = event("invoice.updated", obj)
    if field == "object id":
        obj["id"] = value
    else:
        evt[field] = value
    with caplog.at_level(logging.WARNING, logger="server_bridge.api.routes.webhooks"):
        answer = bridge.post(evt)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_request"
    assert event_count(bridge) == 0
    assert "cannot be stored" in caplog.text


def test_the_longest_event_id_and_type_the_bridge_stores(bridge: HookBridge) -> None:
    evt = {**event("invoice.updated", {"id": "in_" + "x" * 252, "object": "invoice", "customer": "cus_1",
                                       "status": "open", "created": 5}),
           "id": "evt_" + "x" * 251}
    answer = bridge.post(evt)
    assert answer.status_code == 200 and answer.json()["status"] == "applied", answer.text
    long_type = {**event("x" * 128, {"id": "x_1", "object": "x"})}
    answer = bridge.post(long_type)
    assert answer.status_code == 200 and answer.json()["status"] == "ignored", answer.text
