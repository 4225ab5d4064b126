"""Fixtures for the bridge's tests: databases on SQLite and PostgreSQL, bridges and whole stacks.

- `db_url`: a fresh, migrated database, parametrized over SQLite and PostgreSQL.
- `pg_url`: a fresh (empty) PostgreSQL database, dropped afterwards.
- `make_bridge(database_url, **settings)`: a bridge alone (no Stripe) served on a free port.
- `stack` / `stack_pg` / `any_stack`: the sandbox plus a bridge on it, demo owners signed up.
- `client_for(stack, email)`: an httpx.Client on the bridge, signed in as that owner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from server_bridge import db
from tests.support.bridges import Bridge, serve_bridge
from tests.support.databases import migrated_database, postgres_database
from tests.support.stacks import sandbox_stack


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, with the cost turned down: tests sign in hundreds of times."""
    from argon2 import PasswordHasher

    from server_bridge.auth import owners

    monkeypatch.setattr(owners, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    owners._dummy_hash.cache_clear()


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database of each kind, for this test alone."""
    with migrated_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database of each kind, shared by one test module."""
    with migrated_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(db_url)
    yield db.make_sessions(engine)
    engine.dispose()


@pytest.fixture
def make_bridge(tmp_path: Path) -> Iterator[Callable[..., Bridge]]:
    """`make_bridge(database_url, **settings)`: a bridge for this test, stopped at teardown."""
    with ExitStack() as running:
        yield lambda database_url, **overrides: running.enter_context(
            serve_bridge(database_url, tmp_path, **overrides))


@pytest.fixture(scope="module")
def shared_bridge(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bridge]:
    """One bridge per module and database kind; tests keep apart by using their own owners (but share
    the client address 127.0.0.1, hence no limit per address to speak of)."""
    with serve_bridge(module_db_url, tmp_path_factory.mktemp("bridge"), login_max_failures=3,
                      login_max_failures_per_address=10_000) as bridge:
        yield bridge


@pytest.fixture(scope="module")
def module_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One sandbox and bridge on SQLite for a whole test module, for tests that change only their own
    owner's state. A module tunes it with STACK_SETTINGS = {...} (bridge settings such as stripe_timeout)."""
    folder = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    with sandbox_stack(folder, **getattr(request.module, "STACK_SETTINGS", {})) as started:
        yield started


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Any]:
    """A sandbox and a bridge on SQLite, for this test alone."""
    with sandbox_stack(tmp_path) as started:
        yield started


@pytest.fixture
def stack_pg(tmp_path: Path) -> Iterator[Any]:
    """A sandbox and a bridge on a fresh PostgreSQL database, for this test alone."""
    with postgres_database(migrate=True) as url, sandbox_stack(tmp_path, url) as started:
        yield started


@pytest.fixture(params=["sqlite", "postgresql"])
def any_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """`stack` and `stack_pg` in turn."""
    if request.param == "sqlite":
        with sandbox_stack(tmp_path) as started:
            yield started
        return
    with postgres_database(migrate=True) as url, sandbox_stack(tmp_path, url) as started:
        yield started


@pytest.fixture
def client_for() -> Iterator[Callable[..., httpx.Client]]:
    """`client_for(stack, email, password="demo", device="tests")`: a signed-in client, closed at teardown."""
    clients: list[httpx.Client] = []

    def sign_in(stack: Any, email: str, password: str = "demo", device: str = "tests") -> httpx.Client:
        url = getattr(stack, "bridge_url", None) or stack.url
        client = httpx.Client(base_url=url, timeout=10)
        clients.append(client)
        answer = client.post("/v1/auth/login", json={"email": email, "password": password, "device": device})
        assert answer.status_code == 200, answer.text
        client.headers["Authorization"] = f"Bearer {answer.json()['token']}"
        return client

    yield sign_in
    for client in clients:
        client.close()
