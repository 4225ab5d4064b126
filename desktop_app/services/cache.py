"""The last good view of an owner's billing, so the app shows something at once and works offline.

One JSON file per account (bridge URL + email, hashed so no email appears in a file name) under
<cache_dir>/views/. Anything unreadable, from another format version or of the wrong shape is
deleted and treated as no cache: it gets rebuilt on the next refresh, never a crash.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._atomic import write_atomic
from .errors import UnexpectedResponse
from .models import Invoice, Plan, Summary

log = logging.getLogger(__name__)
VERSION = 1


def account_key(bridge_url: str, email: str) -> str:
    return f"{bridge_url.rstrip('/')}|{email.strip().lower()}"


@dataclass
class CachedView:
    summary: Summary | None
    plans: list[Plan] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    has_more: bool = False
    saved_at: float = 0.0
    texts: dict[str, str] = field(default_factory=dict)   # formatting.texts_for: the first paint needs no babel

    def age(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.saved_at)


class Cache:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder) / "views"

    def path_for(self, account: str) -> Path:
        return self.folder / f"{hashlib.sha256(account.encode('utf-8')).hexdigest()}.json"

    def load(self, account: str) -> CachedView | None:
        path = self.path_for(account)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cache %s unreadable: %s", path, exc)
            return None
        try:
            return _view_from(json.loads(raw.decode("utf-8")))
        except (ValueError, UnicodeDecodeError, TypeError, KeyError, UnexpectedResponse) as exc:
            log.warning("dropping cache %s: %s", path, exc)
            with contextlib.suppress(OSError):
                path.unlink()
            return None

    def save(self, account: str, view: CachedView) -> None:
        """Write atomically; a cache that cannot be written (full disk, read-only folder) is logged, not raised."""
        saved_at = view.saved_at or time.time()
        data = {
            "version": VERSION,
            "saved_at": saved_at,
            "account": account,
            "summary": view.summary.to_json() if view.summary else None,
            "plans": [p.to_json() for p in view.plans],
            "invoices": [i.to_json() for i in view.invoices],
            "has_more": view.has_more,
            "texts": view.texts,
        }
        try:
            write_atomic(self.path_for(account), json.dumps(data, separators=(",", ":")).encode("utf-8"))
        except OSError as exc:
            log.warning("could not save cache for %s: %s", self.folder, exc)

    def delete(self, account: str) -> None:
        with contextlib.suppress(OSError):
            self.path_for(account).unlink()


def _view_from(data: Any) -> CachedView:
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError("not a version 1 cache")
    saved_at = data["saved_at"]
    if isinstance(saved_at, bool) or not isinstance(saved_at, (int, float)):
        raise ValueError("bad saved_at")
    plans, invoices, has_more = data["plans"], data["invoices"], data["has_more"]
    if not isinstance(plans, list) or not isinstance(invoices, list) or not isinstance(has_more, bool):
        raise ValueError("bad shape")
    summary = data["summary"]
    texts = data.get("texts") or {}
    if not isinstance(texts, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in texts.items()):
        raise ValueError("bad texts")
    return CachedView(
        texts=texts,
        summary=None if summary is None else Summary.from_json(summary),
        plans=[Plan.from_json(p) for p in plans],
        invoices=[Invoice.from_json(i) for i in invoices],
        has_more=has_more,
        saved_at=float(saved_at),
    )
