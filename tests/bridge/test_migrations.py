"""`db upgrade` builds the schema on a fresh SQLite and PostgreSQL database, and is safe to repeat."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from server_bridge import db
from tests.support.databases import postgres_database

TABLES = {"owners", "tokens", "sign_in_counters", "stripe_objects", "webhook_events", "owner_syncs",
          "connect_accounts", "connect_balances", "connect_payouts", "connect_balance_transactions",
          "connect_charges", "connect_refunds", "connect_disputes", "connect_imports", "sync_runs",
          "oauth_requests", "oauth_codes", "password_resets", "password_reset_requests", "oidc_sign_ins"}


def check_upgrade(url: str) -> None:
    assert db.current_revision(url) is None
    db.upgrade(url)
    db.upgrade(url)
    assert db.current_revision(url) == "0008_password_resets"
    engine = db.make_engine(url)
    try:
        inspector = inspect(engine)
        assert TABLES <= set(inspector.get_table_names())
        assert {c["name"] for c in inspector.get_columns("stripe_objects")} == {
            "object_type", "id", "customer_id", "created", "seen_at", "deleted", "terminal", "data"}
        assert inspector.get_pk_constraint("stripe_objects")["constrained_columns"] == ["object_type", "id"]
    finally:
        engine.dispose()


def test_upgrade_fresh_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'folder' / 'bridge.db'}"
    check_upgrade(url)
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    finally:
        engine.dispose()


def test_upgrade_fresh_postgresql(pg_url: str) -> None:
    check_upgrade(pg_url)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_0002_keeps_the_newest_live_token_per_device(kind: str, tmp_path: Path) -> None:
    with ExitStack() as cleanup:
        url = cleanup.enter_context(postgres_database()) if kind == "postgresql" else f"sqlite:///{tmp_path / 'b.db'}"
        db.upgrade(url, "0001")
        engine = db.make_engine(url)
        cleanup.callback(engine.dispose)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO owners (id, email, password_hash, disabled, created_at) "
                                    "VALUES (1, 'a@example.test', 'x', false, 1)"))
            for n in (1, 2, 3):
                connection.execute(text("INSERT INTO tokens (owner_id, device, token_hash, created_at, expires_at) "
                                        f"VALUES (1, 'laptop', 'h{n}', {n}, 9999999999)"))
        db.upgrade(url)
        with engine.connect() as connection:
            live = connection.execute(text("SELECT token_hash FROM tokens WHERE revoked_at IS NULL")).scalars().all()
            assert live == ["h3"]
            with pytest.raises(IntegrityError):
                connection.execute(text("INSERT INTO tokens (owner_id, device, token_hash, created_at, expires_at) "
                                        "VALUES (1, 'laptop', 'h4', 4, 9999999999)"))
