"""The owner's own sales through Stripe Connect: store, webhooks, backfill and the /v1/connect shapes."""
