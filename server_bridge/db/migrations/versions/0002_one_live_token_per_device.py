"""One live token per (owner, device), held by the database: two sign-ins racing cannot both keep theirs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LIVE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    # Older duplicates (from before this index) keep only the newest token per device.
    op.execute(
        "UPDATE tokens SET revoked_at = created_at WHERE revoked_at IS NULL AND id NOT IN "
        "(SELECT max_id FROM (SELECT MAX(id) AS max_id FROM tokens WHERE revoked_at IS NULL "
        "GROUP BY owner_id, device) AS newest)"
    )
    op.create_index("uq_tokens_live_device", "tokens", ["owner_id", "device"], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade() -> None:
    op.drop_index("uq_tokens_live_device", table_name="tokens")
