"""Billing Manager desktop client."""
