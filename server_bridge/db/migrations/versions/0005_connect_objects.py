"""Connect: an owner's connected account and its objects (balance, payouts, balance transactions,
charges, refunds, disputes) and the state of each account's backfill.

Revision ID: 0005_connect_objects
Revises: 0004_sync_runs
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_connect_objects"
down_revision = "0004_sync_runs"
branch_labels = None
depends_on = None


def _id(name: str = "id", nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(255), nullable=nullable)


def _int(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def upgrade() -> None:
    op.add_column("owners", sa.Column("stripe_account_id", sa.String(255), nullable=True))
    op.create_index("uq_owners_stripe_account", "owners", ["stripe_account_id"], unique=True)
    op.create_table("connect_accounts", _id(), _int("seen_at"), sa.Column("data", sa.Text(), nullable=False),
                    sa.PrimaryKeyConstraint("id"))
    op.create_table("connect_balances", _id("account_id"), sa.Column("currency", sa.String(3), nullable=False),
                    _int("available"), _int("pending"), _int("seen_at"),
                    sa.PrimaryKeyConstraint("account_id", "currency"))
    op.create_table("connect_payouts", _id(), _id("account_id"), _int("created"),
                    sa.Column("status", sa.String(32), nullable=False), _int("amount"),
                    sa.Column("currency", sa.String(3), nullable=False),
                    sa.Column("reconciliation_status", sa.String(32), nullable=False),
                    sa.Column("linked", sa.Boolean(), nullable=False), _int("seen_at"),
                    sa.Column("data", sa.Text(), nullable=False), sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_connect_payouts_listing", "connect_payouts", ["account_id", "created", "id"])
    op.create_table("connect_balance_transactions", _id(), _id("account_id"), _id("payout_id", True),
                    _id("source_id", True), _int("created"), sa.Column("type", sa.String(64), nullable=False),
                    sa.Column("reporting_category", sa.String(64), nullable=False), _int("amount"), _int("fee"),
                    _int("stripe_fee"), _int("platform_fee"), _int("net"),
                    sa.Column("currency", sa.String(3), nullable=False), _int("available_on"),
                    sa.Column("description", sa.Text(), nullable=True), _int("seen_at"),
                    sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_connect_txns_payout", "connect_balance_transactions", ["payout_id", "created", "id"])
    op.create_index("ix_connect_txns_source", "connect_balance_transactions", ["account_id", "source_id"])
    op.create_table("connect_charges", _id(), _id("account_id"), _int("created"), _int("month_start"),
                    sa.Column("charge_status", sa.String(32), nullable=False),
                    sa.Column("sale_status", sa.String(32), nullable=False),
                    sa.Column("currency", sa.String(3), nullable=False), _int("amount"), _int("amount_refunded"),
                    _int("stripe_fee", True), _int("platform_fee"), _id("balance_transaction_id", True),
                    sa.Column("description", sa.Text(), nullable=True),
                    sa.Column("customer_email", sa.String(320), nullable=True), _int("seen_at"),
                    sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_connect_charges_listing", "connect_charges", ["account_id", "created", "id"])
    op.create_index("ix_connect_charges_status", "connect_charges", ["account_id", "sale_status", "created", "id"])
    op.create_index("ix_connect_charges_series", "connect_charges",
                    ["account_id", "charge_status", "created", "currency", "month_start", "amount", "amount_refunded",
                     "stripe_fee", "platform_fee"])
    op.create_table("connect_refunds", _id(), _id("account_id"), _id("charge_id", True), _int("amount"),
                    sa.Column("currency", sa.String(3), nullable=False),
                    sa.Column("status", sa.String(32), nullable=False), _int("created"), _int("seen_at"),
                    sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_connect_refunds_charge", "connect_refunds", ["charge_id"])
    op.create_table("connect_disputes", _id(), _id("account_id"), _id("charge_id"), _int("amount"),
                    sa.Column("currency", sa.String(3), nullable=False),
                    sa.Column("status", sa.String(32), nullable=False),
                    sa.Column("reason", sa.String(64), nullable=True), _int("evidence_due_by", True),
                    _int("created"), _int("seen_at"), sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_connect_disputes_charge", "connect_disputes", ["charge_id"])
    op.create_table("connect_imports", _id("account_id"), sa.Column("state", sa.String(16), nullable=False),
                    sa.Column("phase", sa.String(16), nullable=False), _id("cursor", True),
                    sa.Column("imported", sa.Integer(), nullable=False),
                    sa.Column("estimated_total", sa.Integer(), nullable=True), _int("newest", True),
                    _int("started_at"), _int("finished_at", True), sa.Column("error", sa.Text(), nullable=True),
                    sa.PrimaryKeyConstraint("account_id"))


def downgrade() -> None:
    for table in ("connect_imports", "connect_disputes", "connect_refunds", "connect_charges",
                  "connect_balance_transactions", "connect_payouts", "connect_balances", "connect_accounts"):
        op.drop_table(table)
    op.drop_index("uq_owners_stripe_account", table_name="owners")
    with op.batch_alter_table("owners") as batch:
        batch.drop_column("stripe_account_id")
