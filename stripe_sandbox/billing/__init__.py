"""Stripe Billing in the sandbox: plain functions over the store, one module per resource family
(customers, cards, catalog, subscriptions, invoices, ...), and the hosted pages and PDFs."""
