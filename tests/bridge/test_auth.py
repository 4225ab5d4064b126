"""Signing in and out over real HTTP: tokens, devices, expiry, disabled owners and the rate limit."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select, text, update

from server_bridge.auth import owners
from server_bridge.db.models import Owner, Token
from server_bridge.mirror import store
from tests.support.bridges import Bridge

PASSWORD = "correct horse battery staple"


@dataclass
class OwnerPair:
    """Two owners of this test alone on the module's bridge (emails and customers unique per test)."""

    bridge: Bridge
    email: str
    other: str
    customer: str
    other_customer: str


@pytest.fixture
def pair(shared_bridge: Bridge) -> OwnerPair:
    tag = uuid.uuid4().hex[:10]
    found = OwnerPair(shared_bridge, f"owner-{tag}@example.test", f"other-{tag}@example.test",
                      f"cus_o{tag}", f"cus_x{tag}")
    with shared_bridge.sessions() as session:
        owners.add_owner(session, found.email.upper(), PASSWORD, customer_id=found.customer)
        owners.add_owner(session, found.other, PASSWORD, customer_id=found.other_customer)
        session.commit()
    return found


def login(client: httpx.Client, email: str, password: str = PASSWORD, device: str = "laptop",
          device_proof: str | None = None) -> httpx.Response:
    body = {"email": email, "password": password, "device": device}
    if device_proof is not None:
        body["device_proof"] = device_proof
    return client.post("/v1/auth/login", json=body)


def me(client: httpx.Client, token: str) -> httpx.Response:
    return client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})


def error_code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


def test_sign_in_and_me(pair: OwnerPair) -> None:
    with pair.bridge.client() as client:
        answer = login(client, email=f"  {pair.email.upper()} ")
        assert answer.status_code == 200
        body = answer.json()
        assert body["token"].startswith("bmt_") and len(body["token"]) >= 4 + 43
        assert body["owner"] == {"email": pair.email}
        assert abs(body["expires_at"] - (time.time() + 30 * 86400)) < 60
        assert body["device_proof"] and body["token"] not in body["device_proof"]
        who = me(client, body["token"])
        assert who.status_code == 200
        assert who.json() == {"email": pair.email, "device": "laptop",
                              "token_expires_at": body["expires_at"], "has_subscription": False}


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "disabled owner"])
def test_bad_sign_ins_all_look_alike(pair: OwnerPair, case: str) -> None:
    email, password = pair.email, PASSWORD
    if case == "wrong password":
        password = "wrong"
    elif case == "unknown email":
        email = f"nobody-{pair.customer}@example.test"
    else:
        with pair.bridge.sessions() as session:
            owner = owners.find_owner(session, pair.email)
            assert owner is not None
            owners.disable_owner(session, owner)
            session.commit()
    with pair.bridge.client() as client:
        answer = login(client, email=email, password=password)
    assert answer.status_code == 401
    assert answer.json() == {"error": {"code": "invalid_credentials",
                                       "message": "The email or password is not right."}}


def test_missing_or_unknown_tokens_are_unauthorized(pair: OwnerPair) -> None:
    with pair.bridge.client() as client:
        assert error_code(client.get("/v1/me")) == "unauthorized"
        assert error_code(me(client, "bmt_made_up")) == "unauthorized"
        token = login(client, pair.email).json()["token"]
        for header in (f"Token {token}", "Bearer", f"Basic {token}", token):
            answer = client.get("/v1/me", headers={"Authorization": header})
            assert answer.status_code == 401 and error_code(answer) == "unauthorized", header


def test_an_expired_token_says_so(pair: OwnerPair) -> None:
    with pair.bridge.client() as client:
        token = login(client, pair.email).json()["token"]
        with pair.bridge.sessions() as session:
            session.execute(update(Token).where(Token.token_hash == owners.hash_token(token))
                            .values(expires_at=int(time.time()) - 1))
            session.commit()
        answer = me(client, token)
        assert answer.status_code == 401 and error_code(answer) == "token_expired"


def test_logout_revokes_the_token(pair: OwnerPair) -> None:
    with pair.bridge.client() as client:
        token = login(client, pair.email).json()["token"]
        answer = client.post("/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 204 and answer.content == b""
        assert error_code(me(client, token)) == "unauthorized"
        assert client.post("/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_one_live_token_per_device(pair: OwnerPair) -> None:
    with pair.bridge.client() as client:
        first = login(client, pair.email, device="laptop").json()["token"]
        phone = login(client, pair.email, device="phone").json()["token"]
        second = login(client, pair.email, device="laptop").json()["token"]
        assert error_code(me(client, first)) == "unauthorized"
        assert me(client, second).status_code == 200
        assert me(client, phone).json()["device"] == "phone"
        other = login(client, pair.other, device="laptop").json()["token"]
        assert me(client, second).status_code == 200
        assert me(client, other).json()["email"] == pair.other


def test_a_disabled_owner_is_turned_away(pair: OwnerPair) -> None:
    with pair.bridge.client() as client:
        token = login(client, pair.email).json()["token"]
        other = login(client, pair.other).json()["token"]
        with pair.bridge.sessions() as session:
            session.execute(update(Owner).where(Owner.email == pair.email).values(disabled=True))
            session.commit()
        answer = me(client, token)
        assert answer.status_code == 403 and error_code(answer) == "account_disabled"
        assert me(client, other).status_code == 200


def test_tokens_are_stored_only_hashed(pair: OwnerPair) -> None:
    with pair.bridge.client() as client:
        token = login(client, pair.email).json()["token"]
    with pair.bridge.sessions() as session:
        owner = owners.find_owner(session, pair.email)
        assert owner is not None
        stored = session.execute(select(Token.token_hash).where(Token.owner_id == owner.id)).scalars().all()
        assert stored == [hashlib.sha256(token.encode()).hexdigest()]
        for table in ("tokens", "owners", "sign_in_counters"):
            rows = repr(session.execute(text(f"SELECT * FROM {table}")).all())
            assert token not in rows and token[4:] not in rows
        assert owner.password_hash.startswith("$argon2id$")


def test_failed_sign_ins_are_rate_limited_then_recover(make_bridge: Callable[..., Bridge], db_url: str) -> None:
    # Failures are kept to the second: a 2 s window holds them for at least one real second.
    bridge = make_bridge(db_url, login_max_failures=3, login_window_seconds=2)
    with bridge.sessions() as session:
        owners.add_owner(session, "owner@example.test", PASSWORD)
        session.commit()
    with bridge.client() as client:
        for _ in range(3):
            assert error_code(login(client, "owner@example.test", password="wrong")) == "invalid_credentials"
        locked = login(client, "owner@example.test")
        assert locked.status_code == 429 and error_code(locked) == "too_many_attempts"
        assert 1 <= int(locked.headers["Retry-After"]) <= 3
        assert login(client, "other@example.test", password="wrong").status_code == 401
        deadline = time.monotonic() + 10
        answer = locked
        while answer.status_code == 429 and time.monotonic() < deadline:
            time.sleep(0.1)
            answer = login(client, "owner@example.test")
        assert answer.status_code == 200


def test_success_clears_this_clients_failures(pair: OwnerPair) -> None:
    with pair.bridge.client() as client:
        for _ in range(2):
            login(client, pair.email, password="wrong")
        proof = login(client, pair.email).json()["device_proof"]
        for _ in range(2):
            for _ in range(2):
                login(client, pair.email, password="wrong", device_proof=proof)
            answer = login(client, pair.email, device_proof=proof)
            assert answer.status_code == 200
            proof = answer.json()["device_proof"]
        # Without the proof the two first failures still count against the email: one more is allowed.
        assert login(client, pair.email, password="wrong").status_code == 401
        assert login(client, pair.email).status_code == 429


def test_the_limit_counts_unknown_emails_too(pair: OwnerPair) -> None:
    nobody = f"nobody-{pair.customer}@example.test"
    with pair.bridge.client() as client:
        for _ in range(3):
            login(client, nobody)
        answer = login(client, nobody)
        assert answer.status_code == 429 and "Retry-After" in answer.headers
        assert login(client, pair.email).status_code == 200


def test_me_knows_about_a_live_subscription(pair: OwnerPair) -> None:
    with pair.bridge.client() as client:
        token = login(client, pair.email).json()["token"]
        with pair.bridge.sessions() as session:
            store.upsert_object(session, {"id": f"sub_old_{pair.customer}", "object": "subscription",
                                          "customer": pair.customer, "status": "canceled", "created": 1}, seen_at=1)
            store.upsert_object(session, {"id": f"sub_theirs_{pair.customer}", "object": "subscription",
                                          "customer": pair.other_customer, "status": "active", "created": 2},
                                seen_at=1)
            session.commit()
        assert me(client, token).json()["has_subscription"] is False
        with pair.bridge.sessions() as session:
            store.upsert_object(session, {"id": f"sub_new_{pair.customer}", "object": "subscription",
                                          "customer": pair.customer, "status": "past_due", "created": 3}, seen_at=1)
            session.commit()
        assert me(client, token).json()["has_subscription"] is True


def test_racing_sign_ins_on_one_device_leave_one_live_token(pair: OwnerPair) -> None:
    def sign_in(_: int) -> httpx.Response:
        with pair.bridge.client() as client:
            return login(client, pair.email, device="racing")

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(sign_in, range(8)))
    assert [a.status_code for a in answers] == [200] * 8
    with pair.bridge.client() as client:
        working = [a.json()["token"] for a in answers if me(client, a.json()["token"]).status_code == 200]
    assert len(working) == 1
    with pair.bridge.sessions() as session:
        owner = owners.find_owner(session, pair.email)
        assert owner is not None
        live = select(func.count()).select_from(Token).where(
            Token.owner_id == owner.id, Token.revoked_at.is_(None), Token.expires_at > time.time())
        assert session.execute(live).scalar_one() == 1


def test_an_old_cheap_hash_is_upgraded_at_sign_in(pair: OwnerPair) -> None:
    from argon2 import PasswordHasher

    cheaper = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    with pair.bridge.sessions() as session:
        session.execute(update(Owner).where(Owner.email == pair.email).values(password_hash=cheaper))
        session.commit()
    with pair.bridge.client() as client:
        assert login(client, pair.email).status_code == 200
    with pair.bridge.sessions() as session:
        owner = owners.find_owner(session, pair.email)
        assert owner is not None and owner.password_hash != cheaper
        assert owners.verify_password(owner.password_hash, PASSWORD)
