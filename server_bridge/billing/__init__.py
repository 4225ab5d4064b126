"""An owner's plan, card, invoices and plan changes, in the shapes of docs/bridge-api.md.

- stripe_objects: typed views of the stored Stripe objects (only the fields read here);
- owner: what the store knows about one owner, and which subscription and schedule count;
- summary, invoices: pure shaping of those views into the bridge's answers (server_bridge.api.schemas);
- reads: the summary, plans and invoices from the store (a warm read makes no Stripe call);
- service: the writes (Checkout, the customer portal, plan changes) through the gateway;
- errors: why a billing request cannot be done, with its status and stable code.
"""
