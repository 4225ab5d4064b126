"""Sign-in throttling counted in the database: one row per (scope, subject) holding the current window's
start, its failures and the attempts being checked right now, claimed with INSERT ... ON CONFLICT DO UPDATE ... RETURNING, so several bridges on one
database share the count.
Replaces login_failures (read before it was written, so concurrent attempts all got through).

Revision ID: 0006_sign_in_throttling
Revises: 0005_connect_objects
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_sign_in_throttling"
down_revision = "0005_connect_objects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_counters",
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "subject"),
    )
    op.create_index("ix_sign_in_counters_window", "sign_in_counters", ["window_start"])
    op.drop_index("ix_login_failures_email_at", table_name="login_failures")
    op.drop_table("login_failures")


def downgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_login_failures_email_at", "login_failures", ["email", "at"])
    op.drop_index("ix_sign_in_counters_window", table_name="sign_in_counters")
    op.drop_table("sign_in_counters")
