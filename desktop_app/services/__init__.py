"""Qt-free services of the desktop app: bridge client, models, secrets, cache, downloads, formatting."""

from __future__ import annotations

from .bridge import BridgeClient
from .cache import Cache, CachedView, account_key
from .config import Config
from .csv_export import write_invoices_csv
from .demo import DemoBridge, DemoBridgeError
from .downloads import save_stream
from .errors import (BridgeError, BridgeRefused, BridgeUnreachable, DownloadCancelled, NotSignedIn,
                     UnexpectedResponse)
from .formatting import age, day, money, status_words
from .models import (Card, Invoice, InvoicePage, NextInvoice, PendingChange, Plan, PlanChangePreview, PreviewLine,
                     SignIn, Summary)
from .paths import Paths
from .secrets import KeyringStore, MemoryStore, SecretStore, open_secret_store

__all__ = [
    "BridgeClient", "BridgeError", "BridgeRefused", "BridgeUnreachable", "Cache", "CachedView", "Card", "Config",
    "DemoBridge", "DemoBridgeError", "DownloadCancelled", "Invoice", "InvoicePage", "KeyringStore", "MemoryStore",
    "NextInvoice", "NotSignedIn", "Paths", "PendingChange", "Plan", "PlanChangePreview", "PreviewLine",
    "SecretStore", "SignIn", "Summary", "UnexpectedResponse", "account_key", "age", "day", "money",
    "open_secret_store", "save_stream", "status_words", "write_invoices_csv",
]
