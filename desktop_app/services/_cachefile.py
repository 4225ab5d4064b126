"""What the billing and earnings caches share: one file per owner (services.owner_key), read whole or set aside.

A file that cannot be decoded (corrupt, truncated, an older shape, nesting too deep to decode) is
renamed to "<name>.unreadable" (one per owner, the newest replacing the older) and logged, so it
neither stays in the way nor vanishes before someone could look at it; the next refresh writes a good one.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import msgspec

log = logging.getLogger(__name__)
T = TypeVar("T")
ASIDE_SUFFIX = ".unreadable"
UNREADABLE = (msgspec.MsgspecError, ValueError, RecursionError)
"""What decoding a bad file raises: msgspec's errors, a wrong version, and RecursionError for deep nesting."""


def owner_file(folder: Path, owner_key: str) -> Path:
    """The owner's file in `folder`, named by a hash so no email shows in a file name."""
    return folder / f"{hashlib.sha256(owner_key.encode('utf-8')).hexdigest()}.json"


def read(path: Path) -> bytes | None:
    """The file's bytes, or None when there is none or it cannot be read (logged)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cache %s unreadable: %s", path, exc)
        return None


def load(path: Path, decode: Callable[[bytes], T]) -> T | None:
    """The file decoded, or None: missing, unreadable, or undecodable (then set aside)."""
    raw = read(path)
    if raw is None:
        return None
    try:
        return decode(raw)
    except UNREADABLE as exc:
        set_aside(path, exc)
        return None


def set_aside(path: Path, reason: object) -> None:
    """Rename a cache file that cannot be used to "<name>.unreadable" (replacing an older one), logged."""
    aside = path.with_name(path.name + ASIDE_SUFFIX)
    text = str(reason)[:200] or type(reason).__name__
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return
    except OSError as exc:
        log.warning("cache %s unreadable (%s) and could not be moved aside: %s", path, text, exc)
        return
    log.warning("cache %s unreadable (%s); moved aside to %s, it will be rebuilt", path, text, aside)
