"""Password checks are bounded: a flood of sign-ins runs a few argon2 checks at a time, the rest wait
briefly then get 503 busy (and are not counted as failures), and webhooks answer meanwhile."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from tests.support.bridges import Bridge
from tests.support.sign_in import CheckCounter, client, code, login
from tests.support.waiting import wait_until
from tests.support.webhooks import SECRET, event, signature, subscription


def sign_ins(bridge: Bridge, pool: ThreadPoolExecutor, count: int) -> list[Future[httpx.Response]]:
    def attempt(n: int) -> httpx.Response:
        with client(bridge) as http:
            return login(http, email=f"someone-{n}@example.test", password="guess")

    return [pool.submit(attempt, n) for n in range(count)]


def test_a_few_checks_at_once_the_rest_busy_and_not_counted(
        make_bridge: Callable[..., Bridge], db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bridge = make_bridge(db_url, password_checks_at_once=2, password_check_wait_seconds=0.3)
    release = threading.Event()
    checks = CheckCounter(monkeypatch, pause=release)
    with ThreadPoolExecutor(10) as pool:
        pending = sign_ins(bridge, pool, 10)
        wait_until(lambda: sum(f.done() for f in pending) == 8)
        assert checks.running == 2
        release.set()
        answers = [f.result() for f in pending]
    busy = [a for a in answers if a.status_code == 503]
    assert len(busy) == 8 and {code(a) for a in busy} == {"busy"}
    assert all(a.headers["Retry-After"] == "1" for a in busy)
    assert sorted(a.status_code for a in answers if a.status_code != 503) == [401, 401]
    assert checks.count == checks.most_at_once == 2
    with bridge.sessions() as session:   # the eight never checked are not counted against the address
        counted = session.execute(text("SELECT failures, pending FROM sign_in_counters WHERE scope = 'address'")).one()
    assert tuple(counted) == (2, 0)


def test_webhooks_answer_while_forty_sign_ins_wait(
        make_bridge: Callable[..., Bridge], db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bridge = make_bridge(db_url, password_checks_at_once=2, password_check_wait_seconds=30,
                         login_max_failures_per_address=100, webhook_secrets=[SecretStr(SECRET)],
                         plans={"pro": "price_pro"})
    release = threading.Event()
    checks = CheckCounter(monkeypatch, pause=release)
    with ThreadPoolExecutor(40) as pool, httpx.Client(base_url=bridge.url, timeout=10) as hooks:
        pending = sign_ins(bridge, pool, 40)
        try:
            wait_until(lambda: checks.running == 2)
            for n in range(5):
                payload = json.dumps(event("customer.subscription.updated",
                                           subscription(f"sub_{n}", f"cus_{n}"))).encode()
                answer = hooks.post("/v1/webhooks/stripe", content=payload,
                                    headers={"Stripe-Signature": signature(payload),
                                             "Content-Type": "application/json"})
                assert answer.status_code == 200, answer.text
            assert not any(f.done() for f in pending)   # answered while every sign-in still waits
        finally:
            release.set()
        answers = [f.result() for f in pending]
    assert {a.status_code for a in answers} == {401}
    assert checks.most_at_once == 2


def _rss_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no {field}")


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc to read peak memory")
def test_a_flood_of_forty_sign_ins_keeps_memory_bounded(
        make_bridge: Callable[..., Bridge], db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """40 MiB a check (above glibc's largest mmap threshold, so each check maps and unmaps its own
    memory as the real 64 MiB does): 40 at once would take 1.6 GiB; two at a time, under 0.3 GiB."""
    from argon2 import PasswordHasher

    from server_bridge.auth import owners

    monkeypatch.setattr(owners, "_hasher", PasswordHasher(time_cost=1, memory_cost=40 * 1024, parallelism=1))
    owners._dummy_hash.cache_clear()
    bridge = make_bridge(db_url, password_checks_at_once=2, password_check_wait_seconds=60,
                         login_max_failures_per_address=100)
    with client(bridge) as http:
        login(http, password="warm up")
    Path("/proc/self/clear_refs").write_text("5")   # resets the peak (VmHWM) to the current RSS
    before = _rss_mib("VmHWM")
    with ThreadPoolExecutor(40) as pool:
        answers = [f.result() for f in sign_ins(bridge, pool, 40)]
    assert {a.status_code for a in answers} == {401}
    assert _rss_mib("VmHWM") - before < 6 * 40
