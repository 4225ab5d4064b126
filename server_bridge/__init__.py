"""Billing Manager bridge: the only holder of the Stripe secret."""
