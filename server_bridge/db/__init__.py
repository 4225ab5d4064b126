"""The database: engines and `upgrade` (here), the tables (models) and their Alembic migrations.

SQLite by default (one machine), PostgreSQL for several bridges.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and foreign keys on every connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_memory = parsed.database in (None, "", ":memory:")
        if not in_memory:
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 5}}
        if in_memory:
            options["poolclass"] = StaticPool
        else:
            # Connections are cheap; enough for the server's worker threads not to queue for one.
            options.update(pool_size=20, max_overflow=20)
        engine = create_engine(url, **{**options, **kwargs})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    options = {"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True}
    return create_engine(url, **{**options, **kwargs})


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config

    folder = resources.files("server_bridge.db") / "migrations"
    config = Config(str(folder / "alembic.ini"))
    config.set_main_option("script_location", str(folder))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at `database_url` to the latest schema (`alembic upgrade head`)."""
    from alembic import command

    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
    finally:
        engine.dispose()


def current_revision(database_url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"


@contextmanager
def scratch_database(kind: str, folder: Path | None = None, *, prefix: str = "bm_scratch",
                     server: str = LOCAL_POSTGRES, migrate: bool = True) -> Iterator[str]:
    """A new database for tests, benchmarks or a trial run, removed afterwards.

    SQLite: a file in `folder`. PostgreSQL: `<prefix>_<hex>` on `server`, dropped with FORCE at the
    end (a test that left a connection open must not leave the database behind). Raises
    psycopg.OperationalError when the server cannot be reached, before anything is created.
    """
    suffix = uuid.uuid4().hex[:12]
    if kind == "sqlite":
        if folder is None:
            raise ValueError("a SQLite scratch database needs a folder")
        url = f"sqlite:///{folder / f'{prefix}-{suffix}.db'}"
        if migrate:
            upgrade(url)
        yield url
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}")
    import psycopg

    server_url = make_url(server)
    name = f"{prefix}_{suffix}"
    admin = psycopg.connect(host=server_url.host, port=server_url.port or 5432, user=server_url.username,
                            password=server_url.password, dbname="postgres", autocommit=True, connect_timeout=3)
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{server}/{name}"
        if migrate:
            upgrade(url)
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
