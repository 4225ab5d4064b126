"""The bridge's local copy of Stripe: the object store, backfill, the webhook pipeline, and the refresh notices streamed to desktops."""
