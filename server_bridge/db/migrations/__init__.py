"""Alembic's environment (env.py) for the bridge's schema; `billing-bridge db upgrade` runs it."""
