"""The last good view of an owner's billing, so the app shows something at once and works offline.

One JSON file per owner (owner_key: bridge URL + email, hashed so no email appears in a file name) under
<cache_dir>/views/. Anything unreadable, from another format version or of the wrong shape is
deleted and treated as no cache: it gets rebuilt on the next refresh, never a crash.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import msgspec

from ._atomic import write_atomic
from ._cachefile import load, owner_file
from .answers import Invoice, PlanOffer, Summary

log = logging.getLogger(__name__)
VERSION: Literal[1] = 1


def owner_key(bridge_url: str, email: str) -> str:
    """Whose data, on which bridge: names the cache files and the token in the secret store."""
    return f"{bridge_url.rstrip('/')}|{email.strip().lower()}"


@dataclass
class CachedView:
    summary: Summary | None
    plans: list[PlanOffer] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    has_more: bool = False
    saved_at: float = 0.0
    texts: dict[str, str] = field(default_factory=dict)   # formatting.texts_for: the first paint needs no babel

    def age(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.saved_at)


class Cache:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder) / "views"

    def path_for(self, owner_key: str) -> Path:
        return owner_file(self.folder, owner_key)

    def load(self, owner_key: str) -> CachedView | None:
        return load(self.path_for(owner_key), _view_from)

    def save(self, owner_key: str, view: CachedView) -> None:
        """Write atomically; a cache that cannot be written (full disk, read-only folder) is logged, not raised."""
        saved_at = view.saved_at or time.time()
        data = CacheFile(version=VERSION, saved_at=saved_at, owner_key=owner_key, summary=view.summary,
                         plans=list(view.plans), invoices=list(view.invoices), has_more=view.has_more,
                         texts=view.texts)
        try:
            write_atomic(self.path_for(owner_key), msgspec.json.encode(data))
        except OSError as exc:
            log.warning("could not save cache for %s: %s", self.folder, exc)

    def delete(self, owner_key: str) -> None:
        with contextlib.suppress(OSError):
            self.path_for(owner_key).unlink()


class CacheFile(msgspec.Struct, kw_only=True):
    """The file's shape: the bridge's own answers (answers.py), with when and for whom they were saved."""

    version: Literal[1]
    saved_at: float
    owner_key: str = msgspec.field(default="", name="account")   # its name in files already written
    summary: Summary | None
    plans: list[PlanOffer]
    invoices: list[Invoice]
    has_more: bool
    texts: dict[str, str] = {}


def _view_from(raw: bytes) -> CachedView:
    data = msgspec.json.decode(raw, type=CacheFile)
    return CachedView(summary=data.summary, plans=data.plans, invoices=data.invoices, has_more=data.has_more,
                      saved_at=data.saved_at, texts=data.texts)
