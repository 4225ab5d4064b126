"""A stateful Stripe-compatible sandbox: the official SDK talks to it over HTTP as it would to Stripe."""

from __future__ import annotations

from stripe_sandbox.api import create_sandbox_app
from stripe_sandbox.errors import CardError, StripeError
from stripe_sandbox.state import Sandbox

__all__ = ["Sandbox", "CardError", "StripeError", "create_sandbox_app"]
