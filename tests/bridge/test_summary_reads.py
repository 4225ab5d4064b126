"""The summary, the dashboard's hot read: a revoked token is refused at once, an owner or plan price the
store lacks is fetched from Stripe, and a read waiting on the database never holds up the event loop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from server_bridge.billing import reads
from server_bridge.db.models import Owner, OwnerSync, StripeObject


@pytest.fixture(scope="module")
def stack(module_stack: Any) -> Any:
    return module_stack


def test_a_signed_out_token_reads_no_summary(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    pro = client_for(stack, "pro@demo.test")
    assert pro.get("/v1/billing/summary").status_code == 200
    assert pro.post("/v1/auth/logout").status_code == 204
    answer = pro.get("/v1/billing/summary")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"


def test_an_owner_the_store_forgot_is_fetched_again(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    starter = client_for(stack, "starter@demo.test")
    warm = starter.get("/v1/billing/summary").json()
    with stack.app.state.sessions() as session:
        owner = session.query(Owner).filter_by(email="starter@demo.test").one()
        session.execute(delete(OwnerSync).where(OwnerSync.owner_id == owner.id))
        session.commit()
    before = stack.sandbox.request_count()
    again = starter.get("/v1/billing/summary")
    assert again.status_code == 200 and again.json()["plan"] == warm["plan"] is not None
    assert stack.sandbox.request_count() > before
    before = stack.sandbox.request_count()
    assert starter.get("/v1/billing/summary").json()["plan"] == warm["plan"]
    assert stack.sandbox.request_count() == before


def test_a_plan_price_the_store_lacks_is_fetched(stack: Any, client_for: Callable[..., httpx.Client]) -> None:
    pro = client_for(stack, "pro@demo.test")
    warm = pro.get("/v1/billing/summary").json()
    price_id = next(iter(stack.app.state.settings.plans.values()))
    with stack.app.state.sessions() as session:
        session.execute(delete(StripeObject).where(StripeObject.object_type == "price", StripeObject.id == price_id))
        session.commit()
    before = stack.sandbox.request_count()
    again = pro.get("/v1/billing/summary")
    assert again.status_code == 200 and again.json()["plan"] == warm["plan"] is not None
    assert stack.sandbox.request_count() > before
    with stack.app.state.sessions() as session:
        assert session.get(StripeObject, ("price", price_id)) is not None


def test_a_summary_waiting_on_the_database_holds_up_nothing_else(
        stack: Any, client_for: Callable[..., httpx.Client], monkeypatch: pytest.MonkeyPatch) -> None:
    pro = client_for(stack, "pro@demo.test")
    assert pro.get("/v1/billing/summary").status_code == 200
    reading, release = threading.Event(), threading.Event()
    load_owner = reads.load_owner

    def slow_load(*args: Any, **kwargs: Any) -> Any:
        reading.set()
        release.wait(10)
        return load_owner(*args, **kwargs)

    monkeypatch.setattr(reads, "load_owner", slow_load)
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(pro.get, "/v1/billing/summary")
        try:
            assert reading.wait(10)
            with httpx.Client(base_url=stack.bridge_url, timeout=3) as other:
                assert other.get("/openapi.json").status_code == 200   # served while the read waits
        finally:
            release.set()
        assert pending.result().status_code == 200
