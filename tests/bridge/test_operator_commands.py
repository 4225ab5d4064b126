"""Operator commands fail cleanly (issue 6 §6): when Stripe refuses, faults or is not there, and when
the database is not there, `billing-bridge` prints one sentence and exits non-zero, no traceback.
`sync` paces its Stripe calls under its share of the rate limit, reports each owner that failed
while the others go on, and a run that did not finish is resumed by the next one.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from pydantic import SecretStr

from server_bridge import db
from server_bridge.auth import owners
from server_bridge.cli import main
from server_bridge.gateway import Gateway, Pacer
from server_bridge.settings import Settings
from stripe_sandbox.serving import ThreadedServer

CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("x")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    from stripe_sandbox import Sandbox, create_sandbox_app

    box = Sandbox()
    server = ThreadedServer(create_sandbox_app(box))
    box.base_url = server.bind()
    server.start()
    try:
        yield box
    finally:
        server.stop()
        box.close()


@pytest.fixture(autouse=True)
def no_faults_left(sandbox: Any) -> Iterator[None]:
    yield
    sandbox.clear_faults()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str, sandbox: Any) -> dict[str, str]:
    for name in list(os.environ):
        if name.startswith("BRIDGE_"):
            monkeypatch.delenv(name)
    values = {"BRIDGE_DATABASE_URL": db_url, "BRIDGE_STRIPE_SECRET_KEY": sandbox.api_key,
              "BRIDGE_STRIPE_API_BASE": sandbox.base_url, "BRIDGE_STRIPE_MAX_RETRIES": "1",
              "BRIDGE_STRIPE_TIMEOUT": "30", "BRIDGE_PUBLIC_URL": "https://billing.example.com"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_clean_sentence(err: str, *words: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err and lines, err
    last = lines[-1]
    assert last.startswith("billing-bridge: ") and last.endswith("."), err
    for word in words:
        assert word in last, err


def owners_with_customers(env: dict[str, str], sandbox: Any, count: int, *, missing: int | None = None) -> list[str]:
    """`count` owners, each with a customer at the sandbox; owner number `missing` names one Stripe
    does not have."""
    db.upgrade(env["BRIDGE_DATABASE_URL"])
    gateway = Gateway(Settings(stripe_secret_key=SecretStr(sandbox.api_key), stripe_api_base=sandbox.base_url,
                               stripe_timeout=30))
    engine = db.make_engine(env["BRIDGE_DATABASE_URL"])
    emails = []
    try:
        with db.make_sessions(engine)() as session:
            for n in range(count):
                email = f"owner{n}@{os.urandom(3).hex()}.test"
                customer = ("cus_nobody_has_this" if n == missing
                            else gateway.create_customer({"email": email}, key=f"customer:{email}")["id"])
                owners.add_owner(session, email, "x", customer_id=customer, password_hash=CHEAP_HASH)
                emails.append(email)
            session.commit()
    finally:
        engine.dispose()
        gateway.close()
    return emails


@pytest.mark.parametrize("command", [("stripe", "setup"), ("sync",)])
def test_nothing_listening_is_one_sentence(env: dict[str, str], sandbox: Any, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]) -> None:
    if command == ("sync",):
        owners_with_customers(env, sandbox, 4)
    monkeypatch.setenv("BRIDGE_STRIPE_API_BASE", f"http://127.0.0.1:{closed_port()}")
    code, _, err = run(capsys, *command)
    assert code == 1
    assert_one_clean_sentence(err, "did not answer", "Run it again" if command == ("sync",) else "safe to run again")
    if command == ("sync",):
        # three owners in a row could not be reached: the fourth is not even tried
        assert err.count("failed: Stripe did not answer") == 3


@pytest.mark.parametrize("command", [("stripe", "setup"), ("sync",)])
def test_stripe_faulting_is_one_sentence(env: dict[str, str], sandbox: Any, capsys: pytest.CaptureFixture[str],
                                         command: tuple[str, ...]) -> None:
    if command == ("sync",):
        owners_with_customers(env, sandbox, 1)
    sandbox.inject_fault("500", count=1000)
    code, _, err = run(capsys, *command)
    assert code == 1
    assert_one_clean_sentence(err, "answered 500")


@pytest.mark.parametrize("command", [("stripe", "setup"), ("sync",)])
def test_a_refused_key_is_one_sentence(env: dict[str, str], sandbox: Any, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]) -> None:
    if command == ("sync",):
        owners_with_customers(env, sandbox, 1)
    monkeypatch.setenv("BRIDGE_STRIPE_SECRET_KEY", "sk_test_not_the_right_one")
    code, _, err = run(capsys, *command)
    assert code == 1
    assert "not_the_right_one" not in err
    assert_one_clean_sentence(err, "Stripe refused", "secret key")


@pytest.mark.parametrize("command", [("users", "list"), ("db", "upgrade"), ("sync",)])
def test_a_database_out_of_reach_is_one_sentence(env: dict[str, str], capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]) -> None:
    monkeypatch.setenv("BRIDGE_DATABASE_URL",
                       f"postgresql+psycopg://bridge@127.0.0.1:{closed_port()}/bridge?connect_timeout=2")
    code, _, err = run(capsys, *command)
    assert code == 1
    assert_one_clean_sentence(err, "database could not be used")


def test_sync_reports_the_owner_that_failed_and_the_others_go_on_then_resumes(
        env: dict[str, str], sandbox: Any, capsys: pytest.CaptureFixture[str]) -> None:
    emails = owners_with_customers(env, sandbox, 4, missing=1)
    code, out, err = run(capsys, "sync")
    assert code == 1 and "Synced 3 owners." in out
    assert f"sync of {emails[1]} failed: Stripe refused" in err
    assert_one_clean_sentence(err, "left 1 owner out", "Stripe refused")

    # the operator fixes the owner; the next run resumes: only that owner is fetched
    engine = db.make_engine(env["BRIDGE_DATABASE_URL"])
    gateway = Gateway(Settings(stripe_secret_key=SecretStr(sandbox.api_key), stripe_api_base=sandbox.base_url))
    try:
        with db.make_sessions(engine)() as session:
            owner = owners.find_owner(session, emails[1])
            owner.stripe_customer_id = gateway.create_customer({"email": emails[1]}, key=f"fix:{emails[1]}")["id"]
            session.commit()
    finally:
        gateway.close()
        engine.dispose()
    before = sandbox.request_count("/v1/customers/")
    code, out, err = run(capsys, "sync")
    assert code == 0 and err == ""
    assert "Synced 1 owner (3 already synced by the run this one resumed)." in out
    assert sandbox.request_count("/v1/customers/") == before + 1

    code, out, _ = run(capsys, "sync")   # that run finished: the next starts over
    assert code == 0 and "Synced 4 owners." in out


def test_sync_paces_its_calls_under_its_share_of_the_rate_limit(env: dict[str, str], sandbox: Any,
                                                                capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    owners_with_customers(env, sandbox, 3)
    monkeypatch.setenv("BRIDGE_STRIPE_RATE_LIMIT", "40")
    monkeypatch.setenv("BRIDGE_SYNC_RATE_SHARE", "0.25")      # 10 requests a second
    started = time.time()
    code, out, _ = run(capsys, "sync", "--full")
    assert code == 0 and "Synced 3 owners." in out
    times = [r["at"] for r in sandbox.recent_requests() if r["at"] >= started]
    assert len(times) >= 12
    # spaced at least 0.1 s apart when sent; arrival times jitter, so judge the whole run
    assert times[-1] - times[0] >= (len(times) - 1) * 0.1 * 0.95


def test_the_pace_is_shared_by_threads_and_never_bursts() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        pacer.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]
    now[0] += 10          # idle for a while: no burst of saved-up calls afterwards
    pacer.wait()
    pacer.wait()
    assert slept[-1] == 0.25 and len(slept) == 5
    with pytest.raises(ValueError):
        Pacer(0)
