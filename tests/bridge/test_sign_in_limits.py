"""Sign-in throttling over real HTTP on both databases: counted atomically (also across two bridges),
per client address and per (address, email), with device proofs that keep an owner's known device
signed in while a stranger's guesses lock out new devices; client addresses from a trusted proxy only.

Several source addresses: Linux routes all of 127.0.0.0/8 to loopback, so a client bound to
127.0.0.2 reaches the bridge on 127.0.0.1 with a socket peer of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from server_bridge.auth import owners
from server_bridge.settings import Settings
from tests.support.bridges import Bridge, serve_bridge
from tests.support.sign_in import OWNER, PASSWORD, CheckCounter, add_owner, client, code, login


def flood(count: int, attempt: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(attempt, range(count)))


# -- counted atomically ---------------------------------------------------------------------------

def test_forty_concurrent_wrong_passwords_check_at_most_the_limit(
        make_bridge: Callable[..., Bridge], db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bridge = make_bridge(db_url, login_max_failures=5, password_checks_at_once=40)
    add_owner(bridge)
    checks = CheckCounter(monkeypatch)

    def wrong(_: int) -> httpx.Response:
        with client(bridge) as http:
            return login(http, password="wrong")

    answers = flood(40, wrong)
    statuses = sorted(a.status_code for a in answers)
    assert checks.count <= 5
    assert statuses.count(401) == checks.count and statuses.count(429) == 40 - checks.count
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers if a.status_code == 429)
    with client(bridge) as http:
        locked = login(http)   # even the right password, from a device that never signed in
    assert locked.status_code == 429 and code(locked) == "too_many_attempts"


def test_two_bridges_on_one_postgresql_share_the_count(
        make_bridge: Callable[..., Bridge], pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from server_bridge import db

    db.upgrade(pg_url)
    bridges = [make_bridge(pg_url, login_max_failures=5, password_checks_at_once=40) for _ in range(2)]
    add_owner(bridges[0])
    checks = CheckCounter(monkeypatch)

    def wrong(n: int) -> httpx.Response:
        with client(bridges[n % 2]) as http:
            return login(http, password="wrong")

    answers = flood(40, wrong)
    assert checks.count <= 5
    assert sum(a.status_code == 401 for a in answers) == checks.count
    assert {a.status_code for a in answers} <= {401, 429}


# -- per address and per (address, email) -------------------------------------------------------------

def test_one_address_trying_many_emails_is_limited(
        make_bridge: Callable[..., Bridge], db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bridge = make_bridge(db_url, login_max_failures_per_address=10, password_checks_at_once=40)
    checks = CheckCounter(monkeypatch)

    def guess(n: int) -> httpx.Response:
        with client(bridge, "127.0.0.2") as http:
            return login(http, email=f"someone-{n}@example.test", password="guess")

    answers = flood(40, guess)
    assert checks.count <= 10
    assert sum(a.status_code == 401 for a in answers) == checks.count
    assert sum(a.status_code == 429 for a in answers) == 40 - checks.count
    with client(bridge, "127.0.0.3") as http:   # another address is not held up
        assert code(login(http, email="someone-else@example.test", password="guess")) == "invalid_credentials"


def test_a_known_device_still_counts_against_its_address_and_email(
        make_bridge: Callable[..., Bridge], db_url: str) -> None:
    bridge = make_bridge(db_url, login_max_failures=5)
    add_owner(bridge)
    with client(bridge) as http:
        laptop = login(http, device="laptop").json()["device_proof"]
        phone = login(http, device="phone").json()["device_proof"]
        for proof in (laptop, phone, laptop, phone, laptop):
            assert code(login(http, password="wrong", proof=proof)) == "invalid_credentials"
        # Each device proof has failed at most three times, but this address and email five.
        answer = login(http, proof=phone)
        assert answer.status_code == 429 and int(answer.headers["Retry-After"]) >= 1
    with client(bridge, "127.0.0.2") as http:
        assert login(http, proof=phone).status_code == 200


# -- device proofs: a stranger does not lock out a known device ------------------------------------

def test_a_stranger_locks_out_new_devices_but_not_the_owners_known_one(
        make_bridge: Callable[..., Bridge], db_url: str) -> None:
    bridge = make_bridge(db_url, login_max_failures=5)
    add_owner(bridge)
    with client(bridge, "127.0.0.1") as home:
        signed = login(home, device="laptop")
        assert signed.status_code == 200
        proof = signed.json()["device_proof"]
        assert home.post("/v1/auth/logout", headers={"Authorization": f"Bearer {signed.json()['token']}"}
                         ).status_code == 204

    with client(bridge, "127.0.0.9") as stranger:
        tries = [login(stranger, password=f"guess-{n}", device="attacker") for n in range(10)]
    assert [a.status_code for a in tries] == [401] * 5 + [429] * 5

    with client(bridge, "127.0.0.1") as home:
        again = login(home, device="laptop", proof=proof)
        assert again.status_code == 200, again.text
        assert again.json()["device_proof"] != proof      # a fresh proof at each sign-in
        new_device = login(home, device="new laptop")
        assert new_device.status_code == 429 and code(new_device) == "too_many_attempts"
        for bad in (proof[:-2] + ("AA" if not proof.endswith("AA") else "BB"), "not-a-proof", proof + "x"):
            assert login(home, device="new laptop", proof=bad).status_code == 429


def test_a_proof_is_for_one_email_and_one_bridge_secret(
        make_bridge: Callable[..., Bridge], db_url: str, tmp_path: Path) -> None:
    bridge = make_bridge(db_url, login_max_failures=2, device_proof_secret="one secret")
    add_owner(bridge)
    add_owner(bridge, "stranger@example.test")
    with client(bridge, "127.0.0.2") as stranger:
        own_proof = login(stranger, email="stranger@example.test").json()["device_proof"]
        for _ in range(2):
            login(stranger, password="wrong")
    foreign = owners.device_proofs.issue(Settings(device_proof_secret="another secret"), OWNER)
    with client(bridge, "127.0.0.1") as home:
        assert login(home, proof=own_proof).status_code == 429     # a proof for another email
        assert login(home, proof=foreign).status_code == 429       # signed with another secret
    with serve_bridge(db_url, tmp_path, login_max_failures=2, device_proof_secret="one secret") as twin:
        with client(twin, "127.0.0.1") as home:   # a second bridge with the same secret honours the same proofs
            proof = owners.device_proofs.issue(bridge.app.state.settings, OWNER)
            assert login(home, proof=proof).status_code == 200


def test_a_device_proof_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    import time as real_time

    from server_bridge.auth import device_proofs

    settings = Settings(device_proof_secret="s", device_proof_days=30)
    proof = device_proofs.issue(settings, OWNER)
    assert device_proofs.proven_id(settings, proof, OWNER)
    assert device_proofs.proven_id(settings, proof, "other@example.test") is None
    later = real_time.time() + 31 * 86400
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    assert device_proofs.proven_id(settings, proof, OWNER) is None


def test_a_right_password_clears_only_this_clients_failures(
        make_bridge: Callable[..., Bridge], db_url: str) -> None:
    bridge = make_bridge(db_url, login_max_failures=3)
    add_owner(bridge)
    with client(bridge, "127.0.0.9") as stranger:
        for _ in range(2):
            login(stranger, password="wrong")
    with client(bridge, "127.0.0.1") as home:
        proof = login(home).json()["device_proof"]        # the owner, on a new device: 2 of 3 left standing
    with client(bridge, "127.0.0.9") as stranger:
        assert code(login(stranger, password="wrong")) == "invalid_credentials"
        assert code(login(stranger, password="wrong")) == "too_many_attempts"
    with client(bridge, "127.0.0.1") as home:
        for _ in range(2):                                 # the owner's own typos on the known device
            assert code(login(home, password="typo", proof=proof)) == "invalid_credentials"
        proof = login(home, proof=proof).json()["device_proof"]
        for _ in range(2):                                 # cleared by the success: two more allowed
            assert code(login(home, password="typo", proof=proof)) == "invalid_credentials"
        assert login(home, proof=proof).status_code == 200


def test_the_counters_hold_no_email_or_address(make_bridge: Callable[..., Bridge], db_url: str) -> None:
    bridge = make_bridge(db_url)
    with client(bridge, "127.0.0.2") as http:
        login(http, password="wrong")
    with bridge.sessions() as session:
        rows = session.execute(text("SELECT scope, subject, window_start, failures, pending "
                                    "FROM sign_in_counters")).all()
    assert {row.scope for row in rows} == {"address", "pair", "email"}
    assert all(row.failures == 1 and row.pending == 0 for row in rows)
    assert "example.test" not in repr(rows) and "127.0.0.2" not in repr(rows)


# -- the client address: the socket peer, or a trusted proxy's header ----------------------------

def test_the_header_of_a_trusted_proxy_names_the_client(make_bridge: Callable[..., Bridge], db_url: str) -> None:
    bridge = make_bridge(db_url, login_max_failures_per_address=3, trusted_proxy_header="X-Forwarded-For",
                         trusted_proxies="127.0.0.1")
    with client(bridge, "127.0.0.1") as proxy:
        for n in range(3):
            forwarded = {"X-Forwarded-For": f"203.0.113.{n}, 198.51.100.7"}   # the client may prepend anything
            assert login(proxy, email=f"a{n}@example.test", password="x", headers=forwarded).status_code == 401
        answer = login(proxy, email="a9@example.test", password="x", headers={"X-Forwarded-For": "198.51.100.7"})
        assert answer.status_code == 429
        other = login(proxy, email="a9@example.test", password="x", headers={"X-Forwarded-For": "198.51.100.8"})
        assert other.status_code == 401


@pytest.mark.parametrize("trusted", ["", "127.0.0.1"], ids=["no proxy configured", "another peer is the proxy"])
def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(
        make_bridge: Callable[..., Bridge], db_url: str, trusted: str) -> None:
    bridge = make_bridge(db_url, login_max_failures_per_address=3, trusted_proxies=trusted,
                         trusted_proxy_header="X-Forwarded-For" if trusted else None)
    with client(bridge, "127.0.0.2") as spoofer:
        answers = [login(spoofer, email=f"a{n}@example.test", password="x",
                         headers={"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"203.0.113.{n}",
                                  "Forwarded": f"for=203.0.113.{n}"}) for n in range(5)]
    assert [a.status_code for a in answers] == [401] * 3 + [429] * 2


# -- odd text at the edge -------------------------------------------------------------------------

@pytest.mark.parametrize("field, value", [
    ("email", "owner\u0000@example.test"), ("device", "lap\u0000top"), ("password", "pass\u0000word"),
    ("device_proof", "abc\u0000def"), ("email", "x" * 321), ("device", "d" * 101), ("password", "p" * 1025),
    ("device_proof", "p" * 513), ("device", "two\nlines"), ("device_proof", "not a proof"), ("email", ""),
])
def test_odd_sign_in_text_is_refused_at_the_edge(
        make_bridge: Callable[..., Bridge], module_db_url: str, field: str, value: str) -> None:
    bridge = make_bridge(module_db_url)
    body = {"email": OWNER, "password": PASSWORD, "device": "laptop", field: value}
    with client(bridge) as http:
        answer = http.post("/v1/auth/login", json=body)
    assert answer.status_code == 400, answer.text
    assert code(answer) == "invalid_request" and answer.json()["error"]["message"].startswith(field)


@pytest.mark.parametrize("field", ["email", "device", "password"])
def test_a_lone_surrogate_is_refused(make_bridge: Callable[..., Bridge], module_db_url: str, field: str) -> None:
    bridge = make_bridge(module_db_url)
    body = '{"email": "o@example.test", "password": "p", "device": "d", "%s": "a\\ud800b"}' % field
    with client(bridge) as http:
        answer = http.post("/v1/auth/login", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and code(answer) == "invalid_request"
