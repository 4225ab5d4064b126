"""Signing in to a bridge by hand: clients from a chosen source address, login calls, error codes, owners
added straight to the database, and `CheckCounter`, which counts the password checks a bridge makes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from server_bridge.auth import owners
from tests.support.bridges import Bridge

PASSWORD = "correct horse battery staple"
OWNER = "owner@example.test"


@contextmanager
def client(bridge: Bridge, source: str = "127.0.0.1") -> Iterator[httpx.Client]:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=bridge.url, timeout=30, transport=transport) as http:
        yield http


def login(http: httpx.Client, email: str = OWNER, password: str = PASSWORD, device: str = "laptop",
          proof: str | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
    body: dict[str, Any] = {"email": email, "password": password, "device": device}
    if proof is not None:
        body["device_proof"] = proof
    return http.post("/v1/auth/login", json=body, headers=headers)


def code(answer: httpx.Response) -> str:
    return answer.json()["error"]["code"]


def add_owner(bridge: Bridge, email: str = OWNER) -> None:
    with bridge.sessions() as session:
        owners.add_owner(session, email, PASSWORD)
        session.commit()


def sign_up(bridge: Bridge, email: str, customer: str) -> str:
    """Add an owner with Stripe customer `customer` and return a fresh token of theirs (password "pw")."""
    with bridge.sessions() as session:
        owners.add_owner(session, email, "pw", customer_id=customer)
        session.commit()
    with bridge.client() as http:
        return http.post("/v1/auth/login", json={"email": email, "password": "pw", "device": "d"}).json()["token"]


class CheckCounter:
    """Counts password checks (and the most at once) by wrapping auth._check_password."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, pause: threading.Event | None = None) -> None:
        self.count = 0
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()
        self._pause = pause
        real = owners._check_password

        def counting(password_hash: str | None, password: str) -> tuple[bool, str | None]:
            with self._lock:
                self.count += 1
                self.running += 1
                self.most_at_once = max(self.most_at_once, self.running)
            try:
                if self._pause is not None:
                    self._pause.wait(10)
                return real(password_hash, password)
            finally:
                with self._lock:
                    self.running -= 1

        monkeypatch.setattr(owners, "_check_password", counting)
