"""Stored Stripe objects remember whether their state is final (a canceled subscription, a paid or
void invoice, a deleted customer), so no later write can bring them back.

Revision ID: 0003_terminal_states
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_terminal_states"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stripe_objects") as table:
        table.add_column(sa.Column("terminal", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE stripe_objects SET terminal = deleted WHERE object_type = 'customer'")


def downgrade() -> None:
    with op.batch_alter_table("stripe_objects") as table:
        table.drop_column("terminal")
