"""Scratch databases for the bridge's tests: a fresh PostgreSQL database, or a migrated one of either kind.

Migrating takes a second or two per database; a test process migrates one template of each kind and
copies it for every test that wants a migrated database (SQLite: the file; PostgreSQL:
CREATE DATABASE ... TEMPLATE). test_migrations still runs the migrations themselves on empty databases.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from server_bridge import db

_templates: dict[str, str] = {}   # "sqlite" -> a migrated file; "postgresql" -> a migrated database's name


def _admin():  # noqa: ANN202 - a psycopg connection to the server's "postgres" database
    import psycopg

    server = make_url(db.LOCAL_POSTGRES)
    return psycopg.connect(host=server.host, port=server.port or 5432, user=server.username,
                           password=server.password, dbname="postgres", autocommit=True, connect_timeout=3)


def _drop(name: str) -> None:
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _template(kind: str) -> str:
    """This process's migrated template of `kind`, made on first use and removed when the process ends."""
    if kind not in _templates:
        if kind == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="bm-template-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            path = folder / "bridge.db"
            db.upgrade(f"sqlite:///{path}")
            _templates[kind] = str(path)
        else:
            name = f"bm_template_{uuid.uuid4().hex[:12]}"
            with _admin() as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            atexit.register(_drop, name)
            db.upgrade(f"{db.LOCAL_POSTGRES}/{name}")   # disposes its engine: nobody stays connected
            _templates[kind] = name
    return _templates[kind]


@contextmanager
def postgres_database(*, migrate: bool = False) -> Iterator[str]:
    """A new database bm_test_<hex> on the local PostgreSQL (at the latest schema if `migrate`), dropped
    (forcibly) afterwards."""
    import psycopg

    name = f"bm_test_{uuid.uuid4().hex[:12]}"
    try:
        template = f' TEMPLATE "{_template("postgresql")}"' if migrate else ""
        with _admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"{template}')
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable on 127.0.0.1:5432 ({exc}); run ./dev test to start it")
    try:
        yield f"{db.LOCAL_POSTGRES}/{name}"
    finally:
        _drop(name)


def sqlite_database(folder: Path, name: str = "bridge") -> str:
    """A new SQLite file in `folder` at the latest schema (a copy of the template): its URL."""
    return sqlite_copy(folder / f"{name}-{uuid.uuid4().hex[:12]}.db")


def sqlite_copy(path: Path) -> str:
    """The migrated template copied to `path` (which must not exist yet): its URL."""
    if path.exists():
        raise FileExistsError(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(_template("sqlite"))) as source, closing(sqlite3.connect(path)) as copy:
        source.backup(copy)
    return f"sqlite:///{path}"


@contextmanager
def migrated_database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh database of `kind` ("sqlite" or "postgresql") at the latest schema."""
    if kind == "sqlite":
        yield sqlite_database(folder)
    else:
        with postgres_database(migrate=True) as url:
            yield url
