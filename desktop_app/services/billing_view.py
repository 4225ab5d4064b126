"""The owner's billing view (plan, plans, the first invoices) as the window shows and caches it, built
without Qt: ui/plan/billing_state.py runs these on its workers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from . import formatting
from .answers import Invoice, PlanOffer, Summary
from .cache import Cache, CachedView
from .formatting import day, money

if TYPE_CHECKING:
    from .bridge import BridgeClient

log = logging.getLogger(__name__)


def fetch_view(client: BridgeClient, cache: Cache, owner_key: str, *, page_size: int, now: Callable[[], float],
               locale: str) -> CachedView:
    """The owner's billing from the bridge, saved for the next start (with its texts already formatted)."""
    summary = client.summary()
    plans = client.plans()
    page = client.invoices(limit=page_size)
    view = CachedView(summary=summary, plans=list(plans), invoices=list(page.invoices), has_more=page.has_more,
                      saved_at=now(), texts=texts_quietly(summary, plans, page.invoices, locale))
    save_quietly(cache, owner_key, view)
    return view


def load_view(cache: Cache, owner_key: str, locale: str) -> CachedView | None:
    """The cached view, its texts ready for the locale (formatted and saved again when they were not)."""
    try:
        view = cache.load(owner_key)
    except Exception:  # noqa: BLE001 - a cache must never stop the app
        log.warning("cache unreadable", exc_info=True)
        return None
    if view is None or view.summary is None:
        return view
    if any(key.endswith(f"|{locale}") for key in view.texts):
        formatting.remember(view.texts)   # the pages fill without loading babel
    else:   # saved by an older version or in another locale: format now, and save for the next start
        warm_formatting(locale)
        view.texts = texts_quietly(view.summary, view.plans, view.invoices, locale)
        if view.texts:
            save_quietly(cache, owner_key, view)
    return view


def summary_key(summary: Summary | None) -> object:
    """A summary's content without its as_of stamp, to notice a real change."""
    if summary is None:
        return None
    data = dict(summary.to_json())
    data.pop("as_of", None)
    return repr(sorted(data.items()))


def warm_formatting(locale: str) -> None:
    """Load the locale's number and date data here, off the GUI thread, before the pages format with it."""
    money(0, "usd", locale)
    day(time.time(), locale)


def texts_quietly(summary: Summary | None, plans: Sequence[PlanOffer], invoices: Sequence[Invoice],
                  locale: str) -> dict[str, str]:
    """The view's formatted texts for the cache; without them the next start just formats with babel."""
    try:
        return formatting.texts_for(summary, plans, invoices, locale)
    except Exception:  # noqa: BLE001 - an optimisation must never cost the owner their data
        log.warning("could not format the view for the cache", exc_info=True)
        return {}


def save_quietly(cache: Cache, owner_key: str, view: CachedView) -> None:
    try:
        cache.save(owner_key, view)
    except OSError:
        log.warning("could not save the cache", exc_info=True)
