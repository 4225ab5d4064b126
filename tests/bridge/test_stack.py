"""The sandbox stack: what `serve --sandbox`, the demo and the end-to-end tests stand on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from server_bridge.db.models import OwnerSync, StripeObject
from server_bridge.stack import DEMO_OWNERS, start_sandbox_stack
from tests.support.databases import postgres_database
from tests.support.stacks import FAST_RETRIES


def test_every_demo_owner_signs_in_and_sees_their_subscription(any_stack: Any,
                                                               client_for: Callable[..., httpx.Client]) -> None:
    assert set(any_stack.demo_owners) == set(DEMO_OWNERS)
    assert set(any_stack.settings.plans) == {"starter", "pro"}
    assert any_stack.settings.public_url == any_stack.bridge_url
    for email in DEMO_OWNERS:
        me = client_for(any_stack, email).get("/v1/me")
        assert me.status_code == 200
        assert me.json()["email"] == email
        assert me.json()["has_subscription"] is (email != "new@demo.test"), email


def test_wrong_demo_password_is_refused(stack: Any) -> None:
    with httpx.Client(base_url=stack.bridge_url) as client:
        answer = client.post("/v1/auth/login", json={"email": "pro@demo.test", "password": "nope", "device": "d"})
    assert answer.status_code == 401


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_stop_leaves_nothing_running_and_a_data_dir_can_be_reused(tmp_path: Path, kind: str) -> None:
    with ExitStack() as cleanup:
        database_url = cleanup.enter_context(postgres_database()) if kind == "postgresql" else None
        reuse_data_dir_twice(tmp_path, database_url)


def reuse_data_dir_twice(tmp_path: Path, database_url: str | None) -> None:
    before = set(threading.enumerate())
    for _ in range(2):
        with start_sandbox_stack(data_dir=tmp_path, database_url=database_url,
                                 webhook_retry_delays=FAST_RETRIES) as started:
            with httpx.Client(base_url=started.bridge_url) as client:
                answer = client.post("/v1/auth/login",
                                     json={"email": "new@demo.test", "password": "demo", "device": "d"})
                assert answer.status_code == 200
                assert client.get(f"{started.sandbox_url}/_sandbox/clock").status_code == 200
    # Worker threads of a stopped server's loop wind down just after it; give them a moment.
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=5)
    assert [t for t in set(threading.enumerate()) - before if t.is_alive()] == []


def test_me_backfills_an_owner_on_first_sight_and_survives_stripe_down(
        stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    customer = stack.demo_owners["pro@demo.test"]
    with stack.app.state.sessions() as session:
        session.execute(delete(StripeObject).where(StripeObject.customer_id == customer))
        session.execute(delete(OwnerSync))
        session.commit()
    client = client_for(stack, "pro@demo.test")
    stack.sandbox.inject_fault("500", count=100)
    try:
        answer = client.get("/v1/me")
        assert answer.status_code == 200 and answer.json()["has_subscription"] is False
    finally:
        stack.sandbox.clear_faults()
    assert client.get("/v1/me").json()["has_subscription"] is True
