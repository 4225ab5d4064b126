"""What the billing and earnings caches share: one file per account, read whole or dropped."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def account_file(folder: Path, account: str) -> Path:
    """The account's file in `folder`, named by a hash so no email shows in a file name."""
    return folder / f"{hashlib.sha256(account.encode('utf-8')).hexdigest()}.json"


def read(path: Path) -> bytes | None:
    """The file's bytes, or None when there is none or it cannot be read (logged)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cache %s unreadable: %s", path, exc)
        return None


def drop(path: Path, reason: object) -> None:
    """Delete a cache file that cannot be used; the next refresh writes a good one."""
    log.warning("dropping cache %s: %s", path, reason)
    with contextlib.suppress(OSError):
        path.unlink()
