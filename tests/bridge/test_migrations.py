"""`db upgrade` builds the schema on a fresh SQLite and PostgreSQL database, and is safe to repeat."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from server_bridge import db

TABLES = {"owners", "tokens", "login_failures", "stripe_objects", "webhook_events", "owner_syncs"}


def check_upgrade(url: str) -> None:
    assert db.current_revision(url) is None
    db.upgrade(url)
    db.upgrade(url)
    assert db.current_revision(url) == "0001"
    engine = db.make_engine(url)
    try:
        inspector = inspect(engine)
        assert TABLES <= set(inspector.get_table_names())
        assert {c["name"] for c in inspector.get_columns("stripe_objects")} == {
            "object_type", "id", "customer_id", "created", "seen_at", "deleted", "data"}
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
