"""Qt-free services of the desktop app: bridge client, models, secrets, cache, downloads, formatting."""

from __future__ import annotations

from .bridge import BridgeClient
from .config import Config
from .downloads import save_stream
from .errors import (BridgeError, BridgeRefused, BridgeUnreachable, DownloadCancelled, NotSignedIn,
                     UnexpectedResponse)
from .models import (Card, Invoice, InvoicePage, NextInvoice, PendingChange, Plan, PlanChangePreview, PreviewLine,
                     SignIn, Summary)
from .paths import Paths

__all__ = [
    "BridgeClient", "BridgeError", "BridgeRefused", "BridgeUnreachable", "Card", "Config", "DownloadCancelled",
    "Invoice", "InvoicePage", "NextInvoice", "NotSignedIn", "Paths", "PendingChange", "Plan", "PlanChangePreview",
    "PreviewLine", "SignIn", "Summary", "UnexpectedResponse", "save_stream",
]
