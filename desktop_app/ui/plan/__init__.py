"""My plan: overview, plans, invoices, plan changes, and the billing data they show."""
