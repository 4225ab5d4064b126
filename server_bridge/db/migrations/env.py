"""Alembic environment: runs on the connection db.upgrade hands over, or on sqlalchemy.url."""

from __future__ import annotations

from alembic import context

from server_bridge.db.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # the alembic command line: the bridge's own settings name the database
        from server_bridge.db import make_engine
        from server_bridge.settings import Settings

        engine = make_engine(config.get_main_option("sqlalchemy.url") or Settings().database_url)
        with engine.begin() as own:
            context.configure(connection=own, target_metadata=target_metadata, render_as_batch=True)
            context.run_migrations()
        engine.dispose()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
