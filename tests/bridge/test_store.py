"""The store keeps the newest copy of each Stripe object, whatever order copies arrive in."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.orm import Session, sessionmaker

from server_bridge.auth import owners
from server_bridge.mirror import store


def subscription(sub_id: str, status: str, customer: object = "cus_A", created: int = 100) -> dict:
    return {"id": sub_id, "object": "subscription", "customer": customer, "status": status, "created": created}


def test_older_seen_at_never_overwrites(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert store.upsert_object(session, subscription("sub_1", "active"), seen_at=200)
        assert not store.upsert_object(session, subscription("sub_1", "past_due"), seen_at=150)
        session.commit()
    with sessions() as session:
        assert store.get_object(session, "subscription", "sub_1")["status"] == "active"
        assert store.upsert_object(session, subscription("sub_1", "canceled"), seen_at=250)
        session.commit()
    with sessions() as session:
        assert store.get_object(session, "subscription", "sub_1")["status"] == "canceled"


def test_same_seen_at_takes_the_later_write(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        store.upsert_object(session, subscription("sub_1", "active"), seen_at=200)
        assert store.upsert_object(session, subscription("sub_1", "past_due"), seen_at=200)
        assert store.get_object(session, "subscription", "sub_1")["status"] == "past_due"


def test_customer_is_taken_from_the_object(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        store.upsert_object(session, subscription("sub_x", "active", customer={"id": "cus_B", "object": "customer"}),
                            seen_at=1)
        store.upsert_object(session, {"id": "cus_B", "object": "customer", "created": 5}, seen_at=1)
        store.upsert_object(session, {"id": "price_1", "object": "price", "created": 5}, seen_at=1)
        assert [s["id"] for s in store.list_objects(session, "subscription", customer_id="cus_B")] == ["sub_x"]
        assert [c["id"] for c in store.list_objects(session, "customer", customer_id="cus_B")] == ["cus_B"]
        assert [p["id"] for p in store.list_objects(session, "price", customer_id=None)] == ["price_1"]


def test_lists_newest_first_with_paging_and_no_other_customer(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        for n, created in enumerate([300, 100, 200, 200]):
            store.upsert_object(session, {"id": f"in_{n}", "object": "invoice", "customer": "cus_A",
                                          "created": created}, seen_at=1)
        store.upsert_object(session, {"id": "in_other", "object": "invoice", "customer": "cus_Z", "created": 250},
                            seen_at=1)
        session.commit()
    with sessions() as session:
        ids = [i["id"] for i in store.list_objects(session, "invoice", customer_id="cus_A")]
        assert ids == ["in_0", "in_3", "in_2", "in_1"]
        page = store.list_objects(session, "invoice", customer_id="cus_A", limit=2, starting_after="in_3")
        assert [i["id"] for i in page] == ["in_2", "in_1"]
        with pytest.raises(KeyError):
            store.list_objects(session, "invoice", customer_id="cus_A", starting_after="in_other")


def test_a_deleted_object_stays_deleted_against_older_copies(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        store.upsert_object(session, {"id": "in_d", "object": "invoice", "customer": "cus_A", "created": 1}, seen_at=10)
        store.upsert_object(session, {"id": "in_d", "object": "invoice", "deleted": True}, seen_at=20)
        assert not store.upsert_object(session, {"id": "in_d", "object": "invoice", "customer": "cus_A",
                                                 "created": 1}, seen_at=15)
        session.commit()
        assert store.get_object(session, "invoice", "in_d") is None
        assert store.list_objects(session, "invoice", customer_id="cus_A") == []


def test_an_object_without_id_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, pytest.raises(ValueError):
        store.upsert_object(session, {"object": "invoice"}, seen_at=1)


def test_sync_marks(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        owner = owners.add_owner(session, "a@example.test", "x", password_hash="not-a-hash")
        assert store.synced_at(session, owner.id) is None
        store.mark_synced(session, owner.id, 100)
        store.mark_synced(session, owner.id, 200)
        session.commit()
        assert store.synced_at(session, owner.id) == 200


def test_racing_writers_leave_the_newest_copy(sessions: sessionmaker[Session]) -> None:
    """Sixteen writers, each with its own seen_at, in no particular order: the newest always wins."""
    order = list(range(1, 17))
    random.Random(7).shuffle(order)

    def write(seen_at: int) -> None:
        with sessions() as session:
            store.upsert_object(session, subscription("sub_race", f"status-{seen_at}"), seen_at=seen_at)
            session.commit()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, order))
    with sessions() as session:
        assert store.get_object(session, "subscription", "sub_race")["status"] == "status-16"
