"""My plan: overview, plans, invoices, plan changes, one-click fixes, and the plan data they show."""
