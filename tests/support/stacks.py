"""Whole stacks in this process: the Stripe sandbox plus a bridge on it, demo owners signed up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.databases import sqlite_copy

FAST_RETRIES = (0.05, 0.1, 0.2, 0.4, 0.8)


def sandbox_stack(data_dir: Path, database_url: str | None = None, **overrides: Any) -> Any:
    """`start_sandbox_stack` with webhook retries in tenths of a second (a context manager). Without a
    database URL, its SQLite file in `data_dir` starts as a copy of the migrated template."""
    from server_bridge.stack import start_sandbox_stack

    if database_url is None and not (Path(data_dir) / "bridge.db").exists():
        database_url = sqlite_copy(Path(data_dir) / "bridge.db")
    return start_sandbox_stack(data_dir=data_dir, database_url=database_url,
                               webhook_retry_delays=FAST_RETRIES, **overrides)
