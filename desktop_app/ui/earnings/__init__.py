"""Earnings: the owner's own sales, payouts, balance and chart through Stripe Connect, and the data they show."""
