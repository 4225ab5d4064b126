"""Scratch databases for the bridge's tests: a fresh PostgreSQL database, or a migrated one of either kind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from server_bridge import db


@contextmanager
def postgres_database(*, migrate: bool = False) -> Iterator[str]:
    """A new database bm_test_<hex> on the local PostgreSQL, dropped (forcibly) afterwards."""
    import psycopg

    with ExitStack() as cleanup:
        try:
            url = cleanup.enter_context(db.scratch_database("postgresql", prefix="bm_test", migrate=migrate))
        except psycopg.OperationalError as exc:
            pytest.skip(f"PostgreSQL is not reachable on 127.0.0.1:5432 ({exc}); run ./dev test to start it")
        yield url


@contextmanager
def migrated_database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh database of `kind` ("sqlite" or "postgresql") at the latest schema."""
    if kind == "sqlite":
        with db.scratch_database("sqlite", folder, prefix="bridge") as url:
            yield url
    else:
        with postgres_database(migrate=True) as url:
            yield url
