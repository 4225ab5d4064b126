"""Billing portal and Checkout sessions, and what their hosted pages do."""

from __future__ import annotations

from server_bridge.sandbox.core import SandboxState


class SessionsMixin(SandboxState):
    pass
