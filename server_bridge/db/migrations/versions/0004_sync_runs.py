"""When the last `billing-bridge sync` started and whether it finished, so an interrupted one resumes.

Revision ID: 0004_sync_runs
Revises: 0003_terminal_states
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_sync_runs"
down_revision = "0003_terminal_states"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_runs",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("sync_runs")
