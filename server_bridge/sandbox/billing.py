"""Subscriptions, invoices, proration, renewals and schedules."""

from __future__ import annotations

from server_bridge.sandbox.core import SandboxState


class BillingMixin(SandboxState):
    pass
