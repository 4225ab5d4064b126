"""Identity: one-time "forgot password" links, the requests their rate limits count, and sign-ins in
progress at the platform's OpenID Connect provider.

Revision ID: 0008_password_resets
Revises: 0007_oauth_codes
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_password_resets"
down_revision = "0007_oauth_codes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("owners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_password_resets_owner", "password_resets", ["owner_id"])
    op.create_table(
        "password_reset_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reset_requests_email_at", "password_reset_requests", ["email", "at"])
    op.create_index("ix_reset_requests_address_at", "password_reset_requests", ["address", "at"])
    op.create_table(
        "oidc_sign_ins",
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("browser_hash", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("request_id", sa.String(255), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("state_hash"),
    )


def downgrade() -> None:
    op.drop_table("oidc_sign_ins")
    op.drop_index("ix_reset_requests_address_at", table_name="password_reset_requests")
    op.drop_index("ix_reset_requests_email_at", table_name="password_reset_requests")
    op.drop_table("password_reset_requests")
    op.drop_index("ix_password_resets_owner", table_name="password_resets")
    op.drop_table("password_resets")
