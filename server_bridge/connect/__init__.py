"""The owner's own sales through Stripe Connect, in the /v1/connect shapes of docs/bridge-api.md.

- records: the connected-account objects the bridge keeps, keyed by account (writes and reads);
- event_handlers: Connect webhooks applied to those records, by their `account`;
- backfill, worker: the paced, resumable import of an account's history and the reads a webhook
  cannot carry, on one background thread;
- earnings: the signed-in owner's account, balance, sales and payouts (never an account id from the client);
- shaping, schemas, requirements: the answers' shapes, and Stripe's requirement codes in plain words.
"""
