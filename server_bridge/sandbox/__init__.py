"""A stateful Stripe-compatible sandbox: the official SDK talks to it over HTTP as it would to Stripe."""

from __future__ import annotations

from server_bridge.sandbox.api import create_sandbox_app
from server_bridge.sandbox.errors import CardError, StripeError
from server_bridge.sandbox.state import Sandbox

__all__ = ["Sandbox", "CardError", "StripeError", "create_sandbox_app"]
