"""Whole stacks in this process: the Stripe sandbox plus a bridge on it, demo owners signed up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FAST_RETRIES = (0.05, 0.1, 0.2, 0.4, 0.8)


def sandbox_stack(data_dir: Path, database_url: str | None = None, **overrides: Any) -> Any:
    """`start_sandbox_stack` with webhook retries in tenths of a second (a context manager)."""
    from server_bridge.stack import start_sandbox_stack

    return start_sandbox_stack(data_dir=data_dir, database_url=database_url,
                               webhook_retry_delays=FAST_RETRIES, **overrides)
