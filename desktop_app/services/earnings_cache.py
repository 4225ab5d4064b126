"""The last good view of the owner's earnings, so the page shows at once, with its age, and offline.

One JSON file per owner (services.owner_key, hashed like the billing cache) under <cache_dir>/earnings/. Anything
unreadable or of another version is set aside (_cachefile) and treated as no cache, never a crash.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ._atomic import write_atomic
from ._cachefile import load, owner_file

if TYPE_CHECKING:   # msgspec loads with the first read, on a worker
    from .earnings import EarningsView

log = logging.getLogger(__name__)


class EarningsCache:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder) / "earnings"

    def path_for(self, owner_key: str) -> Path:
        return owner_file(self.folder, owner_key)

    def load(self, owner_key: str) -> EarningsView | None:
        return load(self.path_for(owner_key), _view_from)

    def save(self, owner_key: str, view: EarningsView) -> None:
        """Write atomically; a cache that cannot be written is logged, not raised."""
        from .earnings import encode
        try:
            write_atomic(self.path_for(owner_key), encode(view))
        except OSError as exc:
            log.warning("could not save the earnings cache in %s: %s", self.folder, exc)

    def delete(self, owner_key: str) -> None:
        with contextlib.suppress(OSError):
            self.path_for(owner_key).unlink()


def _view_from(raw: bytes) -> EarningsView:
    from .earnings import VIEW_VERSION, decode_view

    view = decode_view(raw)
    if view.version != VIEW_VERSION:
        raise ValueError(f"version {view.version}")
    return view
