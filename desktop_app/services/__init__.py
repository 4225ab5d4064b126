"""Qt-free services of the desktop app: bridge client, its typed answers, secrets, cache, downloads, formatting.

Names are imported from their modules on first use (PEP 562), so showing the cached window does not
pay for httpx or keyring before the first paint.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "bridge": ["BridgeClient"],
    "cache": ["Cache", "CachedView", "owner_key"],
    "config": ["Config"],
    "csv_export": ["write_invoices_csv", "write_transactions_csv"],
    "demo": ["DemoBridge", "DemoBridgeError"],
    "downloads": ["save_stream"],
    "errors": ["BridgeError", "BridgeRefused", "BridgeUnreachable", "DownloadCancelled", "IncompleteDownload",
               "NotSignedIn", "UnexpectedResponse"],
    "formatting": ["age", "day", "money", "status_words"],
    "answers": ["Card", "Invoice", "InvoicePage", "Me", "NextInvoice", "PendingChange", "Plan", "PlanChangePreview",
                "PlanOffer", "PreviewLine", "SignIn", "Summary"],
    "paths": ["Paths"],
    "secrets": ["KeyringStore", "MemoryStore", "SecretStore", "open_secret_store"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from .answers import (Card, Invoice, InvoicePage, Me, NextInvoice, PendingChange, Plan, PlanChangePreview,
                          PlanOffer, PreviewLine, SignIn, Summary)
    from .bridge import BridgeClient
    from .cache import Cache, CachedView, owner_key
    from .config import Config
    from .csv_export import write_invoices_csv, write_transactions_csv
    from .demo import DemoBridge, DemoBridgeError
    from .downloads import save_stream
    from .errors import (BridgeError, BridgeRefused, BridgeUnreachable, DownloadCancelled, NotSignedIn,
                         UnexpectedResponse)
    from .formatting import age, day, money, status_words
    from .paths import Paths
    from .secrets import KeyringStore, MemoryStore, SecretStore, open_secret_store
